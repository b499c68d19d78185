"""The core: answers precedence, staging, cleanup after failures and interruptions."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mlscaffold import __version__, _copier, _new
from mlscaffold._new import create_project
from mlscaffold._releases.identify import Identity
from mlscaffold._releases.locate import rendered_identity
from mlscaffold._template import load_template
from mlscaffold.errors import (
    AnswersError,
    DestinationError,
    TemplateError,
    Terminated,
    TrackError,
)
from tests.support import EXAMPLES, list_files, read_answers, staging_dirs
from tests.unit.conftest import FakeCopier

TRACK = load_template().track_names[0]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_renders_the_template_root_and_records_where_and_which_version(
    tmp_path: Path, fake_copier: FakeCopier
) -> None:
    project = create_project(tmp_path / "acme", TRACK, defaults=True)

    assert project == tmp_path / "acme"
    template = load_template()
    assert fake_copier.calls[-1]["src_path"] == str(template.root)
    # A clone renders its working tree, not the newest tag.
    assert fake_copier.calls[-1]["vcs_ref"] == ("HEAD" if template.is_git_clone else None)
    answers = read_answers(project)
    # The folder rendered from, and the template version it holds: a release or a commit.
    assert answers["_src_path"] == str(template.root)
    assert answers["_commit"] == rendered_identity(template).label
    assert answers["track"] == TRACK
    assert answers["project_name"] == "acme"
    assert answers["_mlscaffold_version"] == __version__


@pytest.mark.parametrize("note", [None, "rendered with uncommitted template changes"])
def test_a_template_version_note_becomes_a_comment_of_the_answers_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_copier: FakeCopier, note: str | None
) -> None:
    identity = Identity("v9.9.9-2-gabcdefabcdef", None, "abcdef" * 6 + "abcd", note=note)
    monkeypatch.setattr(_new, "rendered_identity", lambda template: identity)

    project = create_project(tmp_path / "acme", TRACK, defaults=True)

    text = (project / ".copier-answers.yml").read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert read_answers(project)["_commit"] == "v9.9.9-2-gabcdefabcdef"
    assert (f"# _mlscaffold_version: {note}" in comments) is (note is not None)
    assert len(fake_copier.calls) == 1


def test_returns_the_absolute_project_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_copier: FakeCopier
) -> None:
    monkeypatch.chdir(tmp_path)

    project = create_project("acme", TRACK, defaults=True)

    assert project == tmp_path / "acme"
    assert fake_copier.calls[-1]["defaults"] is True
    assert fake_copier.calls[-1]["unsafe"] is False


def test_interactive_prompts_unless_defaults(tmp_path: Path, fake_copier: FakeCopier) -> None:
    create_project(tmp_path / "a", TRACK, interactive=True)
    create_project(tmp_path / "b", TRACK, interactive=True, defaults=True)

    assert [call["defaults"] for call in fake_copier.calls] == [False, True]


def test_folder_name_is_only_a_default_for_the_project_name(
    tmp_path: Path, fake_copier: FakeCopier
) -> None:
    create_project(tmp_path / "acme", TRACK, defaults=True)

    assert fake_copier.calls[-1]["user_defaults"] == {"project_name": "acme"}
    assert "project_name" not in fake_copier.data


def test_answers_precedence_file_then_data_then_name(
    tmp_path: Path, fake_copier: FakeCopier
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(
        f"track: {TRACK}\nproject_name: From File\nauthor_name: File Team\n"
        "description: from the file\n",
        encoding="utf-8",
    )

    create_project(
        tmp_path / "p",
        answers_file=answers,
        data={"author_name": "Data Team", "project_name": "From Data"},
        name="From Name",
        defaults=True,
    )

    assert fake_copier.data == {
        "track": TRACK,
        "project_name": "From Name",
        "author_name": "Data Team",
        "description": "from the file",
    }


def test_answers_file_ignores_copier_keys_but_checks_src_path(
    tmp_path: Path, fake_copier: FakeCopier
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(
        f"_commit: v0.0.1\n_src_path: {load_template().root}\n_mlscaffold_version: 0.0.1\n"
        f"track: {TRACK}\n",
        encoding="utf-8",
    )

    project = create_project(tmp_path / "p", answers_file=answers, defaults=True)

    assert fake_copier.data == {"track": TRACK}
    assert read_answers(project)["_mlscaffold_version"] == __version__


@pytest.mark.parametrize(
    "src",
    [
        "/opt/venv/lib/python3.11/site-packages/mlscaffold/_template",
        "https://github.com/acme/mlscaffold.git",
        "gh:acme/mlscaffold",
    ],
)
@pytest.mark.usefixtures("fake_copier")
def test_src_path_of_other_mlscaffold_installs_is_accepted(tmp_path: Path, src: str) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(f"_src_path: {src}\ntrack: {TRACK}\n", encoding="utf-8")

    create_project(tmp_path / "p", answers_file=answers, defaults=True)


@pytest.mark.parametrize(
    "src", ["gh:acme/cookiecutter-ml", "/srv/templates/other", "git@host:acme/ml.git"]
)
def test_src_path_of_another_template_is_refused(tmp_path: Path, src: str) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(f"_src_path: '{src}'\ntrack: {TRACK}\n", encoding="utf-8")

    with pytest.raises(AnswersError, match="another template"):
        create_project(tmp_path / "p", answers_file=answers, defaults=True)


def test_unreadable_answers_file(tmp_path: Path) -> None:
    with pytest.raises(AnswersError, match="does not exist"):
        create_project(tmp_path / "p", answers_file=tmp_path / "missing.yml")
    with pytest.raises(AnswersError, match="cannot read"):
        create_project(tmp_path / "p", answers_file=tmp_path)


def test_unknown_track_lists_the_tracks(tmp_path: Path) -> None:
    with pytest.raises(TrackError) as caught:
        create_project(tmp_path / "p", "vision", defaults=True)

    assert "unknown track 'vision'" in str(caught.value)
    for name in load_template().track_names:
        assert name in str(caught.value)


def test_unknown_data_key_is_refused_before_rendering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    monkeypatch.setattr(copier, "run_copy", pytest.fail)

    with pytest.raises(AnswersError, match="unknown answer 'api_key'"):
        create_project(tmp_path / "p", TRACK, data={"api_key": "s3cret"})


@pytest.mark.usefixtures("fake_copier")
def test_empty_existing_folder_is_kept_and_filled(tmp_path: Path) -> None:
    dest = tmp_path / "empty"
    dest.mkdir()
    inode = dest.stat().st_ino

    create_project(dest, TRACK, defaults=True)

    assert dest.stat().st_ino == inode
    assert (dest / ".copier-answers.yml").is_file()
    assert staging_dirs(tmp_path, "empty") == []


@pytest.mark.usefixtures("fake_copier")
def test_missing_parent_folders_are_created(tmp_path: Path) -> None:
    project = create_project(tmp_path / "a" / "b" / "proj", TRACK, defaults=True)

    assert (project / ".copier-answers.yml").is_file()


def _failing_run_copy(exc: BaseException) -> Any:
    def run_copy(src_path: str, dst_path: Path, *args: object, **kwargs: object) -> None:
        (Path(dst_path) / "half-written.txt").write_text("partial", encoding="utf-8")
        raise exc

    return run_copy


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (RuntimeError("boom"), TemplateError),
        (OSError(28, "No space left on device"), DestinationError),
        (ValueError("Validation error for question 'x': bad"), AnswersError),
        # Ctrl-C at a question, which the prompt reads as a key: reported as SIGINT.
        (KeyboardInterrupt(), Terminated),
    ],
    ids=["bug", "disk-full", "validation", "ctrl-c"],
)
def test_failed_render_leaves_no_destination_and_no_staging(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    raised: BaseException,
    expected: type[BaseException],
) -> None:
    import copier

    monkeypatch.setattr(copier, "run_copy", _failing_run_copy(raised))
    dest = tmp_path / "p"

    with pytest.raises(expected):
        create_project(dest, TRACK, defaults=True)

    assert list(tmp_path.iterdir()) == []


def test_failed_render_keeps_an_empty_destination_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    monkeypatch.setattr(copier, "run_copy", _failing_run_copy(RuntimeError("boom")))
    dest = tmp_path / "p"
    dest.mkdir()

    with pytest.raises(TemplateError):
        create_project(dest, TRACK, defaults=True)

    assert [p.name for p in tmp_path.iterdir()] == ["p"]
    assert list(dest.iterdir()) == []


def test_template_without_answers_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    def run_copy(src_path: str, dst_path: Path, *args: object, **kwargs: object) -> None:
        (Path(dst_path) / "README.md").write_text("# x\n", encoding="utf-8")

    monkeypatch.setattr(copier, "run_copy", run_copy)

    with pytest.raises(TemplateError, match=r"did not write \.copier-answers\.yml"):
        create_project(tmp_path / "p", TRACK, defaults=True)

    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("fake_copier")
def test_stale_staging_from_a_dead_process_is_removed(tmp_path: Path) -> None:
    dead = tmp_path / f".p.mlscaffold-{_dead_pid()}-0badcafe"
    alive = tmp_path / f".p.mlscaffold-{os.getppid()}-0badcafe"
    other = tmp_path / f".q.mlscaffold-{_dead_pid()}-0badcafe"
    for folder in (dead, alive, other):
        folder.mkdir()
        (folder / "README.md").write_text("partial", encoding="utf-8")

    create_project(tmp_path / "p", TRACK, defaults=True)

    assert not dead.exists()
    assert alive.exists()
    assert other.exists()


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_compiling_each_path_once_renders_the_same_project(
    tmp_path: Path,
    example: Path,
    rendered_examples: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The shared render compiled each template string once; this one compiles every time.
    shared = rendered_examples[example.stem]
    monkeypatch.setattr(_copier, "_compile_each_string_once", contextlib.nullcontext)
    fresh = create_project(tmp_path / example.stem, answers_file=example, defaults=True)

    assert list_files(shared) == list_files(fresh)
    for relative in list_files(shared):
        assert (shared / relative).read_bytes() == (fresh / relative).read_bytes(), relative
