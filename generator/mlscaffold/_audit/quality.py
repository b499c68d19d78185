"""Code quality checks: lint, type checking, bounded dependencies, pre-commit and a Makefile."""

from __future__ import annotations

import re
from collections.abc import Callable

from mlscaffold._audit.probes import Result, all_of, any_of, exists, find
from mlscaffold._audit.repository import Hit, Repo, hit_at
from mlscaffold._audit.selectors import MAKEFILE, TOOL_CONFIGS, WORKFLOWS, Selector, files
from mlscaffold._audit.spec import CheckSpec

LINT = CheckSpec(
    id="lint",
    title="Lint configured and run in CI",
    category="quality",
    weight=2,
    fix="Add [tool.ruff] (with [tool.ruff.lint] rules) to pyproject.toml and a `make lint` "
    "(`ruff check .` and `ruff format --check .`) step to CI.",
    probe=all_of(
        any_of(
            find(
                "[tool.ruff] or [tool.flake8] section",
                TOOL_CONFIGS,
                r"^\[(?:tool\.(?:ruff|flake8|pylint)[^\]]*|flake8|pylint)\]",
            ),
            exists("linter config file", "ruff.toml", ".ruff.toml", ".flake8", ".pylintrc"),
        ),
        find(
            "ruff, flake8 or `make lint` step",
            WORKFLOWS,
            r"\bruff\b|\bflake8\b|\bpylint\b|\bmake\b[^\n#]*\blint\b|\bpre-commit run\b",
        ),
    ),
)
"""A linter is configured and CI runs it."""

TYPECHECK = CheckSpec(
    id="typecheck",
    title="Type checking configured and run in CI",
    category="quality",
    weight=2,
    fix="Add [tool.mypy] with `strict = true` to pyproject.toml and a `make typecheck` (mypy) "
    "step to CI.",
    probe=all_of(
        any_of(
            find(
                "[tool.mypy] or [tool.pyright] section",
                TOOL_CONFIGS,
                r"^\[(?:tool\.(?:mypy|pyright)[^\]]*|mypy[^\]]*)\]",
            ),
            exists("type checker config file", "mypy.ini", ".mypy.ini", "pyrightconfig.json"),
        ),
        find(
            "mypy, pyright or `make typecheck` step",
            WORKFLOWS,
            r"\bmypy\b|\bpyright\b|\bmake\b[^\n#]*\btypecheck\b",
        ),
    ),
)
"""A type checker is configured and CI runs it."""


# An array's body may hold brackets inside strings ("uvicorn[standard]>=0.29") and comments.
_DEP_ARRAY = re.compile(
    r"""^[ \t]*([A-Za-z0-9_.-]+)[ \t]*=[ \t]*\[((?:"[^"\n]*"|'[^'\n]*'|\#[^\n]*|[^\]"'\#])*)\]""",
    re.MULTILINE,
)
_QUOTED = re.compile(r""""([^"\n]+)"|'([^'\n]+)'|\#[^\n]*""")
_PINNED_REQUIREMENT = re.compile(r"^[ \t]*[A-Za-z0-9][\w.\[\],-]*[ \t]*===?[ \t]*[\w.*+!-]+")
_VERSION_BOUND = re.compile(r"(==|>=|<=|~=|!=|===|<|>|@)")
LOCK_FILES = (
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "Pipfile.lock",
    "conda-lock.yml",
    "requirements.lock",
    "requirements-lock.txt",
)
"""Lock files that pin every dependency; any one of them passes the check."""


def dependencies_pinned(repo: Repo) -> Result:
    """A lock file, fully pinned requirements, or a version bound on every declared dependency.

    Args:
        repo: The audited repository.

    Returns:
        Pass with the lock file, requirements file or first dependency array; or the first
        unbounded dependency.
    """
    for lock in LOCK_FILES:
        if repo.exists(lock):
            return True, f"{lock}:1: lock file"
    for path in repo.select(Selector("requirements files", ("requirements*.txt",))):
        lines = [
            line.split("#")[0].strip()
            for line in (repo.text(path) or "").splitlines()
            if line.split("#")[0].strip() and not line.lstrip().startswith("-")
        ]
        if lines and all(_PINNED_REQUIREMENT.match(line) for line in lines):
            return True, f"{path}:1: every requirement pinned with =="
    text = repo.text("pyproject.toml") if repo.exists("pyproject.toml") else None
    if text is None:
        return False, f"no lock file ({', '.join(LOCK_FILES)}) and no pyproject.toml"
    own_name = re.search(r'^name\s*=\s*["\']([^"\']+)', text, re.MULTILINE)
    own = _normalise(own_name.group(1)) if own_name else ""
    sections = _toml_sections(text)
    first: Hit | None = None
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
                first = hit_at("pyproject.toml", text, array.start())
            if not _VERSION_BOUND.search(requirement):
                where = hit_at("pyproject.toml", text, offset).where
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


DEPENDENCIES_PINNED = CheckSpec(
    id="dependencies-pinned",
    title="Dependencies bounded or locked",
    category="quality",
    weight=2,
    fix="Commit a lock file (`uv lock` writes uv.lock), or give every dependency in "
    "pyproject.toml a version bound such as `pandas>=2.1,<3`.",
    probe=dependencies_pinned,
)
"""Installs are reproducible: locked, or bounded dependency by dependency."""

PRE_COMMIT = CheckSpec(
    id="pre-commit",
    title="Pre-commit hooks",
    category="quality",
    weight=1,
    fix="Add .pre-commit-config.yaml with ruff, ruff-format and a secret scanner "
    "(detect-secrets or detect-private-key).",
    probe=find(
        "`repos:` list",
        files(".pre-commit-config.yaml", ".pre-commit-config.yml"),
        r"^repos\s*:",
    ),
)
"""Hooks run before each commit."""


VERBS = (
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
"""The Makefile targets every project offers, in the order the evidence names them."""

_TARGET = re.compile(r"^([A-Za-z0-9_.-]+(?:[ \t]+[A-Za-z0-9_.-]+)*)[ \t]*::?(?!=)", re.MULTILINE)


def makefile_verbs(repo: Repo) -> Result:
    """The Makefile defines every target of :data:`VERBS`.

    Args:
        repo: The audited repository.

    Returns:
        Pass with the first verb's line, or the targets the Makefile lacks.
    """
    path = next(iter(repo.select(MAKEFILE)), None)
    text = repo.text(path) if path else None
    if path is None or text is None:
        return False, "no Makefile found"
    defined: dict[str, Hit] = {}
    for match in _TARGET.finditer(text):
        for target in match.group(1).split():
            defined.setdefault(target, hit_at(path, text, match.start()))
    missing = [verb for verb in VERBS if verb not in defined]
    if missing:
        return False, f"{path} lacks the targets: {', '.join(missing)}"
    return True, f"{defined[VERBS[0]].where}: all {len(VERBS)} verbs defined"


MAKE_VERBS = CheckSpec(
    id="make-verbs",
    title="Makefile with the uniform verbs",
    category="quality",
    weight=2,
    fix=f"Add a Makefile with the targets {' '.join(VERBS)}, each a thin call into the package.",
    probe=makefile_verbs,
)
"""One Makefile drives the whole lifecycle with the same verbs in every project."""
