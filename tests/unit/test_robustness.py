"""Hostile input, faults and interruptions: ``mlscaffold new`` creates the whole project or nothing.

Every case also checks that nothing outside the destination changed: the destination's parent
(with a sentinel sibling folder) and the folder above it are snapshotted before and after.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mlscaffold._template import load_template
from mlscaffold.cli import main
from tests.support import isolated_git, list_files, sh, staging_dirs
from tests.unit.render_process import (
    EXAMPLE,
    SEED,
    STAGING_APPEARED,
    Point,
    assert_same_project,
    interrupt,
    spread_points,
)

TRACK = load_template().track_names[0]
SECRET = "sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0"


# Workspace and snapshots


@dataclass(frozen=True)
class Workspace:
    """A parent folder for DEST with a sentinel sibling, inside a folder that is watched too."""

    root: Path
    parent: Path
    dest: Path

    def snapshot(self) -> dict[str, str]:
        """Every path under ``root`` except DEST's own tree: its kind, mode and content hash."""
        found: dict[str, str] = {}
        for path in sorted(self.root.rglob("*")):
            if path == self.dest or self.dest in path.parents:
                continue
            relative = path.relative_to(self.root).as_posix()
            mode = oct(path.lstat().st_mode)
            if path.is_symlink():
                found[relative] = f"link {mode} {path.readlink()}"
            elif path.is_dir():
                found[relative] = f"dir {mode}"
            else:
                found[relative] = f"file {mode} {hashlib.sha256(path.read_bytes()).hexdigest()}"
        return found


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    parent = tmp_path / "work"
    sentinel = parent / "neighbour"
    (sentinel / "nested").mkdir(parents=True)
    (sentinel / "keep.txt").write_text("keep me\n", encoding="utf-8")
    (sentinel / "nested" / "data.bin").write_bytes(bytes(range(256)))
    (tmp_path / "above.txt").write_text("above\n", encoding="utf-8")
    return Workspace(root=tmp_path, parent=parent, dest=parent / "proj")


@pytest.fixture
def untouched(workspace: Workspace) -> Iterator[Workspace]:
    """Fail the test when anything outside DEST changed, and when a staging folder remains."""
    before = workspace.snapshot()
    yield workspace
    assert workspace.snapshot() == before
    assert staging_dirs(workspace.parent, workspace.dest.name) == []


def new(dest: Path, *args: str | Path) -> Result:
    return CliRunner().invoke(main, ["new", str(dest), *(str(a) for a in args)])


# Bad input: a corpus of command lines, each with its exit status and message


@dataclass(frozen=True)
class Bad:
    """One bad command line: the options after DEST, and what the user should see."""

    args: tuple[str, ...]
    code: int
    fragments: tuple[str, ...]
    answers: str | bytes | None = None
    """Content of an answers file passed with --answers-file, if any."""


USAGE, USER = 2, 1
NAME_INVALID = "is not valid: use 1-64 letters"
PACKAGE_INVALID = "is not a valid Python package name"
DERIVED = "pass --data package_name=NAME"

