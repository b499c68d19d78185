"""Score a repository against the production checklist every generated project meets.

Each check reads files only: nothing in the audited repository is imported or executed. A check
passes or fails with evidence (the file and line where it found what it looked for, or what it
looked for and did not find) and a fix saying what to add. The score is the weighted share of
passed checks, from 0 to 100.

The checks are a table of specs (:data:`_SPECS`); each spec's probe is built from a few small
file-matching helpers, so adding a check is adding a row.

In a git repository the files audited are those git tracks or would add (``git ls-files`` with
untracked, not ignored files); elsewhere every file is walked, skipping version-control folders,
virtual environments and caches. Binary files and files over 1 MB are never read.
"""

from __future__ import annotations

import fnmatch
import math
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml

from mlscaffold.errors import AuditError

Category = Literal[
    "testing",
    "quality",
    "ci",
    "data",
    "training",
    "artifacts",
    "serving",
    "monitoring",
    "docs",
    "docker",
    "security",
]
"""The area of the checklist a check belongs to."""

MAX_FILE_BYTES = 1_000_000
"""Files larger than this are not read."""

_SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".hypothesis",
    }
)
_SNIPPET_CHARS = 70


@dataclass(frozen=True)
class Check:
    """The result of one check.

    Attributes:
        id: Stable identifier, for example ``tests-present``.
        title: What the check asks for, in a few words.
        category: The area of the checklist it belongs to.
        passed: Whether the repository meets it.
        evidence: Where it was found (``path:line``), or what was looked for and not found.
        fix: What to add or change to pass it.
        weight: Its share of the score, relative to the other checks.
    """

    id: str
    title: str
    category: Category
    passed: bool
    evidence: str
    fix: str
    weight: int

    def to_dict(self) -> dict[str, Any]:
        """The check as JSON-ready data."""
        return {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "passed": self.passed,
            "evidence": self.evidence,
            "fix": self.fix,
            "weight": self.weight,
        }


