"""Reading copier.yml: tracks, questions and where the template is."""

from __future__ import annotations

import yaml

from mlscaffold._template import load_template
from tests.support import REPO_ROOT


def _copier_config() -> dict[str, object]:
    loaded = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_template_is_the_clone_when_run_from_a_clone() -> None:
    assert load_template().root == REPO_ROOT


def test_tracks_come_from_the_track_choice_labels() -> None:
    config = _copier_config()
    choices = config["track"]["choices"]  # type: ignore[index]

    tracks = load_template().tracks

    assert [t.name for t in tracks] == list(choices.values())
    for track, label in zip(tracks, choices, strict=True):
        assert label == f"{track.name}: {track.description}"
        assert track.description


def test_questions_are_the_non_underscore_keys() -> None:
    config = _copier_config()

    names = load_template().question_names

    assert list(names) == [key for key in config if not key.startswith("_")]
    assert {"project_name", "package_name", "track"} <= set(names)


def test_no_question_is_secret() -> None:
    # Answers are written to the project's answers file, which is committed.
    for key, spec in _copier_config().items():
        if not key.startswith("_") and isinstance(spec, dict):
            assert not spec.get("secret"), f"question {key} is secret"


def test_answers_file_name_is_read_from_copier_yml() -> None:
    assert load_template().answers_file == _copier_config().get(
        "_answers_file", ".copier-answers.yml"
    )