CORPUS: dict[str, Bad] = {
    # Names: empty, too long, keywords, standard library, dependencies, case, digits.
    "name-empty": Bad(("--name", ""), USER, ("project name ''", NAME_INVALID)),
    "name-newline": Bad(("--name", "acme\n"), USER, (NAME_INVALID,)),
    "name-keyword": Bad(("--name", "class"), USER, ("'class' is a Python keyword", DERIVED)),
    "name-keyword-import": Bad(("--name", "import"), USER, ("Python keyword", DERIVED)),
    "name-stdlib": Bad(("--name", "os"), USER, ("standard-library module", DERIVED)),
    "name-dependency": Bad(("--name", "numpy"), USER, ("library the project depends on", DERIVED)),
    "package-empty": Bad(("--data", "package_name="), USER, ("package name ''", PACKAGE_INVALID)),
    "package-65": Bad(("--data", "package_name=" + "a" * 65), USER, (PACKAGE_INVALID,)),
    "package-newline": Bad(("--data", "package_name=acme\n"), USER, (PACKAGE_INVALID,)),
    # Path traversal through names.
    "name-traversal": Bad(("--name", "../x"), USER, ("project name '../x'", NAME_INVALID)),
    "name-absolute": Bad(("--name", "/etc/x"), USER, (NAME_INVALID,)),
    "package-traversal": Bad(("--data", "package_name=../x"), USER, (PACKAGE_INVALID,)),
    "package-nested": Bad(("--data", "package_name=a/../../b"), USER, (PACKAGE_INVALID,)),
    "project-slash": Bad(("--data", "project_name=a/b"), USER, ("'a/b'", NAME_INVALID)),
    # Tracks.
    "track-from-data": Bad(
        ("--data", "track=vision"), USER, ("unknown track 'vision'", "--data track=")
    ),
    "track-traversal": Bad(("--data", "track=../x"), USER, ("unknown track '../x'",)),
    "track-case": Bad(("--track", TRACK.upper()), USAGE, ("--track", TRACK)),
    # Keys that are not questions (typos are covered in test_cli).
    "key-copier-internal": Bad(
        ("--track", TRACK, "--data", "_src_path=/tmp/elsewhere"), USER, ("unknown answer",)
    ),
    "key-secret-looking": Bad(
        ("--track", TRACK, "--data", f"api_key={SECRET}"), USER, ("unknown answer 'api_key'",)
    ),
    "key-blank": Bad(("--track", TRACK, "--data", " =x"), USAGE, ("KEY=VALUE",)),
    # Malformed answers files.
    "answers-binary": Bad((), USER, ("cannot read answers file",), answers=bytes(range(256)) * 4),
    "answers-nul": Bad((), USER, ("not valid YAML",), answers=f"track: {TRACK}\0\n"),
    "answers-scalar": Bad((), USER, ("must be a YAML mapping", "a str"), answers="just text\n"),
    "answers-python-tag": Bad(
        (),
        USER,
        ("not valid YAML",),
        answers="!!python/object/apply:os.system ['touch pwned']\n",
    ),
    "answers-int-key": Bad((), USER, ("non-text key 1",), answers=f"track: {TRACK}\n1: x\n"),
    "answers-secret-key": Bad(
        (),
        USER,
        ("unknown answer 'api_key'", "answers file"),
        answers=f"track: {TRACK}\napi_key: {SECRET}\n",
    ),
    "answers-null-name": Bad(
        (),
        USER,
        ("'project_name'", "is empty", "quote it"),
        answers=f"track: {TRACK}\nproject_name:\n",
    ),
    "answers-bad-track": Bad((), USER, ("unknown track 'vision'",), answers="track: vision\n"),
    "answers-foreign-relative": Bad(
        (),
        USER,
        ("another template",),
        answers=f"_src_path: ../../other-template\ntrack: {TRACK}\n",
    ),
}


@pytest.mark.parametrize("case", CORPUS.values(), ids=CORPUS.keys())
def test_bad_input_is_refused_and_writes_nothing(workspace: Workspace, case: Bad) -> None:
    args: list[str | Path] = list(case.args)
    if case.answers is not None:
        answers = workspace.root / "answers.yml"
        if isinstance(case.answers, bytes):
            answers.write_bytes(case.answers)
        else:
            answers.write_text(case.answers, encoding="utf-8")
        args += ["--answers-file", answers]
    if "--track" not in args and case.answers is None and "track=" not in " ".join(case.args):
        args += ["--track", TRACK]
    before = workspace.snapshot()

    result = new(workspace.dest, "--defaults", *args)

    assert result.exit_code == case.code, result.output
    if case.code == USER:
        assert result.stderr.startswith("Error: "), result.stderr
    for fragment in case.fragments:
        assert fragment in result.stderr, result.stderr
    assert SECRET not in result.output
    assert not workspace.dest.exists()
    assert workspace.snapshot() == before
    assert staging_dirs(workspace.parent, workspace.dest.name) == []
    assert not (Path.cwd() / "pwned").exists()


def test_longest_valid_names_are_accepted(untouched: Workspace) -> None:
    name, package = "A" * 64, "a" * 64

    result = new(
        untouched.dest,
        "--track",
        TRACK,
        "--defaults",
        "--name",
        name,
        "--data",
        f"package_name={package}",
    )

    assert result.exit_code == 0, result.output
    assert (untouched.dest / "src" / package / "__init__.py").is_file()


# Destinations


