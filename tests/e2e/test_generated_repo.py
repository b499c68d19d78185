"""Each example, generated into a temporary folder, passes its own setup, checks and tests.

These tests install the generated project's dependencies (``make setup``), so they need a package
index and take minutes; they are marked ``slow``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlscaffold._audit import audit_repository
from mlscaffold._new import create_project
from tests.support import EXAMPLES, run_make

pytestmark = pytest.mark.slow

TARGETS = ("setup", "all", "test", "lint", "typecheck")


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_generated_project_passes_its_own_checks(example: Path, tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.fail("make is not installed; the generated projects drive everything with make")
    project = create_project(tmp_path / example.stem, answers_file=example, defaults=True)
    for target in TARGETS:
        run_make(project, target)

    report = audit_repository(project)
    failed = [f"{c.id}: {c.evidence}" for c in report.checks if not c.passed]
    assert report.score == 100, f"audit after `make all` found gaps: {failed}"
