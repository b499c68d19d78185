"""Projects made by release 0.1.0 come along: updated to the newest release, they pass their checks.

For every example, a project is rendered from release 0.1.0 (its commit in this repository's
history, as the registry names it) and recorded the way mlscaffold 0.1.0 wrote it: a repository
URL that does not exist and ``_commit: v0.1.0``. The team edits it and commits, also in files a
later release moves (the track's modules, tests and documents). ``mlscaffold update`` with no
flag, reading the releases this clone carries, brings it to the newest release: the edits must
be kept, at each moved file's new place (release 0.2.0 moves them); no file may remain at a
place the newest release no longer has; a place a moved file left that the newest release fills
again holds the release's new file; no conflict marker may be left anywhere; the answers file
must name the release; and the project's own ``make setup test lint typecheck`` must pass.
``make setup`` installs the project's dependencies, so this needs a package index and takes
minutes; marked ``slow``.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from packaging.version import Version

from mlscaffold._releases.registry import parse_registry
from mlscaffold.cli import EXIT_CONFLICTS, main
from tests.support import (
    ANSWERS_FILE,
    EXAMPLES,
    REPO_ROOT,
    append,
    commit_all,
    generate_at,
    isolated_git,
    list_files,
    read_answers,
    run_make,
    sh,
)

pytestmark = pytest.mark.slow

RELEASES = parse_registry(
    (REPO_ROOT / "templates" / "releases.yml").read_text(encoding="utf-8"), "releases.yml"
)
FIRST, NEWEST = RELEASES[0], RELEASES[-1]
# Only tracks the first release had can have a project of it; later tracks start later.
_FIRST_COPIER = yaml.safe_load(sh("git", "show", f"{FIRST.commit}:copier.yml", cwd=REPO_ROOT))
FIRST_TRACKS = set(_FIRST_COPIER["track"]["choices"].values())
OLD_EXAMPLES = [
    e for e in EXAMPLES if yaml.safe_load(e.read_text(encoding="utf-8"))["track"] in FIRST_TRACKS
]
LEGACY_URL = "https://github.com/mlscaffold/mlscaffold.git"
CONFIG_EDIT = "# reviewed by the team\n"
SHARED_EDIT = "# Reviewed by the team: shared by every model we serve.\n"
SHARED_MODULES = (
    "src/{package}/core/gate.py",
    "src/{package}/core/drift.py",
    "src/{package}/core/validation.py",
    "src/{package}/io/artifacts.py",
    "src/{package}/serving/app.py",
)
MODULE_EDIT = '# Reviewed by the team.\nREVIEWED_BY = "the team"\n'
TEST_EDIT = "# Reviewed by the team: these cases are the module's contract.\n"
DOCUMENT_EDIT = "\nReviewed by the support team.\n"
# Files the team edits that release 0.2.0 moves, per track: (place at 0.1.0, place at 0.2.0,
# text added at the end). Later releases keep them in their 0.2.0 places.
MOVED_IN = Version("0.2.0")
MOVED_EDITS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "fraud-detection": (
        ("src/{package}/core/models.py", "src/{package}/fraud/models.py", MODULE_EDIT),
        ("tests/core/test_features.py", "tests/fraud/test_features.py", TEST_EDIT),
    ),
    "rag": (
        ("src/{package}/core/retrieval.py", "src/{package}/rag/retrieval.py", MODULE_EDIT),
        ("tests/core/test_retrieval.py", "tests/rag/test_retrieval.py", TEST_EDIT),
        (
            "corpus/policies/acceptable-use.md",
            "corpus/documents/policies/acceptable-use.md",
            DOCUMENT_EDIT,
        ),
    ),
}
# A file the team added inside a folder that release 0.2.0 moves: it moves with the folder.
ADDED_FILES: dict[str, tuple[tuple[str, str], ...]] = {
    "rag": (("corpus/policies/team-notes.md", "corpus/documents/policies/team-notes.md"),),
}
ADDED_TEXT = "# Team notes\n\nRefunds over $500 need a second approval.\n"
CONFLICT_MARKERS = (b"<<<<<<< ", b">>>>>>> ")


def insert_where_kept(path: Path, newest: Path, text: str) -> bool:
    """Insert ``text`` in ``path`` where the newest release keeps the surrounding lines unchanged.

    A team's edit merges cleanly only where the template did not change the same or adjacent
    lines; this places each edit at such a place, whatever else the releases changed in the file:
    before a top-level ``def``/``class`` (Python, after two blank lines, so the format holds) or a
    top-level key (YAML, after a blank line), with three unchanged lines on either side.
    """
    old = path.read_text(encoding="utf-8").splitlines(keepends=True)
    new = newest.read_text(encoding="utf-8").splitlines(keepends=True)
    python = path.suffix == ".py"
    for block in difflib.SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks():
        for at in range(block.a + 3, block.a + block.size - 3):
            line, before = old[at], old[at - 2] + old[at - 1]
            if python and line.startswith(("def ", "class ")) and not before.strip():
                added = [text, "\n", "\n"]
            elif not python and line[:1].isalpha() and ":" in line and not old[at - 1].strip():
                added = [text]
            else:
                continue
            path.write_text("".join(old[:at] + added + old[at:]), encoding="utf-8")
            return True
    return False


def moves_committed(project: Path, start: str) -> list[tuple[str, str]]:
    """The (old place, new place) pairs of the update's commit of moved files, if it made one."""
    if sh("git", "rev-parse", "HEAD", cwd=project).strip() == start:
        return []
    status = sh("git", "show", "-M", "--name-status", "--format=", "HEAD", cwd=project)
    moves = [line.split("\t") for line in status.splitlines() if line]
    assert all(fields[0] == "R100" for fields in moves), status
    return [(fields[1], fields[2]) for fields in moves]


