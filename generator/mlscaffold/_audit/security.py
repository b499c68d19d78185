"""Secret checks: no credential or environment file is committed, and .env is git-ignored."""

from __future__ import annotations

import fnmatch
import re
from pathlib import PurePosixPath

from mlscaffold._audit.probes import Result
from mlscaffold._audit.repository import Hit, Repo, hit_at
from mlscaffold._audit.selectors import is_test_file
from mlscaffold._audit.spec import CheckSpec

ENV_EXAMPLES = frozenset({".env.example", ".env.sample", ".env.template", ".env.dist"})
"""Environment file names that document variables rather than hold their values."""

SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("AWS access key ID", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("API secret key (sk-...)", re.compile(r"\bsk-(?:proj-|live-|ant-)?[A-Za-z0-9_-]{20,}")),
)
"""Credentials recognisable by their shape, with the name the evidence gives them."""

# Tests hold made-up credentials on purpose, so the generic rule skips them.
_GENERIC_SECRET = re.compile(
    r"""(?i)\b[\w-]*(?:api[_-]?key|secret|token|passw(?:or)?d)\b["']?\s*[:=]\s*["']([^"'\s]{8,})["']"""
)
# In configuration files a credential may be unquoted; a long value mixing letters and digits.
_UNQUOTED_SECRET = re.compile(
    r"""(?im)^[ \t]*[\w-]*(?:api[_-]?key|secret|token|passw(?:or)?d)[ \t]*[:=][ \t]*"""
    r"""((?=[A-Za-z0-9/+_-]*[0-9])(?=[A-Za-z0-9/+_-]*[A-Za-z])[A-Za-z0-9/+_-]{16,})[ \t]*$"""
)
_PLAIN_CONFIG = ("*.yaml", "*.yml", "*.toml", "*.ini", "*.cfg", "*.conf", "*.properties", "*.env")
_PLACEHOLDER = re.compile(
    r"(?i)^(?:x+|\*+|<.*>|\$\{.*\}|\{\{.*\}\}|\$[A-Z_]+"
    r"|.*(?:example|changeme|change-me|placeholder|dummy|fake|your|redacted|test).*)$"
)


def _env_file(path: str) -> bool:
    name = PurePosixPath(path).name
    return (name == ".env" or name.startswith(".env.")) and name not in ENV_EXAMPLES


def env_ignored(repo: Repo) -> Hit | None:
    """The first .gitignore line that ignores ``.env``, if any.

    Args:
        repo: The audited repository.

    Returns:
        The line, or ``None`` when there is no .gitignore or none of its lines matches ``.env``.
    """
    if not repo.exists(".gitignore"):
        return None
    text = repo.text(".gitignore") or ""
    for match in re.finditer(r"^[ \t]*([^#!\s][^\r\n]*?)[ \t]*$", text, re.MULTILINE):
        pattern = match.group(1).strip("/")
        if pattern.startswith("**/"):
            pattern = pattern[3:]
        if fnmatch.fnmatchcase(".env", pattern):
            return hit_at(".gitignore", text, match.start())
    return None


def no_secrets(repo: Repo) -> Result:
    """No audited file is an environment file or holds a key, token or hard-coded credential.

    Outside git, an environment file counts as committed only when .gitignore does not ignore
    ``.env``. The generic credential rules skip test files and placeholder values.

    Args:
        repo: The audited repository.

    Returns:
        Pass with the number of files scanned, or the first three findings and how many more.
    """
    findings: list[str] = []
    scanned = 0
    for path in repo.files:
        if _env_file(path) and (repo.from_git or not env_ignored(repo)):
            findings.append(f"{path}:1: committed environment file")
            continue
        text = repo.text(path)
        if text is None:
            continue
        scanned += 1
        for label, pattern in SECRET_PATTERNS:
            for match in pattern.finditer(text):
                findings.append(f"{hit_at(path, text, match.start()).where}: {label}")
        if not is_test_file(path):
            generic = [_GENERIC_SECRET]
            if any(fnmatch.fnmatchcase(PurePosixPath(path).name, g) for g in _PLAIN_CONFIG):
                generic.append(_UNQUOTED_SECRET)
            for pattern in generic:
                for match in pattern.finditer(text):
                    if not _PLACEHOLDER.match(match.group(1)):
                        where = hit_at(path, text, match.start()).where
                        findings.append(f"{where}: hard-coded credential")
    if findings:
        more = f" (and {len(findings) - 3} more)" if len(findings) > 3 else ""
        return False, "; ".join(findings[:3]) + more
    if not scanned:
        return False, "no readable files to scan"
    return True, f"scanned {scanned} files: no private key, access key, token or .env committed"


NO_SECRETS = CheckSpec(
    id="no-secrets",
    title="No committed secrets",
    category="security",
    weight=3,
    fix="Remove the secret from the files and from git history, rotate it, and read it from the "
    "environment (.env, git-ignored) instead.",
    probe=no_secrets,
)
"""Nothing in the repository grants access to anything."""


def env_handled(repo: Repo) -> Result:
    """.gitignore ignores ``.env`` and an example file documents the variables.

    Args:
        repo: The audited repository.

    Returns:
        Pass with the .gitignore line and the example file, or what is missing.
    """
    ignored = env_ignored(repo)
    example = next((name for name in sorted(ENV_EXAMPLES) if repo.exists(name)), None)
    if ignored is None:
        return False, "no .gitignore line ignores .env"
    if example is None:
        return False, f"{ignored.where} ignores .env, but no .env.example documents the variables"
    return True, f"{ignored.where} ignores .env; {example}:1"


ENV_IGNORED = CheckSpec(
    id="env-ignored",
    title=".env ignored, .env.example present",
    category="security",
    weight=2,
    fix="Add `.env` to .gitignore and commit a .env.example listing every variable with a "
    "placeholder value.",
    probe=env_handled,
)
"""Local settings stay out of git, and newcomers know which to set."""
