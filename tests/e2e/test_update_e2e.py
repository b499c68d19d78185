"""Projects made by release 0.1.0 come along: updated to the newest release, they pass their checks.

For every example, a project is rendered from release 0.1.0 (its commit in this repository's
history, as the registry names it) and recorded the way mlscaffold 0.1.0 wrote it: a repository
URL that does not exist and ``_commit: v0.1.0``. The team edits it and commits. ``mlscaffold
update`` with no flag, reading the releases this clone carries, brings it to the newest release;
the edits must be kept, the answers file must name the release, and the project's own
``make setup test lint typecheck`` must pass. ``make setup`` installs the project's dependencies,
so this needs a package index and takes minutes; marked ``slow``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mlscaffold._releases.registry import parse_registry
from mlscaffold.cli import EXIT_CONFLICTS, main
from tests.support import (
    ANSWERS_FILE,
    EXAMPLES,
    REPO_ROOT,
    append,
    commit_all,
    edit,
    generate_at,
    isolated_git,
    read_answers,
    run_make,
)

pytestmark = pytest.mark.slow

RELEASES = parse_registry(
    (REPO_ROOT / "templates" / "releases.yml").read_text(encoding="utf-8"), "releases.yml"
)
FIRST, NEWEST = RELEASES[0], RELEASES[-1]
LEGACY_URL = "https://github.com/mlscaffold/mlscaffold.git"
CONFIG_EDIT = "# reviewed by the team\n"
GATE_PREFIX = '"""Team-reviewed. '


@pytest.mark.skipif(len(RELEASES) < 2, reason="the registry lists no release after the first")
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_project_of_the_first_release_updates_to_the_newest_and_passes_its_checks(
    example: Path, tmp_path: Path
) -> None:
    if shutil.which("make") is None:
        pytest.fail("make is not installed; the generated projects drive everything with make")
    answers = yaml.safe_load(example.read_text(encoding="utf-8"))
    package = answers["package_name"]
    gate = Path("src") / package / "core" / "gate.py"
    with isolated_git(tmp_path):
        project = generate_at(REPO_ROOT, tmp_path / package, FIRST.commit, answers)
        recorded = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8"))
        recorded.update({"_src_path": LEGACY_URL, "_commit": FIRST.tag})
        (project / ANSWERS_FILE).write_text(yaml.safe_dump(recorded), encoding="utf-8")
        append(project / "configs" / "config.yaml", CONFIG_EDIT)
        first_line = (project / gate).read_text(encoding="utf-8").splitlines()[0]
        edit(project / gate, first_line, first_line.replace('"""', GATE_PREFIX, 1))
        commit_all(project, "Team edits")

        result = CliRunner().invoke(main, ["update", str(project)])

    assert result.exit_code in (0, EXIT_CONFLICTS), result.output
    assert f"{FIRST.tag} -> {NEWEST.tag}" in result.output
    assert "Conflicts:" not in result.output, result.output
    assert (project / "configs" / "config.yaml").read_text(encoding="utf-8").endswith(CONFIG_EDIT)
    assert (project / gate).read_text(encoding="utf-8").startswith(GATE_PREFIX)
    after = read_answers(project)
    assert after["_commit"] == NEWEST.tag
    assert after["_src_path"] == str(REPO_ROOT)

    for target in ("setup", "test", "lint", "typecheck"):
        run_make(project, target)