def with_conflict_markers(project: Path) -> list[str]:
    """Files outside .git with a line that starts with a conflict marker, and rejected hunks."""
    found = []
    for relative in list_files(project):
        if relative.startswith(".git/"):
            continue
        path = project / relative
        if relative.endswith(".rej") or (
            path.is_file()
            and any(line.startswith(CONFLICT_MARKERS) for line in path.read_bytes().splitlines())
        ):
            found.append(relative)
    return found


@pytest.mark.skipif(len(RELEASES) < 2, reason="the registry lists no release after the first")
@pytest.mark.parametrize("example", OLD_EXAMPLES, ids=[e.stem for e in OLD_EXAMPLES])
def test_project_of_the_first_release_updates_to_the_newest_and_passes_its_checks(
    example: Path, tmp_path: Path
) -> None:
    if shutil.which("make") is None:
        pytest.fail("make is not installed; the generated projects drive everything with make")
    answers = yaml.safe_load(example.read_text(encoding="utf-8"))
    package = answers["package_name"]
    moved_edits = [
        (old.format(package=package), new.format(package=package), text)
        for old, new, text in MOVED_EDITS[answers["track"]]
    ]
    with isolated_git(tmp_path):
        newest = generate_at(REPO_ROOT, tmp_path / "newest" / package, NEWEST.commit, answers)
        project = generate_at(REPO_ROOT, tmp_path / package, FIRST.commit, answers)
        first_files = set(sh("git", "ls-files", cwd=project).splitlines())
        recorded = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8"))
        recorded.update({"_src_path": LEGACY_URL, "_commit": FIRST.tag})
        (project / ANSWERS_FILE).write_text(yaml.safe_dump(recorded), encoding="utf-8")
        config = Path("configs") / "config.yaml"
        assert insert_where_kept(project / config, newest / config, CONFIG_EDIT), config
        # One shared module the team edits: the first of these with a place the release keeps.
        shared = next(
            (
                module
                for module in SHARED_MODULES
                if (project / module.format(package=package)).is_file()
                and insert_where_kept(
                    project / module.format(package=package),
                    newest / module.format(package=package),
                    SHARED_EDIT,
                )
            ),
            None,
        )
        assert shared is not None, f"no module of {SHARED_MODULES} has a place the release keeps"
        shared = shared.format(package=package)
        for old, new, text in moved_edits:
            if old.endswith(".py"):
                assert insert_where_kept(project / old, newest / new, text), old
            else:
                append(project / old, text)
        added = ADDED_FILES.get(answers["track"], ())
        for old, _ in added:
            (project / old).write_text(ADDED_TEXT, encoding="utf-8")
        commit_all(project, "Team edits")
        start = sh("git", "rev-parse", "HEAD", cwd=project).strip()

        result = CliRunner().invoke(main, ["update", str(project)])

        assert result.exit_code in (0, EXIT_CONFLICTS), result.output
        assert f"{FIRST.tag} -> {NEWEST.tag}" in result.output
        assert "Conflicts:" not in result.output, result.output
        moves = moves_committed(project, start)

    assert CONFIG_EDIT in (project / "configs" / "config.yaml").read_text(encoding="utf-8")
    assert SHARED_EDIT in (project / shared).read_text(encoding="utf-8")
    after = read_answers(project)
    assert after["_commit"] == NEWEST.tag
    assert after["_src_path"] == str(REPO_ROOT)
    # Every move went to a file of the newest release (none to another track's place), and
    # each edit of a moved file is at the file's new place (from release 0.2.0 on).
    newest_files = set(sh("git", "ls-files", cwd=newest).splitlines())
    assert not [new for old, new in moves if old in first_files and new not in newest_files], moves
    for old, new in added:
        place = new if NEWEST.version >= MOVED_IN else old
        assert (project / place).read_text(encoding="utf-8") == ADDED_TEXT, place
    for old, new, text in moved_edits:
        if NEWEST.version >= MOVED_IN:
            assert (old, new) in moves, moves
        place = new if NEWEST.version >= MOVED_IN else old
        assert text in (project / place).read_text(encoding="utf-8"), place
    # Nothing is left at a place the newest release no longer has; a place a moved file left
    # that the newest release fills again holds the release's new file.
    left_behind = sorted(p for p in first_files - newest_files if (project / p).exists())
    assert not left_behind, left_behind
    for old, _ in moves:
        if old in newest_files:
            assert (project / old).read_bytes() == (newest / old).read_bytes(), old
    assert not with_conflict_markers(project)

    for target in ("setup", "test", "lint", "typecheck"):
        run_make(project, target)
