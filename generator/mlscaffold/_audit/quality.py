"""Code quality checks: lint, type checking, locked dependencies, hooks, one task vocabulary."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath

from mlscaffold._audit.probes import Probe, Result, ci_runs
from mlscaffold._audit.repository import Hit, Repo, hit_at
from mlscaffold._audit.selectors import README, Selector
from mlscaffold._audit.spec import CheckSpec
from mlscaffold._audit.tasks import (
    HOOK_MANAGERS,
    RUNNERS,
    Task,
    ci_steps,
    hook_steps,
    hook_tasks,
    invocations,
    task_index,
)
from mlscaffold._audit.tools import (
    LINT_CONFIG,
    LINT_CONFIG_FILES,
    LINTERS,
    SECRET_SCANNERS,
    TYPE_CHECKERS,
    TYPE_CONFIG,
    TYPE_CONFIG_FILES,
)

TOOL_CONFIGS_ANYWHERE = Selector(
    "pyproject.toml, setup.cfg, tox.ini",
    ("pyproject.toml", "setup.cfg", "tox.ini", "*/pyproject.toml", "*/setup.cfg"),
)
"""The files Python tools read their settings from, at the root or one folder down."""


def _configured(repo: Repo, pattern: re.Pattern[str], names: tuple[str, ...]) -> str | None:
    """Where a tool's configuration is: a section of a tool config file, or its own file."""
    hit = repo.first(TOOL_CONFIGS_ANYWHERE, pattern)
    if hit is not None:
        return hit.where
    found = next((p for p in repo.files if PurePosixPath(p).name in names), None)
    return f"{found}:1" if found else None


def _run_and_configured(
    what: str, run: re.Pattern[str], config: re.Pattern[str], names: tuple[str, ...]
) -> Probe:
    """CI runs the tool (directly or through a task or hook); evidence adds its configuration.

    A tool run with its defaults (ruff, for one, has a default rule set) passes: what is run
    is what counts.
    """
    runs = ci_runs(what, run)

    def probe(repo: Repo) -> Result:
        passed, evidence = runs(repo)
        where = _configured(repo, config, names)
        if passed:
            return True, evidence + (f"; configured at {where}" if where else "; default settings")
        return False, evidence + (f"; configured at {where} but not run" if where else "")

    return probe


LINT = CheckSpec(
    id="lint",
    title="Lint configured and run in CI",
    category="quality",
    weight=2,
    fix="Configure a linter ([tool.ruff] with [tool.ruff.lint] rules in pyproject.toml) and run "
    "it in CI, directly (`ruff check .`) or through a task or hook (`make lint`, `just lint`, "
    "`pre-commit run --all-files`).",
    probe=_run_and_configured(
        "linter (ruff, flake8, pylint)", LINTERS, LINT_CONFIG, LINT_CONFIG_FILES
    ),
)
"""A linter is configured and CI runs it."""