def _file_as_parent(ws: Workspace) -> Path:
    (ws.parent / "afile").write_text("x", encoding="utf-8")
    return ws.parent / "afile" / "proj"


def _file_as_dest(ws: Workspace) -> Path:
    ws.dest.write_text("x", encoding="utf-8")
    return ws.dest


def _non_empty_dest(ws: Workspace) -> Path:
    ws.dest.mkdir()
    (ws.dest / ".hidden").write_text("x", encoding="utf-8")
    return ws.dest


def _link_to_non_empty(ws: Workspace) -> Path:
    ws.dest.symlink_to(ws.parent / "neighbour", target_is_directory=True)
    return ws.dest


@pytest.mark.parametrize(
    ("arrange", "fragments"),
    [
        (_file_as_parent, ("cannot create the project next to", "choose a folder you can write")),
        (_file_as_dest, ("is a file", "choose a new folder")),
        (_non_empty_dest, ("not empty", "choose a new folder or empty this one")),
        (_link_to_non_empty, ("neighbour", "not empty")),
    ],
    ids=["parent-is-a-file", "dest-is-a-file", "non-empty-hidden-file", "link-to-non-empty"],
)
def test_unusable_destination_is_refused(
    workspace: Workspace, arrange: Callable[[Workspace], Path], fragments: tuple[str, ...]
) -> None:
    dest = arrange(workspace)
    before = workspace.snapshot()

    result = new(dest, "--track", TRACK, "--defaults")

    assert result.exit_code == USER, result.output
    for fragment in fragments:
        assert fragment in result.stderr
    # The snapshot would show a staging folder left behind.
    assert workspace.snapshot() == before


# Capabilities that let root write, read or chmod regardless of a file's mode (linux/capability.h).
_PERMISSION_OVERRIDES = {"CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3}
_PR_CAPBSET_DROP = 24


def _give_up_permission_overrides() -> None:
    """In a child of root, before it starts: make folder permissions apply to it.

    Dropped from the bounding set, the capabilities are not granted again when the program
    starts, so root is refused like the folder's owner would be. (Switching to an unprivileged
    user is no alternative where the interpreter lives in a folder only root may read.)
    """
    libc = ctypes.CDLL(None, use_errno=True)
    for name, number in _PERMISSION_OVERRIDES.items():
        if libc.prctl(_PR_CAPBSET_DROP, number, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), f"cannot give up {name}")


def _bound_by_permissions() -> dict[str, Any]:
    """Arguments for ``subprocess.run`` so that the child cannot write to read-only folders."""
    return {"preexec_fn": _give_up_permission_overrides} if os.geteuid() == 0 else {}


def _can_write_to_read_only_folder(folder: Path, **kwargs: Any) -> bool:
    read_only = folder / "read-only"
    read_only.mkdir(mode=0o500)
    probe = [sys.executable, "-c", "import os, sys; os.mkdir(sys.argv[1])", str(read_only / "x")]
    try:
        return subprocess.run(probe, capture_output=True, check=False, **kwargs).returncode == 0
    finally:
        read_only.chmod(0o700)


@pytest.mark.process
def test_unwritable_parent_is_refused_with_the_fix(
    workspace: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Run as root (as in CI) too: the child gives up root's permission overrides.
    bound = _bound_by_permissions()
    if _can_write_to_read_only_folder(tmp_path_factory.mktemp("probe"), **bound):
        pytest.fail("cannot start a process that folder permissions apply to; see the probe")
    workspace.parent.chmod(0o500)
    try:
        before = workspace.snapshot()

        completed = subprocess.run(
            [sys.executable, "-m", "mlscaffold", "new", workspace.dest, "--track", TRACK],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            **bound,
        )

        assert completed.returncode == USER, completed.stderr
        assert completed.stderr.startswith("Error: cannot create the project next to ")
        assert "Permission denied" in completed.stderr
        assert "choose a folder you can write to" in completed.stderr
        assert workspace.snapshot() == before
    finally:
        workspace.parent.chmod(0o755)


def _git_worktrees_touched(trace: Path) -> set[str]:
    """The work trees of every git command a GIT_TRACE2_EVENT file recorded."""
    if not trace.exists():
        return set()
    events = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    return {e["worktree"] for e in events if e.get("event") == "def_repo" and "worktree" in e}


def test_project_inside_another_repository_leaves_that_repository_alone(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A project may be created inside a monorepo; the outer repository is neither read nor changed.
    outer = workspace.parent
    trace = tmp_path_factory.mktemp("trace") / "trace2.json"
    with isolated_git(workspace.root):
        sh("git", "init", "--quiet", cwd=outer)
        sh("git", "add", "-A", cwd=outer)
        sh("git", "commit", "--quiet", "--no-verify", "-m", "outer", cwd=outer)
        before = workspace.snapshot()
        monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))

        result = new(workspace.dest, "--track", TRACK, "--defaults")

        monkeypatch.delenv("GIT_TRACE2_EVENT")
        status = sh("git", "status", "--porcelain", cwd=outer)
    assert result.exit_code == 0, result.output
    assert not (workspace.dest / ".git").exists()
    # The outer repository's files, .git included, are byte for byte the same.
    assert workspace.snapshot() == before
    assert status == "?? proj/\n"
    touched = {Path(tree).resolve() for tree in _git_worktrees_touched(trace)}
    assert outer.resolve() not in touched
    assert workspace.dest.resolve() not in touched


