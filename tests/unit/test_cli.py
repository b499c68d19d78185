"""The command line: output, exit codes and error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mlscaffold import __version__
from mlscaffold._template import load_template
from mlscaffold.cli import main
from tests.support import ANSWERS_FILE, read_answers, staging_dirs
from tests.unit.conftest import FakeCopier

TRACK = load_template().track_names[0]


def run(*args: str | Path, color: bool = False) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], color=color)


def new(dest: str | Path, *args: str | Path) -> Result:
    return run("new", dest, *args)


def assert_user_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def assert_usage_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    for fragment in fragments:
        assert fragment in result.stderr


def test_version() -> None:
    result = run("--version")

    assert result.exit_code == 0
    assert result.output.strip() == f"mlscaffold {__version__}"


def test_tracks_lists_name_and_description() -> None:
    result = run("tracks")

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == len(load_template().tracks)
    for line, track in zip(lines, load_template().tracks, strict=True):
        assert line.split()[0] == track.name
        assert line.endswith(track.description)


def test_tracks_json() -> None:
    result = run("tracks", "--json")

    assert result.exit_code == 0
    assert json.loads(result.output) == [
        {"name": t.name, "description": t.description} for t in load_template().tracks
    ]


def test_new_creates_the_project_and_prints_next_steps(tmp_path: Path) -> None:
    dest = tmp_path / "acme-fraud"

    result = new(dest, "--track", TRACK, "--defaults")

    assert result.exit_code == 0, result.output
    assert f"cd {dest}" in result.output
    assert "make setup all test" in result.output
    assert "make serve" in result.output
    assert "git init" in result.output
    assert "mlscaffold update" in result.output
    answers = read_answers(dest)
    assert answers["track"] == TRACK
    assert answers["project_name"] == "acme-fraud"
    assert answers["package_name"] == "acme_fraud"
    assert answers["_mlscaffold_version"] == __version__
    assert staging_dirs(tmp_path, dest.name) == []


def test_new_without_a_terminal_uses_defaults_instead_of_prompting(
    tmp_path: Path, fake_copier: FakeCopier
) -> None:
    result = new(tmp_path / "demo", "--track", TRACK)

    assert result.exit_code == 0, result.output
    assert fake_copier.calls[-1]["defaults"] is True


def test_new_takes_name_and_data(tmp_path: Path, fake_copier: FakeCopier) -> None:
    dest = tmp_path / "x"

    result = new(
        dest,
        "--track",
        TRACK,
        "--name",
        "Acme Risk",
        "--data",
        "author_name=Risk Team",
        "--data",
        "description=a=b",
    )

    assert result.exit_code == 0, result.output
    assert fake_copier.data == {
        "track": TRACK,
        "project_name": "Acme Risk",
        "author_name": "Risk Team",
        "description": "a=b",
    }


def test_new_into_the_current_empty_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_copier: FakeCopier
) -> None:
    dest = tmp_path / "here"
    dest.mkdir()
    monkeypatch.chdir(dest)

    result = new(".", "--track", TRACK, "--defaults")

    assert result.exit_code == 0, result.output
    assert fake_copier.calls[-1]["user_defaults"] == {"project_name": "here"}
    assert (Path.cwd() / ANSWERS_FILE).is_file()
    assert read_answers(dest)["project_name"] == "here"
    assert "cd ." in result.output


@pytest.mark.usefixtures("fake_copier")
def test_track_may_come_from_the_answers_file(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(f"track: {TRACK}\nproject_name: From File\n", encoding="utf-8")

    result = new(tmp_path / "p", "--answers-file", answers, "--defaults")

    assert result.exit_code == 0, result.output
    assert read_answers(tmp_path / "p")["project_name"] == "From File"


@pytest.mark.parametrize("args", [("--defaults",), ()], ids=["defaults", "no-terminal"])
def test_no_track_where_none_can_be_asked_lists_the_tracks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    # With --defaults nothing is asked; without a terminal (as here) nothing can be.
    import copier

    monkeypatch.setattr(copier, "run_copy", pytest.fail)

    result = new(tmp_path / "p", *args)

    assert_user_error(result, "no track chosen", "--track", "--answers-file")
    for track in load_template().track_names:
        assert track in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_track_is_a_usage_error_listing_the_tracks(tmp_path: Path) -> None:
    result = new(tmp_path / "p", "--track", "vision", "--defaults")

    assert_usage_error(result, "--track", "vision", *load_template().track_names)


@pytest.mark.parametrize(
    "name",
    ["1password", "has.dot", "a" * 65, "-dash", "semi;colon"],
)
def test_invalid_project_names_are_refused(tmp_path: Path, name: str) -> None:
    result = new(tmp_path / "p", "--track", TRACK, "--name", name, "--defaults")

    assert_user_error(result, "project_name", "is not valid")
    assert not (tmp_path / "p").exists()


def test_project_name_from_an_invalid_folder_name_says_how_to_fix(tmp_path: Path) -> None:
    result = new(tmp_path / "2024.project", "--track", TRACK, "--defaults")

    assert_user_error(result, "project name '2024.project' is not valid", "--name")


@pytest.mark.parametrize(
    ("package", "reason"),
    [
        ("json", "standard-library"),
        ("pandas", "library the project depends on"),
        ("class", "keyword"),
        ("Acme-Pkg", "not a valid Python package name"),
        ("1pkg", "not a valid Python package name"),
    ],
)
def test_bad_package_names_are_refused(tmp_path: Path, package: str, reason: str) -> None:
    result = new(
        tmp_path / "p", "--track", TRACK, "--data", f"package_name={package}", "--defaults"
    )

    assert_user_error(result, "package_name", reason)
    assert not (tmp_path / "p").exists()


def test_package_name_derived_from_folder_name_says_how_to_fix(tmp_path: Path) -> None:
    result = new(tmp_path / "json", "--track", TRACK, "--defaults")

    assert_user_error(result, "package name 'json'", "--data package_name=")


def test_non_empty_destination_is_refused_and_left_untouched(tmp_path: Path) -> None:
    dest = tmp_path / "taken"
    dest.mkdir()
    (dest / "notes.txt").write_text("keep me", encoding="utf-8")

    result = new(dest, "--track", TRACK, "--defaults")

    assert_user_error(result, str(dest), "not empty", "choose a new folder or empty")
    assert [p.name for p in dest.iterdir()] == ["notes.txt"]
    assert (dest / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_destination_that_is_a_file_is_refused(tmp_path: Path) -> None:
    dest = tmp_path / "file"
    dest.write_text("data", encoding="utf-8")

    result = new(dest, "--track", TRACK, "--defaults")

    assert_user_error(result, str(dest), "is a file")
    assert dest.read_text(encoding="utf-8") == "data"


def test_unknown_answer_key_suggests_the_closest(tmp_path: Path) -> None:
    result = new(tmp_path / "p", "--track", TRACK, "--data", "pakage_name=acme", "--defaults")

    assert_user_error(result, "unknown answer 'pakage_name'", "did you mean 'package_name'")
    assert "project_name" in result.stderr


def test_data_without_equals_is_a_usage_error(tmp_path: Path) -> None:
    result = new(tmp_path / "p", "--track", TRACK, "--data", "author_name")

    assert_usage_error(result, "'--data'", "KEY=VALUE")


def test_missing_answers_file_is_a_usage_error(tmp_path: Path) -> None:
    result = new(tmp_path / "p", "--answers-file", tmp_path / "nope.yml")

    assert_usage_error(result, "'--answers-file'", "nope.yml")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("track: [rag\n", "not valid YAML"),
        ("- rag\n- fraud\n", "must be a YAML mapping"),
        ("", "must be a YAML mapping"),
        ("trak: rag\n", "did you mean 'track'"),
        (f"track: {TRACK}\npython_version: 3.10\n", "quote it"),
    ],
    ids=["not-yaml", "list", "empty", "unknown-key", "number"],
)
def test_malformed_answers_file(tmp_path: Path, content: str, fragment: str) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(content, encoding="utf-8")

    result = new(tmp_path / "p", "--answers-file", answers, "--defaults")

    assert_user_error(result, str(answers), fragment)
    assert not (tmp_path / "p").exists()


def test_answers_file_track_must_match_the_track_option(tmp_path: Path) -> None:
    other = next(t for t in load_template().track_names if t != TRACK)
    answers = tmp_path / "answers.yml"
    answers.write_text(f"track: {other}\n", encoding="utf-8")

    result = new(tmp_path / "p", "--track", TRACK, "--answers-file", answers, "--defaults")

    assert_user_error(result, "conflicting tracks", TRACK, other)


def test_answers_file_from_another_template_is_refused(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(f"_src_path: gh:someone/other-template\ntrack: {TRACK}\n", encoding="utf-8")

    result = new(tmp_path / "p", "--answers-file", answers, "--defaults")

    assert_user_error(result, "another template", "gh:someone/other-template")


@pytest.mark.parametrize("example", ["fraud-detection", "rag"])
def test_a_projects_answers_file_creates_the_same_kind_of_project(
    tmp_path: Path, rendered_examples: dict[str, Path], fake_copier: FakeCopier, example: str
) -> None:
    first = rendered_examples[example]

    result = new(tmp_path / "second", "--answers-file", first / ANSWERS_FILE)

    assert result.exit_code == 0, result.output
    # Every answer is taken over; where the first came from and its version are not.
    assert fake_copier.data == {
        k: v for k, v in read_answers(first).items() if not k.startswith("_")
    }


def test_errors_are_red_on_stderr(tmp_path: Path) -> None:
    result = run("new", tmp_path / "p", "--defaults", color=True)

    assert result.exit_code == 1
    assert result.stderr.startswith("\x1b[31mError: ")
    assert result.stdout == ""


def test_copier_user_errors_are_reported_like_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from copier.errors import UserMessageError

    def fail(*args: object, **kwargs: object) -> Path:
        raise UserMessageError("template says no")

    monkeypatch.setattr("mlscaffold.cli.create_project", fail)

    result = new(tmp_path / "p", "--track", TRACK)

    assert_user_error(result, "template says no")


def test_unexpected_exceptions_are_not_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> Path:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr("mlscaffold.cli.create_project", fail)

    result = new(tmp_path / "p", "--track", TRACK)

    assert result.exit_code == 1
    assert isinstance(result.exception, ZeroDivisionError)