TYPECHECK = CheckSpec(
    id="typecheck",
    title="Type checking configured and run in CI",
    category="quality",
    weight=2,
    fix="Configure a type checker ([tool.mypy] with `strict = true`, [tool.pyright] or "
    "[tool.ty]) and run it in CI, directly or through a task (`make typecheck`, `nox -s typing`).",
    probe=_run_and_configured(
        "type checker (mypy, pyright, basedpyright, ty)",
        TYPE_CHECKERS,
        TYPE_CONFIG,
        TYPE_CONFIG_FILES,
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
    "pylock.toml",
)
"""Lock files that pin every dependency; any one of them passes the check."""


REQUIREMENTS = Selector(
    "requirements files", ("requirements*.txt", "*/requirements*.txt", "requirements/*.txt")
)
"""Pip requirements files."""


def dependencies_pinned(repo: Repo) -> Result:
    """A lock file, fully pinned requirements, or a version bound on every declared dependency.

    Args:
        repo: The audited repository.

    Returns:
        Pass with the lock file, requirements file or first dependency array; or the first
        unbounded dependency.
    """
    for path in repo.files:
        name = PurePosixPath(path).name
        if path.count("/") <= 2 and (
            name in LOCK_FILES or (name.startswith("pylock.") and name.endswith(".toml"))
        ):
            return True, f"{path}:1: lock file"
    for path in repo.select(REQUIREMENTS):
        requirements = repo.text(path) or ""
        hashed = re.search(r"--hash[=\s]+sha256:", requirements)
        if hashed:
            where = hit_at(path, requirements, hashed.start()).where
            return True, f"{where}: requirements pinned by hash"
        lines = [
            line.split("#")[0].strip()
            for line in (repo.text(path) or "").splitlines()
            if line.split("#")[0].strip() and not line.lstrip().startswith("-")
        ]
        if lines and all(_PINNED_REQUIREMENT.match(line) for line in lines):
            return True, f"{path}:1: every requirement pinned with =="
        for number, line in enumerate(requirements.splitlines(), 1):
            requirement = line.split("#")[0].strip()
            unbounded = not _VERSION_BOUND.search(requirement.split(";")[0])
            if requirement and requirement[0] not in "-." and "/" not in requirement and unbounded:
                return False, f"{path}:{number}: requirement '{requirement}' has no version bound"
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


def commit_hooks(repo: Repo) -> Result:
    """A hook manager (pre-commit, lefthook, husky) defines hooks; evidence names a scanner.

    Args:
        repo: The audited repository.

    Returns:
        Pass with the first hook and the secret scanner the hooks run, if any.
    """
    hooks = hook_tasks(repo)
    if not hooks:
        return False, (
            "no commit hooks found (.pre-commit-config.yaml repos, lefthook.yml, .husky/)"
        )
    managers = sorted({task.runner for task in hooks}, key=HOOK_MANAGERS.index)
    scanner = next((s for s in hook_steps(repo) if SECRET_SCANNERS.search(s.text)), None)
    scan = f"; secret scanner: {scanner}" if scanner else "; no secret scanner among the hooks"
    return True, f"{hooks[0].where.where}: {len(hooks)} hooks ({', '.join(managers)}){scan}"


PRE_COMMIT = CheckSpec(
    id="pre-commit",
    title="Commit hooks (pre-commit, lefthook, husky)",
    category="quality",
    weight=1,
    fix="Add commit hooks that lint, format and scan for secrets: .pre-commit-config.yaml with "
    "ruff, ruff-format and detect-secrets (or lefthook.yml running ruff and gitleaks).",
    probe=commit_hooks,
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
"""The verbs every generated project offers (as Makefile targets), in the order named."""

VOCABULARY: dict[str, frozenset[str]] = {
    "setup": frozenset(
        {
            "setup",
            "install",
            "sync",
            "bootstrap",
            "init",
            "deps",
            "requirements",
            "dev",
            "venv",
            "env",
            "environment",
            "create_environment",
            "create-environment",
        }
    ),
    "test": frozenset({"test", "tests", "pytest", "unit", "unit-tests", "test-unit", "check"}),
    "lint": frozenset({"lint", "lints", "linting", "check", "style", "fmt", "format", "ruff"}),
    "ml": frozenset(
        {
            "data",
            "train",
            "training",
            "evaluate",
            "eval",
            "predict",
            "inference",
            "serve",
            "pipeline",
            "features",
            "monitor",
            "deploy",
        }
    ),
}
"""The roles a task vocabulary covers, each with the task names that fill it."""


def _roles(tasks: list[Task]) -> dict[str, Task]:
    found: dict[str, Task] = {}
    for task in tasks:
        base = re.split(r"[:/]", task.name)[-1].lower()
        words = {base, *re.split(r"[-_.]", base)}
        for role, names in VOCABULARY.items():
            if role not in found and words & names:
                found[role] = task
    return found


def _runner_calls(repo: Repo, runner: str, lines: list[Hit]) -> Hit | None:
    for hit in lines:
        if any(r == runner for _, r, _ in invocations(hit.text)):
            return hit
    return None


def task_vocabulary(repo: Repo) -> Result:
    """One runner's tasks name the lifecycle, and people (README) and CI call them.

    The runner may be any of :data:`~mlscaffold._audit.tasks.RUNNERS`; its tasks must cover
    setting up, testing, linting and at least one ML stage (data, train, evaluate, serve...).

    Args:
        repo: The audited repository.

    Returns:
        Pass with the runner's tasks, the CI line and the README line calling them; or what
        is missing.
    """
    index = task_index(repo)
    ci_lines = [step.hit for step in ci_steps(repo) if not step.via]
    hook_lines = [step.hit for step in hook_steps(repo) if not step.via]
    readme_path = next(iter(repo.select(README)), None)
    readme = (repo.text(readme_path) or "") if readme_path else ""
    readme_lines = [
        Hit(readme_path or "README.md", i + 1, line) for i, line in enumerate(readme.splitlines())
    ]
    candidates = []
    for runner in RUNNERS:
        tasks = [t for t in index.of(runner) if t.folder == ""] or index.of(runner)
        if not tasks or runner == "script":
            continue
        roles = _roles(tasks)
        ci = _runner_calls(repo, runner, ci_lines)
        people = _runner_calls(repo, runner, readme_lines)
        candidates.append(
            (len(roles) + (ci is not None) + (people is not None), runner, tasks, roles, ci, people)
        )
    if not candidates:
        return (
            False,
            "no task runner found (Makefile, justfile, mise.toml, noxfile.py, tox, poe...)",
        )
    _, runner, tasks, roles, ci, people = max(candidates, key=lambda c: c[0])
    missing = [role for role in VOCABULARY if role not in roles]
    problems = []
    if missing:
        problems.append(
            f"its tasks lack: {', '.join(missing)} (have {', '.join(t.name for t in tasks[:8])})"
        )
    if ci is None:
        problems.append("CI does not call them")
    if people is None:
        problems.append("the README does not show them")
    if problems or ci is None or people is None:
        return False, f"{tasks[0].where.where}: {runner} tasks, but " + "; ".join(problems)
    hooks = _runner_calls(repo, runner, hook_lines)
    named = ", ".join(f"{role}={task.name}" for role, task in roles.items())
    by_hooks = f"; hooks: {hooks.where}" if hooks else ""
    return True, (
        f"{tasks[0].where.where}: {runner} tasks ({named}); CI: {ci.where}; "
        f"README: {people.where}{by_hooks}"
    )


MAKE_VERBS = CheckSpec(
    id="task-vocabulary",
    title="One task vocabulary for people, hooks and CI",
    category="quality",
    weight=2,
    fix="Give one task runner (make, just, mise, nox, tox, poe...) the tasks setup, test, lint "
    "and the ML stages (data, train, evaluate, serve), call them from CI, and show them in the "
    "README.",
    probe=task_vocabulary,
)
"""One task vocabulary drives the lifecycle, whatever the runner."""