# Faults while rendering


def _os_error(code: int) -> OSError:
    return (PermissionError if code == errno.EACCES else OSError)(code, os.strerror(code))


@pytest.mark.parametrize(
    ("code", "after_files"),
    [(errno.ENOSPC, 0), (errno.ENOSPC, 50), (errno.EACCES, 20), (errno.EDQUOT, 35)],
    ids=["disk-full-at-once", "disk-full-late", "permission", "quota"],
)
def test_write_failure_mid_render_leaves_nothing(
    untouched: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    after_files: int,
) -> None:
    # Simulated inside Copier's rendering, after some of the project's files were written.
    error = _os_error(code)
    written: list[Path] = []
    write_bytes = Path.write_bytes

    def failing_write_bytes(self: Path, data: bytes) -> int:
        if ".mlscaffold-" in str(self):
            if len(written) >= after_files:
                raise error
            written.append(self)
        return write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing_write_bytes)

    result = new(untouched.dest, "--track", TRACK, "--defaults")

    assert len(written) == after_files
    assert result.exit_code == USER, result.output
    assert result.stderr.startswith("Error: ")
    assert os.strerror(code) in result.stderr
    assert "check the free space and permissions" in result.stderr
    assert not untouched.dest.exists()


def test_success_writes_only_inside_the_destination(untouched: Workspace) -> None:
    result = new(untouched.dest, "--track", TRACK, "--defaults")

    assert result.exit_code == 0, result.output
    assert (untouched.dest / ".copier-answers.yml").is_file()


# SIGKILL, which nothing can catch, delivered to a real `python -m mlscaffold new` process
# (SIGINT, SIGTERM and SIGHUP are in test_signals.py)

KILL_POINTS = [STAGING_APPEARED, *spread_points(SEED + 2)]


@pytest.mark.process
@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("point", KILL_POINTS, ids=[p.id for p in KILL_POINTS])
def test_sigkill_leaves_no_project_and_the_next_run_cleans_up(
    tmp_path: Path, rendered_examples: dict[str, Path], point: Point
) -> None:
    reference = rendered_examples[EXAMPLE.stem]
    dest = tmp_path / "run" / "proj"

    outcome = interrupt(dest, signal.SIGKILL, point, total=len(list_files(reference)))

    context = outcome.context(signal.SIGKILL, point)
    assert outcome.returncode in (0, -signal.SIGKILL), context
    left = sorted(staging_dirs(dest.parent, dest.name))
    if point == STAGING_APPEARED:
        assert outcome.mid_render, context
    if outcome.mid_render:
        # Killed while rendering: no project, and the staging folder for the next run to remove.
        assert outcome.returncode == -signal.SIGKILL, context
        assert not dest.exists(), context
        assert len(left) == 1, context
    if dest.exists():
        # The kill came after the project was moved into place: it is whole.
        assert_same_project(dest, reference, context)
        shutil.rmtree(dest)
    assert sorted(p.name for p in dest.parent.iterdir()) == left, context

    retry = new(dest, "--answers-file", EXAMPLE, "--defaults")

    assert retry.exit_code == 0, f"{context}\n{retry.output}"
    assert_same_project(dest, reference, context)
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name], context
