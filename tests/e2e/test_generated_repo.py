"""Each example, generated into a temporary folder, passes its own setup, checks and tests.

These tests install the generated project's dependencies (``make setup``), so they need a package
index and take minutes; they are marked ``slow``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlscaffold._audit import audit_repository
from mlscaffold._new import create_project
from tests.support import EXAMPLES

pytestmark = pytest.mark.slow

TARGETS = ("setup", "all", "test", "lint", "typecheck")
TIMEOUT_S = 30 * 60


def _environment() -> dict[str, str]:
    """The environment for the project's make targets: uv on PATH, no outer virtualenv."""
    env = {
        key: value
        for key, value in os.environ.items()
        # A user's machine writes bytecode caches; without them every step re-compiles its imports.
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE"}
    }
    # uv comes with the test extra, next to this interpreter; the Makefile uses it when found.
    uv_dirs = [Path(sys.executable).parent]
    found = shutil.which("uv")
    if found:
        uv_dirs.append(Path(found).parent)
    env["PATH"] = os.pathsep.join([*(str(d) for d in uv_dirs), env.get("PATH", "")])
    return env


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_generated_project_passes_its_own_checks(example: Path, tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.fail("make is not installed; the generated projects drive everything with make")
    project = create_project(tmp_path / example.stem, answers_file=example, defaults=True)
    env = _environment()

    for target in TARGETS:
        completed = subprocess.run(
            ["make", target],
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        assert completed.returncode == 0, (
            f"`make {target}` failed with exit code {completed.returncode} in {project}\n"
            f"--- stdout ---\n{completed.stdout}\n--- stderr ---\n{completed.stderr}"
        )

    report = audit_repository(project)
    failed = [f"{c.id}: {c.evidence}" for c in report.checks if not c.passed]
    assert report.score == 100, f"audit after `make all` found gaps: {failed}"
