"""A fraud-detection project updated to a later template release still passes its own tests.

The template repository is built locally (v0.1.0 is this checkout's template; v0.2.0 changes a
module the project edited too, adds to a doc and moves a doc, declared in
``templates/migrations.yml``). The project's ``make setup test`` installs its dependencies, so this
needs a package index and takes minutes; marked ``slow``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlscaffold.cli import main
from tests.support import (
    append,
    commit_all,
    edit,
    generate_at,
    isolated_git,
    read_answers,
    run_make,
    sh,
    template_repository_at,
)

pytestmark = pytest.mark.slow

PACKAGE = "fraud_shop"
GATE = Path("src") / PACKAGE / "core" / "gate.py"
GATE_ADDITION = '\n\nGATE_VERSION = "0.2.0"\n"""The release of the promotion-gate rules."""\n'
MIGRATIONS = """\
- version: "0.2.0"
  renames:
    - {from: "docs/risk_checklist.md", to: "docs/governance/risk_checklist.md"}
"""


def test_updated_project_passes_its_own_tests(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.fail("make is not installed; the generated projects drive everything with make")
    with isolated_git(tmp_path):
        repo = template_repository_at(tmp_path / "mlscaffold")
        source = repo / "templates" / "project"
        append(source / "src" / "{{ package_name }}" / "core" / "gate.py", GATE_ADDITION)
        append(source / "docs" / "runbook.md.jinja", "\n## Template updates\nmlscaffold update\n")
        (source / "docs" / "governance").mkdir()
        sh("git", "mv", "docs/risk_checklist.md.jinja", "docs/governance/", cwd=source)
        (repo / "templates" / "migrations.yml").write_text(MIGRATIONS, encoding="utf-8")
        commit_all(repo, "Template 0.2.0")
        sh("git", "tag", "v0.2.0", cwd=repo)

        project = generate_at(
            repo,
            tmp_path / PACKAGE,
            "v0.1.0",
            {"track": "fraud-detection", "project_name": PACKAGE},
        )
        first_line = (project / GATE).read_text(encoding="utf-8").splitlines()[0]
        edit(project / GATE, first_line, first_line.replace('"""', '"""Team-reviewed. ', 1))
        checklist = project / "docs" / "risk_checklist.md"
        edit(checklist, "# ", "# (team) ")
        commit_all(project, "Team edits")

        result = CliRunner().invoke(
            main, ["update", str(project), "--to", "0.2.0", "--template-repo", str(repo)]
        )

    assert result.exit_code == 0, result.output
    gate = (project / GATE).read_text(encoding="utf-8")
    assert gate.startswith('"""Team-reviewed. ')
    assert gate.endswith(GATE_ADDITION)
    moved = project / "docs" / "governance" / "risk_checklist.md"
    assert moved.read_text(encoding="utf-8").startswith("# (team) ")
    assert read_answers(project)["_commit"] == "v0.2.0"

    for target in ("setup", "test"):
        run_make(project, target)
