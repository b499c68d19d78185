"""Every example's generated code passes the project's own checks: ruff and strict mypy.

Each check runs in the rendered project with its own pyproject.toml settings, as its ``make lint``
and ``make typecheck`` do. ruff is the one installed with mlscaffold's dev tools; mypy runs in an
environment holding the project's requirements (``tests/render/project_env.py``), built once per
machine, and keeps its cache there. The checks of every example run at the same time.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest

from tests.render.project_env import (
    BuildError,
    ensure_environment,
    locked,
    project_requirements,
    run_clean,
)
from tests.support import ANSWERS_FILE, EXAMPLES, REPO_ROOT, read_answers

TEMPLATE_DIR = REPO_ROOT / "templates" / "project"
CHECK_TIMEOUT_S = 10 * 60


@dataclass(frozen=True)
class Outcome:
    """What one check printed and how it exited."""

    command: str
    returncode: int
    output: str
    note: str = ""


def _run(command: list[str], cwd: Path) -> tuple[int, str]:
    try:
        completed = run_clean(command, cwd, CHECK_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return -1, f"timed out after {CHECK_TIMEOUT_S} s"
    return completed.returncode, completed.stdout + completed.stderr


def _ruff(project: Path, *args: str) -> Outcome:
    # No cache: the rendered examples are shared and must stay as rendered.
    returncode, output = _run([sys.executable, "-m", "ruff", *args, "--no-cache", "."], project)
    return Outcome(f"ruff {' '.join(args)} .", returncode, output)


def _mypy_in(python: Path, project: Path, cache: Path) -> tuple[int, str]:
    command = [
        str(python),
        "-m",
        "mypy",
        "--config-file",
        "pyproject.toml",
        "--cache-dir",
        str(cache),
    ]
    return _run(command, project)


def _mypy(project: Path, name: str, scratch: Path) -> Outcome:
    try:
        environment = ensure_environment(project_requirements(project))
    except BuildError as error:
        return Outcome("mypy", -1, str(error), " (building the environment for mypy)")
    cache = environment.mypy_cache(name)
    with locked(cache.parent / f"{name}.lock"):
        returncode, output = _mypy_in(environment.python, project, cache)
    if returncode == 0:
        return Outcome("mypy", returncode, output)
    # A failure must not come from the kept cache: the result of an empty one is the one reported.
    returncode, output = _mypy_in(environment.python, project, scratch)
    return Outcome("mypy", returncode, output, " (with an empty mypy cache)")


@pytest.fixture(scope="module")
def outcomes(
    rendered_examples: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[tuple[str, str], Future[Outcome]]]:
    """Every check of every example, started together; keyed by (example, check)."""
    with ThreadPoolExecutor(max_workers=3 * len(rendered_examples)) as pool:
        started = {}
        for name, project in rendered_examples.items():
            scratch = tmp_path_factory.mktemp(f"mypy-cache-{name}")
            started[name, "mypy"] = pool.submit(_mypy, project, name, scratch)
            check = ("check", "--output-format", "concise")
            started[name, "ruff check"] = pool.submit(_ruff, project, *check)
            started[name, "ruff format"] = pool.submit(_ruff, project, "format", "--check")
        yield started


def _template_sources(project: Path) -> dict[str, str]:
    """Each rendered file of ``project`` with the template file it comes from."""
    answers = {**read_answers(project), "_copier_conf": {"answers_file": ANSWERS_FILE}}
    environment = jinja2.Environment(undefined=jinja2.ChainableUndefined)
    sources = {}
    for path in sorted(TEMPLATE_DIR.rglob("*")):
        if not path.is_file():
            continue
        try:
            parts = [
                environment.from_string(part).render(answers)
                for part in path.relative_to(TEMPLATE_DIR).parts
            ]
        except jinja2.TemplateError:
            continue
        if all(parts):
            parts[-1] = parts[-1].removesuffix(".jinja")
            sources["/".join(parts)] = path.relative_to(REPO_ROOT).as_posix()
    return sources


def _assert_passed(outcome: Outcome, example: Path, project: Path, fix: str, rerun: str) -> None:
    if outcome.returncode == 0:
        return
    named = [
        f"  {rendered}  <-  {template}"
        for rendered, template in _template_sources(project).items()
        if re.search(rf"(?<![\w./-]){re.escape(rendered)}(?![\w./-])", outcome.output)
    ]
    files = "template files to fix:\n" + "\n".join(named) + "\n" if named else ""
    pytest.fail(
        f"`{outcome.command}` failed (exit {outcome.returncode}) in the project rendered from "
        f"examples/{example.name}{outcome.note}:\n{outcome.output.rstrip()}\n{files}{fix}\n"
        f"to reproduce: mlscaffold new /tmp/{example.stem} --answers-file examples/{example.name}"
        f" && cd /tmp/{example.stem} && {rerun}",
        pytrace=False,
    )


_examples = pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])


@_examples
def test_ruff_check_passes(
    example: Path,
    outcomes: dict[tuple[str, str], Future[Outcome]],
    rendered_examples: dict[str, Path],
) -> None:
    _assert_passed(
        outcomes[example.stem, "ruff check"].result(),
        example,
        rendered_examples[example.stem],
        "fix the lint errors in the template files (the rendered pyproject.toml's [tool.ruff] "
        "settings apply to every track)",
        "ruff check .",
    )


@_examples
def test_ruff_format_check_passes(
    example: Path,
    outcomes: dict[tuple[str, str], Future[Outcome]],
    rendered_examples: dict[str, Path],
) -> None:
    _assert_passed(
        outcomes[example.stem, "ruff format"].result(),
        example,
        rendered_examples[example.stem],
        "run `ruff format` on the rendered files and carry the change into the template files "
        "(a .jinja file must render to formatted code for every track)",
        "ruff format --check .",
    )


@_examples
def test_mypy_strict_passes(
    example: Path,
    outcomes: dict[tuple[str, str], Future[Outcome]],
    rendered_examples: dict[str, Path],
) -> None:
    _assert_passed(
        outcomes[example.stem, "mypy"].result(),
        example,
        rendered_examples[example.stem],
        "fix the type errors in the template files (mypy --strict with the rendered "
        "pyproject.toml's [tool.mypy] settings); a library without type information belongs in "
        "its [[tool.mypy.overrides]] (the track's `mypy_modules`), a missing one in the project's "
        "dependencies",
        "make setup typecheck",
    )