@dataclass(frozen=True)
class AuditReport:
    """Every check's result for one repository.

    Attributes:
        path: The audited folder.
        checks: The results, in checklist order.
    """

    path: Path
    checks: tuple[Check, ...]

    @property
    def passed(self) -> int:
        """How many checks passed."""
        return sum(check.passed for check in self.checks)

    @property
    def total(self) -> int:
        """How many checks ran."""
        return len(self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        """The checks that failed."""
        return tuple(check for check in self.checks if not check.passed)

    @property
    def score(self) -> float:
        """Weighted share of passed checks, 0-100, rounded down to one decimal.

        Rounding down keeps 100 for a repository that passes every check.
        """
        total = sum(check.weight for check in self.checks)
        if not total:
            return 0.0
        earned = sum(check.weight for check in self.checks if check.passed)
        return math.floor(1000 * earned / total) / 10

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data: score, passed, total and the checks."""
        return {
            "path": str(self.path),
            "score": self.score,
            "passed": self.passed,
            "total": self.total,
            "checks": [check.to_dict() for check in self.checks],
        }


def audit_repository(path: Path) -> AuditReport:
    """Score the repository in PATH against the production checklist.

    Files are only read; nothing in the repository is imported or run.

    Args:
        path: The repository's root folder.

    Returns:
        Every check's result and the score.

    Raises:
        AuditError: PATH does not exist or is not a folder.
    """
    if not path.exists():
        raise AuditError(f"{path} does not exist; pass the folder of the repository to audit")
    if not path.is_dir():
        raise AuditError(f"{path} is not a folder; pass the root folder of the repository to audit")
    repo = _Repo.open(path.resolve())
    checks = []
    for spec in _SPECS:
        passed, evidence = spec.probe(repo)
        checks.append(
            Check(
                id=spec.id,
                title=spec.title,
                category=spec.category,
                passed=passed,
                evidence=evidence,
                fix=spec.fix,
                weight=spec.weight,
            )
        )
    return AuditReport(path=path.resolve(), checks=tuple(checks))


def format_report(report: AuditReport) -> str:
    """The report as a plain-text table: check, result and evidence, then each failure's fix."""
    width = max((len(check.title) for check in report.checks), default=5)
    lines = [f"Audit of {report.path}", "", f"{'Check':<{width}}  Result  Evidence"]
    lines.append(f"{'-' * width}  ------  {'-' * 8}")
    for check in report.checks:
        result = "pass" if check.passed else "FAIL"
        lines.append(f"{check.title:<{width}}  {result:<6}  {check.evidence}")
        if not check.passed:
            lines.append(f"{'':<{width}}          fix: {check.fix}")
    lines += ["", f"Score: {report.score:g}/100 ({report.passed} of {report.total} checks passed)"]
    return "\n".join(lines)


# Reading the repository


@dataclass(frozen=True)
class _Hit:
    """Where a pattern matched: a file, a line number (from 1) and the line's text."""

    path: str
    line: int
    text: str

    def __str__(self) -> str:
        snippet = self.text.strip()
        if len(snippet) > _SNIPPET_CHARS:
            snippet = snippet[: _SNIPPET_CHARS - 3] + "..."
        return f"{self.path}:{self.line}: {snippet}" if snippet else f"{self.path}:{self.line}"

    @property
    def where(self) -> str:
        """``path:line``, without the line's text."""
        return f"{self.path}:{self.line}"


@dataclass
class _Repo:
    """The audited files, as POSIX paths relative to the root, with their text read on demand."""

    root: Path
    files: tuple[str, ...]
    from_git: bool
    _names: frozenset[str] = field(init=False)
    _texts: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._names = frozenset(self.files)

    @classmethod
    def open(cls, root: Path) -> _Repo:
        if (root / ".git").exists():
            tracked = _git_files(root)
            if tracked is not None:
                return cls(root, tracked, from_git=True)
        return cls(root, _walk_files(root), from_git=False)

    def exists(self, path: str) -> bool:
        return path in self._names

    def text(self, path: str) -> str | None:
        """The file's text, or ``None`` when it is binary, over 1 MB, a link or unreadable."""
        if path not in self._texts:
            self._texts[path] = _read_text(self.root / path)
        return self._texts[path]

    def select(self, selector: _Selector) -> list[str]:
        return [path for path in self.files if selector.accepts(path)]

    def hits(self, selector: _Selector, pattern: re.Pattern[str]) -> Iterator[_Hit]:
        for path in self.select(selector):
            text = self.text(path)
            if text is None:
                continue
            for match in pattern.finditer(text):
                yield _hit(path, text, match.start())

    def first(self, selector: _Selector, pattern: re.Pattern[str]) -> _Hit | None:
        return next(self.hits(selector, pattern), None)


def _hit(path: str, text: str, offset: int) -> _Hit:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return _Hit(path, text.count("\n", 0, offset) + 1, text[start : end if end >= 0 else None])


def _git_files(root: Path) -> tuple[str, ...] | None:
    try:
        listed = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    names = {name for name in listed.decode("utf-8", "surrogateescape").split("\0") if name}
    # A file deleted from the working tree but not from the index is not audited.
    return tuple(sorted(name for name in names if (root / name).is_file()))


def _walk_files(root: Path) -> tuple[str, ...]:
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        base = Path(folder).relative_to(root)
        found += [(base / name).as_posix() for name in names]
    return tuple(sorted(found))


def _read_text(path: Path) -> str | None:
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


# File selectors and probes


@dataclass(frozen=True)
class _Selector:
    """A set of files, by glob patterns on their relative path, described for evidence."""

    description: str
    patterns: tuple[str, ...]
    where: Callable[[str], bool] | None = None

    def accepts(self, path: str) -> bool:
        name_ok = any(fnmatch.fnmatchcase(path, pattern) for pattern in self.patterns)
        return name_ok and (self.where is None or self.where(path))


def _is_test_file(path: str) -> bool:
    parts = PurePosixPath(path).parts
    name = parts[-1]
    return (
        "tests" in parts[:-1]
        or "test" in parts[:-1]
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


_WORKFLOWS = _Selector(
    "GitHub Actions workflows", (".github/workflows/*.yml", ".github/workflows/*.yaml")
)
_SOURCE = _Selector("Python source outside tests", ("*.py",), lambda p: not _is_test_file(p))
_TESTS = _Selector(
    "tests/test_*.py",
    ("tests/*.py", "test/*.py"),
    lambda p: PurePosixPath(p).name.startswith("test_") or p.endswith("_test.py"),
)
_TOOL_CONFIGS = _Selector(
    "pyproject.toml, setup.cfg, tox.ini",
    ("pyproject.toml", "setup.cfg", "tox.ini"),
)
_README = _Selector("README.md", ("README.md", "readme.md", "Readme.md", "README.markdown"))
_MAKEFILE = _Selector("Makefile", ("Makefile", "makefile", "GNUmakefile"))
_CONFIG_FILES = _Selector(
    "configuration files (YAML, TOML, JSON)",
    ("*.yaml", "*.yml", "*.toml", "*.json", "*.cfg", "*.ini"),
    lambda p: not p.startswith(".github/") and not _is_test_file(p),
)

_Result = tuple[bool, str]
_Probe = Callable[[_Repo], _Result]


def _union(description: str, *selectors: _Selector) -> _Selector:
    patterns = tuple(pattern for s in selectors for pattern in s.patterns)
    return _Selector(description, patterns, lambda path: any(s.accepts(path) for s in selectors))


def _files(*names: str) -> _Selector:
    return _Selector(", ".join(names), names)


def _find(what: str, selector: _Selector, pattern: str, flags: int = re.MULTILINE) -> _Probe:
    """Passes when ``pattern`` matches in one of the selected files; evidence is the first match."""
    regex = re.compile(pattern, flags)

    def probe(repo: _Repo) -> _Result:
        hit = repo.first(selector, regex)
        if hit is not None:
            return True, str(hit)
        return False, f"no {what} found in {selector.description}"

    return probe


def _exists(what: str, *paths: str, under: str | None = None) -> _Probe:
    """Passes when one of ``paths`` (or a file matching the glob ``under``) exists, not empty."""

    def probe(repo: _Repo) -> _Result:
        for path in paths:
            if repo.exists(path) and (repo.text(path) or "").strip():
                return True, f"{path}:1"
        if under is not None:
            for path in repo.files:
                if fnmatch.fnmatchcase(path, under):
                    return True, f"{path}:1"
        looked = ", ".join([*paths, *([under] if under else [])])
        return False, f"no {what} found (looked for {looked})"

    return probe


def _all(*probes: _Probe) -> _Probe:
    """Passes when every probe passes; evidence joins theirs, failures first."""

    def probe(repo: _Repo) -> _Result:
        results = [p(repo) for p in probes]
        failures = [evidence for passed, evidence in results if not passed]
        if failures:
            return False, "; ".join(failures)
        return True, "; ".join(evidence for _, evidence in results)

    return probe


def _any(*probes: _Probe) -> _Probe:
    """Passes when one probe passes (its evidence); otherwise reports every miss."""

    def probe(repo: _Repo) -> _Result:
        misses = []
        for p in probes:
            passed, evidence = p(repo)
            if passed:
                return True, evidence
            misses.append(evidence)
        return False, "; ".join(misses)

    return probe


# Probes that need more than a pattern


# An array's body may hold brackets inside strings ("uvicorn[standard]>=0.29") and comments.
_DEP_ARRAY = re.compile(
    r"""^[ \t]*([A-Za-z0-9_.-]+)[ \t]*=[ \t]*\[((?:"[^"\n]*"|'[^'\n]*'|\#[^\n]*|[^\]"'\#])*)\]""",
    re.MULTILINE,
)
_QUOTED = re.compile(r""""([^"\n]+)"|'([^'\n]+)'|\#[^\n]*""")
_PINNED_REQUIREMENT = re.compile(r"^[ \t]*[A-Za-z0-9][\w.\[\],-]*[ \t]*===?[ \t]*[\w.*+!-]+")
_VERSION_BOUND = re.compile(r"(==|>=|<=|~=|!=|===|<|>|@)")
_LOCK_FILES = (
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "Pipfile.lock",
    "conda-lock.yml",
    "requirements.lock",
    "requirements-lock.txt",
)


def _dependencies_pinned(repo: _Repo) -> _Result:
    for lock in _LOCK_FILES:
        if repo.exists(lock):
            return True, f"{lock}:1: lock file"
    for path in repo.select(_Selector("requirements files", ("requirements*.txt",))):
        lines = [
            line.split("#")[0].strip()
            for line in (repo.text(path) or "").splitlines()
            if line.split("#")[0].strip() and not line.lstrip().startswith("-")
        ]
        if lines and all(_PINNED_REQUIREMENT.match(line) for line in lines):
            return True, f"{path}:1: every requirement pinned with =="
    text = repo.text("pyproject.toml") if repo.exists("pyproject.toml") else None
    if text is None:
        return False, f"no lock file ({', '.join(_LOCK_FILES)}) and no pyproject.toml"
    own_name = re.search(r'^name\s*=\s*["\']([^"\']+)', text, re.MULTILINE)
    own = _normalise(own_name.group(1)) if own_name else ""
    sections = _toml_sections(text)
    first: _Hit | None = None
    count = 0
    for array in _DEP_ARRAY.finditer(text):
        section = sections(array.start())
        key = array.group(1)
        if not (
            (section == "project" and key == "dependencies")
            or section == "project.optional-dependencies"
            or section == "dependency-groups"
        ):
            continue
        for item in _QUOTED.finditer(array.group(2)):
            quoted = item.group(1) or item.group(2)
            if quoted is None:
                continue  # a comment
            requirement = quoted.split(";")[0].strip()
            name = re.split(r"[\[<>=!~@ ]", requirement, maxsplit=1)[0]
            if not name or _normalise(name) == own:
                continue
            count += 1
            offset = array.start(2) + item.start()
            if first is None:
                first = _hit("pyproject.toml", text, array.start())
            if not _VERSION_BOUND.search(requirement):
                where = _hit("pyproject.toml", text, offset).where
                return False, f"{where}: dependency '{requirement}' has no version bound"
    if first is None:
        return False, "pyproject.toml declares no dependencies and there is no lock file"
    return True, f"{first.where}: all {count} dependencies have a version bound"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _toml_sections(text: str) -> Callable[[int], str]:
    headers = [(m.start(), m.group(1).strip()) for m in re.finditer(r"^\[([^\]]+)\]", text, re.M)]

    def section_at(offset: int) -> str:
        current = ""
        for start, name in headers:
            if start > offset:
                break
            current = name
        return current

    return section_at


_VERBS = (
    "setup",
    "data",
    "train",
    "evaluate",
    "serve",
    "predict",
    "monitor",
    "report",
    "test",
    "lint",
    "typecheck",
    "loadtest",
    "all",
    "clean",
    "help",
)
_TARGET = re.compile(r"^([A-Za-z0-9_.-]+(?:[ \t]+[A-Za-z0-9_.-]+)*)[ \t]*::?(?!=)", re.MULTILINE)


def _makefile_verbs(repo: _Repo) -> _Result:
    path = next(iter(repo.select(_MAKEFILE)), None)
    text = repo.text(path) if path else None
    if path is None or text is None:
        return False, "no Makefile found"
    defined: dict[str, _Hit] = {}
    for match in _TARGET.finditer(text):
        for target in match.group(1).split():
            defined.setdefault(target, _hit(path, text, match.start()))
    missing = [verb for verb in _VERBS if verb not in defined]
    if missing:
        return False, f"{path} lacks the targets: {', '.join(missing)}"
    return True, f"{defined[_VERBS[0]].where}: all {len(_VERBS)} verbs defined"


def _artifact_manifest(repo: _Repo) -> _Result:
    save_load = re.compile(
        r"\b(?:joblib|pickle|cloudpickle|dill|torch|skops\.io)\.(?:dump|load|save)s?\("
        r"|\b(?:save_model|load_model|save_pretrained|from_pretrained)\("
    )
    # A hash computed or compared in code is better evidence than one named in a docstring.
    in_code = re.compile(r"sha256\w*\(|[\"']sha256[\"']\s*[\]:]")
    for path in repo.select(_SOURCE):
        text = repo.text(path)
        if text is None or not save_load.search(text):
            continue
        found = in_code.search(text) or re.search(r"sha256", text)
        if found:
            return True, f"{_hit(path, text, found.start())} (next to model save/load code)"
    return False, "no source file that saves or loads a model also computes a sha256"


_APP = re.compile(r"\b(?:FastAPI|Flask|APIRouter|Blueprint|Starlette)\(")
_ROUTES = ("/health", "/ready", "/metrics")


def _serving_routes(repo: _Repo) -> _Result:
    app = repo.first(_SOURCE, _APP)
    if app is None:
        return False, "no FastAPI or Flask app found in Python source outside tests"
    found: list[str] = []
    missing: list[str] = []
    for route in _ROUTES:
        hit = repo.first(_SOURCE, re.compile(r"""["']""" + re.escape(route) + r"""["']"""))
        if hit is None:
            missing.append(route)
        else:
            found.append(f"{hit.where} {route}")
    if missing:
        return False, f"app at {app.where}, but no route string for {', '.join(missing)}"
    return True, f"app at {app.where}; " + ", ".join(found)


def _drift_alert_tested(repo: _Repo) -> _Result:
    drift = re.compile(r"drift", re.IGNORECASE)
    alert = re.compile(r"alert", re.IGNORECASE)
    for path in repo.select(_TESTS):
        text = repo.text(path)
        if text and drift.search(text):
            found = alert.search(text)
            if found:
                return True, f"{_hit(path, text, found.start()).where} tests the drift alert"
    return False, "no test file mentions both drift and an alert"


def _dockerfile(repo: _Repo) -> _Result:
    path = next((p for p in ("Dockerfile", "docker/Dockerfile") if repo.exists(p)), None)
    text = repo.text(path) if path else None
    if path is None or text is None:
        return False, "no Dockerfile found"
    stages = list(re.finditer(r"^\s*FROM\s", text, re.MULTILINE | re.IGNORECASE))
    users = list(re.finditer(r"^\s*USER\s+(\S+)", text, re.MULTILINE | re.IGNORECASE))
    health = re.search(r"^\s*HEALTHCHECK\s+(?!NONE\b)", text, re.MULTILINE | re.IGNORECASE)
    problems = []
    if len(stages) < 2:
        problems.append("single stage (one FROM)")
    if not users or users[-1].group(1).split(":")[0] in {"root", "0"}:
        problems.append("no non-root USER")
    if health is None:
        problems.append("no HEALTHCHECK")
    if problems:
        return False, f"{path}: {', '.join(problems)}"
    assert health is not None
    return True, (
        f"{_hit(path, text, users[-1].start())}; {_hit(path, text, health.start()).where} "
        f"HEALTHCHECK; {len(stages)} stages"
    )


_SHA_PINNED = re.compile(r"@[0-9a-f]{40}\b")


def _ci_least_privilege(repo: _Repo) -> _Result:
    workflows = repo.select(_WORKFLOWS)
    if not workflows:
        return False, "no workflow found under .github/workflows/"
    evidence = []
    for path in workflows:
        text = repo.text(path) or ""
        write_all = re.search(r"\bwrite-all\b", text)
        if write_all:
            return False, f"{_hit(path, text, write_all.start())} grants every permission"
        permissions = re.search(r"^\s*permissions\s*:", text, re.MULTILINE)
        if permissions is None:
            return False, f"{path}: no 'permissions:' block (the token gets the default scopes)"
        evidence.append(_hit(path, text, permissions.start()).where)
        for uses in re.finditer(r"^\s*-?\s*uses\s*:\s*['\"]?([^\s'\"#]+)", text, re.MULTILINE):
            action = uses.group(1)
            if action.startswith(("./", "docker://")):
                continue
            if not _SHA_PINNED.search(action):
                where = _hit(path, text, uses.start()).where
                return False, f"{where}: {action} is not pinned to a commit SHA"
    return True, "permissions set at " + ", ".join(evidence) + "; every action pinned to a SHA"


def _ci_timeouts(repo: _Repo) -> _Result:
    workflows = repo.select(_WORKFLOWS)
    if not workflows:
        return False, "no workflow found under .github/workflows/"
    first: _Hit | None = None
    for path in workflows:
        text = repo.text(path) or ""
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError:
            return False, f"{path} is not valid YAML"
        jobs = loaded.get("jobs") if isinstance(loaded, dict) else None
        if not isinstance(jobs, dict) or not jobs:
            return False, f"{path} has no jobs"
        for name, job in jobs.items():
            if isinstance(job, dict) and "uses" in job:
                continue  # a reusable workflow sets its own timeouts
            if not isinstance(job, dict) or "timeout-minutes" not in job:
                return False, f"{path}: job '{name}' has no timeout-minutes"
        found = re.search(r"timeout-minutes", text)
        if first is None and found:
            first = _hit(path, text, found.start())
    where = first.where if first else workflows[0]
    return True, f"{where}: every job has timeout-minutes"


_ENV_EXAMPLES = frozenset({".env.example", ".env.sample", ".env.template", ".env.dist"})
_SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("AWS access key ID", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("API secret key (sk-...)", re.compile(r"\bsk-(?:proj-|live-|ant-)?[A-Za-z0-9_-]{20,}")),
)
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
    return (name == ".env" or name.startswith(".env.")) and name not in _ENV_EXAMPLES


def _no_secrets(repo: _Repo) -> _Result:
    findings: list[str] = []
    scanned = 0
    for path in repo.files:
        if _env_file(path) and (repo.from_git or not _env_ignored(repo)):
            findings.append(f"{path}:1: committed environment file")
            continue
        text = repo.text(path)
        if text is None:
            continue
        scanned += 1
        for label, pattern in _SECRET_PATTERNS:
            for match in pattern.finditer(text):
                findings.append(f"{_hit(path, text, match.start()).where}: {label}")
        if not _is_test_file(path):
            generic = [_GENERIC_SECRET]
            if any(fnmatch.fnmatchcase(PurePosixPath(path).name, g) for g in _PLAIN_CONFIG):
                generic.append(_UNQUOTED_SECRET)
            for pattern in generic:
                for match in pattern.finditer(text):
                    if not _PLACEHOLDER.match(match.group(1)):
                        where = _hit(path, text, match.start()).where
                        findings.append(f"{where}: hard-coded credential")
    if findings:
        more = f" (and {len(findings) - 3} more)" if len(findings) > 3 else ""
        return False, "; ".join(findings[:3]) + more
    if not scanned:
        return False, "no readable files to scan"
    return True, f"scanned {scanned} files: no private key, access key, token or .env committed"


def _env_ignored(repo: _Repo) -> _Hit | None:
    if not repo.exists(".gitignore"):
        return None
    text = repo.text(".gitignore") or ""
    for match in re.finditer(r"^[ \t]*([^#!\s][^\r\n]*?)[ \t]*$", text, re.MULTILINE):
        pattern = match.group(1).strip("/")
        if pattern.startswith("**/"):
            pattern = pattern[3:]
        if fnmatch.fnmatchcase(".env", pattern):
            return _hit(".gitignore", text, match.start())
    return None


def _env_handled(repo: _Repo) -> _Result:
    ignored = _env_ignored(repo)
    example = next((name for name in sorted(_ENV_EXAMPLES) if repo.exists(name)), None)
    if ignored is None:
        return False, "no .gitignore line ignores .env"
    if example is None:
        return False, f"{ignored.where} ignores .env, but no .env.example documents the variables"
    return True, f"{ignored.where} ignores .env; {example}:1"


_TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*\n[ \t]*\|?[ \t]*:?-{3,}", re.MULTILINE)
_RESULT_WORDS = re.compile(
    r"(?i)\b(?:results?|metrics?|evaluation|benchmarks?|performance|scores?|accuracy)\b"
)


def _readme_results(repo: _Repo) -> _Result:
    path = next(iter(repo.select(_README)), None)
    text = repo.text(path) if path else None
    if path is None or text is None:
        return False, "no README.md found"
    for table in _TABLE_ROW.finditer(text):
        headings = re.findall(r"^#{1,6}[ \t]+(.*)$", text[: table.start()], re.MULTILINE)
        title = headings[-1] if headings else ""
        header = text[table.start() : text.find("\n", table.start())]
        if _RESULT_WORDS.search(title) or _RESULT_WORDS.search(header):
            return True, str(_hit(path, text, table.start()))
    return False, f"{path} has no Markdown table under a results or metrics heading"


# The checklist


@dataclass(frozen=True)
class _Spec:
    id: str
    title: str
    category: Category
    weight: int
    fix: str
    probe: _Probe


_SPECS: tuple[_Spec, ...] = (
    _Spec(
        "tests-present",
        "Tests present",
        "testing",
        3,
        "Add tests/test_<module>.py files with `def test_...` functions that assert on outputs.",
        _find(
            "test function or assert",
            _TESTS,
            r"^[ \t]*(?:async[ \t]+)?def[ \t]+test_\w*|^[ \t]*assert\b",
        ),
    ),
    _Spec(
        "tests-in-ci",
        "Tests run in CI",
        "ci",
        3,
        "Add a step `run: make test` (or `pytest`) to a workflow in .github/workflows/ that runs "
        "on push and pull_request.",
        _find(
            "pytest or `make test` step",
            _WORKFLOWS,
            r"\bpytest\b|\bmake\b[^\n#]*\btest\b|\btox\b|\bnox\b",
        ),
    ),
    _Spec(
        "coverage-floor",
        "Coverage floor",
        "testing",
        2,
        "Make pytest fail below a coverage floor: `--cov-fail-under=80` in "
        "[tool.pytest.ini_options] addopts, or `fail_under = 80` in [tool.coverage.report].",
        _find(
            "--cov-fail-under or fail_under",
            _union(
                "pyproject.toml, setup.cfg, tox.ini, .coveragerc, pytest.ini, Makefile, workflows",
                _TOOL_CONFIGS,
                _files(".coveragerc", "pytest.ini"),
                _MAKEFILE,
                _WORKFLOWS,
            ),
            r"--cov-fail-under|\bfail_under\s*=",
        ),
    ),
    _Spec(
        "lint",
        "Lint configured and run in CI",
        "quality",
        2,
        "Add [tool.ruff] (with [tool.ruff.lint] rules) to pyproject.toml and a `make lint` "
        "(`ruff check .` and `ruff format --check .`) step to CI.",
        _all(
            _any(
                _find(
                    "[tool.ruff] or [tool.flake8] section",
                    _TOOL_CONFIGS,
                    r"^\[(?:tool\.(?:ruff|flake8|pylint)[^\]]*|flake8|pylint)\]",
                ),
                _exists("linter config file", "ruff.toml", ".ruff.toml", ".flake8", ".pylintrc"),
            ),
            _find(
                "ruff, flake8 or `make lint` step",
                _WORKFLOWS,
                r"\bruff\b|\bflake8\b|\bpylint\b|\bmake\b[^\n#]*\blint\b|\bpre-commit run\b",
            ),
        ),
    ),
    _Spec(
        "typecheck",
        "Type checking configured and run in CI",
        "quality",
        2,
        "Add [tool.mypy] with `strict = true` to pyproject.toml and a `make typecheck` (mypy) "
        "step to CI.",
        _all(
            _any(
                _find(
                    "[tool.mypy] or [tool.pyright] section",
                    _TOOL_CONFIGS,
                    r"^\[(?:tool\.(?:mypy|pyright)[^\]]*|mypy[^\]]*)\]",
                ),
                _exists("type checker config file", "mypy.ini", ".mypy.ini", "pyrightconfig.json"),
            ),
            _find(
                "mypy, pyright or `make typecheck` step",
                _WORKFLOWS,
                r"\bmypy\b|\bpyright\b|\bmake\b[^\n#]*\btypecheck\b",
            ),
        ),
    ),
    _Spec(
        "dependencies-pinned",
        "Dependencies bounded or locked",
        "quality",
        2,
        "Commit a lock file (`uv lock` writes uv.lock), or give every dependency in "
        "pyproject.toml a version bound such as `pandas>=2.1,<3`.",
        _dependencies_pinned,
    ),
    _Spec(
        "pre-commit",
        "Pre-commit hooks",
        "quality",
        1,
        "Add .pre-commit-config.yaml with ruff, ruff-format and a secret scanner "
        "(detect-secrets or detect-private-key).",
        _find(
            "`repos:` list",
            _files(".pre-commit-config.yaml", ".pre-commit-config.yml"),
            r"^repos\s*:",
        ),
    ),
    _Spec(
        "make-verbs",
        "Makefile with the uniform verbs",
        "quality",
        2,
        f"Add a Makefile with the targets {' '.join(_VERBS)}, each a thin call into the package.",
        _makefile_verbs,
    ),
    _Spec(
        "data-validation",
        "Data validated against a schema",
        "data",
        2,
        "Declare the data schema once with pydantic (or pandera) in src/ and validate every "
        "file, batch and request against it.",
        _find(
            "pydantic, pandera or great_expectations import",
            _SOURCE,
            r"^[ \t]*(?:from|import)[ \t]+(?:pydantic|pandera|great_expectations)\b",
        ),
    ),
    _Spec(
        "seeded",
        "Randomness seeded",
        "training",
        2,
        "Put `seed: 42` in configs/config.yaml and pass it on (`random_state=`, "
        "`np.random.default_rng(seed)`).",
        _any(
            _find(
                "`seed:` setting", _CONFIG_FILES, r"""^[ \t]*["']?\w*seed["']?[ \t]*[:=][ \t]*\d+"""
            ),
            _find(
                "random_state=, default_rng( or a seed call",
                _SOURCE,
                r"\brandom_state\s*=|\bdefault_rng\(|\b(?:manual_seed|set_seed)\(|\brandom\.seed\(",
            ),
        ),
    ),
    _Spec(
        "run-log",
        "Runs recorded",
        "training",
        2,
        "Append every run's params, metrics, data hash, code version and duration to "
        "artifacts/runs.jsonl (or log it to MLflow).",
        _any(
            _find("runs.jsonl run log", _SOURCE, r"runs\.jsonl"),
            _find(
                "experiment tracker (mlflow, wandb)",
                _SOURCE,
                r"\bmlflow\.(?:log_\w+|start_run)\(|\bwandb\.init\(",
            ),
        ),
    ),
    _Spec(
        "artifact-manifest",
        "Model artifacts hashed and verified",
        "artifacts",
        2,
        "Save each model with a manifest holding its sha256, and have loading recompute and "
        "compare the hash before unpickling.",
        _artifact_manifest,
    ),
    _Spec(
        "serving-routes",
        "Serving health, readiness and metrics",
        "serving",
        2,
        "Serve the model with FastAPI and add GET /health (liveness), /ready (model loaded) and "
        "/metrics (Prometheus).",
        _serving_routes,
    ),
    _Spec(
        "load-test",
        "Load test",
        "serving",
        1,
        "Add a `loadtest` Makefile target (or a locust/k6 script) that reports p50/p95/p99 and "
        "throughput against 127.0.0.1.",
        _any(
            _find("loadtest target", _MAKEFILE, r"^load-?test[ \t]*:"),
            _exists("load test script", "locustfile.py"),
            _find(
                "locust, k6 or wrk use",
                _Selector("scripts", ("*.py", "*.js", "*.sh")),
                r"^[ \t]*(?:from[ \t]+locust[ \t]+import|import[ \t]+locust\b)"
                r"|['\"]k6/http['\"]|\bk6 run\b|\bwrk[ \t]+-",
            ),
        ),
    ),
    _Spec(
        "drift-monitoring",
        "Drift monitored, alert tested",
        "monitoring",
        2,
        "Compute per-feature drift (PSI or KS) against the training reference, alert past a "
        "threshold, and add a test that injects drift and asserts the alert fires.",
        _all(
            _any(
                _find(
                    "drift statistic (PSI, KS, chi2)",
                    _SOURCE,
                    r"\b(?:psi|population_stability\w*|ks_2samp|kolmogorov\w*|chi2_contingency)\b",
                    re.MULTILINE | re.IGNORECASE,
                ),
                _find("drift detection", _SOURCE, r"def \w*drift\w*\("),
            ),
            _drift_alert_tested,
        ),
    ),
    _Spec(
        "cards",
        "Model and data cards, generated",
        "docs",
        2,
        "Render docs/model_card.md and docs/data_card.md from the latest evaluation with a "
        "report step (`make report`), and commit them.",
        _all(
            _exists("model card", "docs/model_card.md", "MODEL_CARD.md"),
            _exists("data card", "docs/data_card.md", "DATA_CARD.md"),
            _any(
                _find(
                    "'Generated by' note",
                    _files("docs/model_card.md", "docs/data_card.md"),
                    r"(?i)generated by",
                ),
                _find(
                    "code that writes model_card.md",
                    _union("source, Makefile", _SOURCE, _MAKEFILE),
                    r"model_card\.md",
                ),
            ),
        ),
    ),
    _Spec(
        "readme-results",
        "README results table",
        "docs",
        2,
        "Add a '## Results' section to README.md with a Markdown table of the ML metric, the "
        "business metric, the baseline, latency and cost, filled from the latest evaluation.",
        _readme_results,
    ),
    _Spec(
        "readme-architecture",
        "README architecture diagram",
        "docs",
        1,
        "Add an '## Architecture' section to README.md with a ```mermaid flowchart of data, "
        "training, serving and monitoring.",
        _find("```mermaid diagram", _README, r"^[ \t]*(?:```|~~~)[ \t]*mermaid\b"),
    ),
    _Spec(
        "runbook",
        "Runbook",
        "docs",
        1,
        "Write docs/runbook.md: what to do when each alert fires, and how to roll back.",
        _exists("runbook", "docs/runbook.md", "RUNBOOK.md", "docs/RUNBOOK.md"),
    ),
    _Spec(
        "adr",
        "Architecture decision records",
        "docs",
        1,
        "Record decisions in docs/adr/0001-<title>.md (context, decision, consequences).",
        _exists("decision record", under="docs/adr/*.md"),
    ),
    _Spec(
        "dockerfile",
        "Dockerfile: multi-stage, non-root, healthcheck",
        "docker",
        2,
        "Write a multi-stage Dockerfile whose runtime stage ends with `USER <non-root user>` "
        "and declares a HEALTHCHECK that calls /health.",
        _dockerfile,
    ),
    _Spec(
        "dockerignore",
        ".dockerignore",
        "docker",
        1,
        "Add .dockerignore listing .git, .venv, .env, data/ and reports/.",
        _exists(".dockerignore", ".dockerignore"),
    ),
    _Spec(
        "ci-least-privilege",
        "CI least privilege, pinned actions",
        "ci",
        2,
        "Set `permissions: contents: read` in every workflow (never write-all) and pin each "
        "`uses:` action to a full commit SHA (`actions/checkout@<40 hex> # v4`).",
        _ci_least_privilege,
    ),
    _Spec(
        "ci-timeouts",
        "CI timeouts",
        "ci",
        1,
        "Give every workflow job a `timeout-minutes:` (for example 20).",
        _ci_timeouts,
    ),
    _Spec(
        "no-secrets",
        "No committed secrets",
        "security",
        3,
        "Remove the secret from the files and from git history, rotate it, and read it from the "
        "environment (.env, git-ignored) instead.",
        _no_secrets,
    ),
    _Spec(
        "env-ignored",
        ".env ignored, .env.example present",
        "security",
        2,
        "Add `.env` to .gitignore and commit a .env.example listing every variable with a "
        "placeholder value.",
        _env_handled,
    ),
)
