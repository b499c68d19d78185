"""Locate the Copier template and read its questions and tracks from ``copier.yml``.

The template is the folder that holds ``copier.yml``. Run from a clone of the mlscaffold
repository, that is the clone's root, so edits to the template take effect at once; installed from
a wheel, it is the ``_template`` folder packaged beside this module. Copier is not imported here,
so listing tracks and checking answers stay fast.

Which release the template is, and where other releases come from, is the business of
:mod:`mlscaffold._releases`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlscaffold.errors import TemplateError

PACKAGE_DIR = Path(__file__).resolve().parent
"""The folder of the installed (or cloned) mlscaffold package."""
_COPIER_FILE = "copier.yml"
_DEFAULT_ANSWERS_FILE = ".copier-answers.yml"


@dataclass(frozen=True)
class Track:
    """One kind of project the template can create.

    Attributes:
        name: The value of the ``track`` answer, for example ``fraud-detection``.
        description: One line saying what the track builds.
    """

    name: str
    description: str


@dataclass(frozen=True)
class Question:
    """One question of ``copier.yml``.

    Attributes:
        name: The answer's key.
        type: The declared Copier type (``str``, ``int``, ...), or ``None`` when not declared.
        help: The question's help text.
    """

    name: str
    type: str | None
    help: str


@dataclass(frozen=True)
class Template:
    """What mlscaffold needs to know about the template before rendering it.

    Attributes:
        root: The folder that holds ``copier.yml``.
        is_git_clone: Whether ``root`` is the root of a git checkout (a clone of mlscaffold).
        questions: The questions, in ``copier.yml`` order.
        tracks: The tracks, in ``copier.yml`` order.
        answers_file: The answers file Copier writes into each project, relative to its root.
    """

    root: Path
    is_git_clone: bool
    questions: tuple[Question, ...]
    tracks: tuple[Track, ...]
    answers_file: str

    @property
    def question_names(self) -> tuple[str, ...]:
        """The answer keys the template accepts."""
        return tuple(question.name for question in self.questions)

    @property
    def track_names(self) -> tuple[str, ...]:
        """The names of the tracks."""
        return tuple(track.name for track in self.tracks)

    def question(self, name: str) -> Question | None:
        """The question called ``name``, or ``None``."""
        return next((q for q in self.questions if q.name == name), None)


def _find_root() -> tuple[Path, bool]:
    clone = PACKAGE_DIR.parents[1]
    if (
        (clone / _COPIER_FILE).is_file()
        and (clone / "templates").is_dir()
        and (clone / "generator" / PACKAGE_DIR.name).resolve() == PACKAGE_DIR
    ):
        return clone, (clone / ".git").exists()
    packaged = PACKAGE_DIR / "_template"
    if (packaged / _COPIER_FILE).is_file():
        return packaged, False
    raise TemplateError(
        f"mlscaffold's template was not found (looked for {clone / _COPIER_FILE} and "
        f"{packaged / _COPIER_FILE}); reinstall mlscaffold"
    )


def _parse_tracks(config: dict[str, Any], path: Path) -> tuple[Track, ...]:
    track = config.get("track")
    choices = track.get("choices") if isinstance(track, dict) else None
    if not isinstance(choices, dict) or not choices:
        raise TemplateError(
            f"{path}: the 'track' question needs a 'choices' mapping of "
            "'<track>: <description>' labels to track names; fix the template"
        )
    tracks = []
    for label, value in choices.items():
        name, _, description = str(label).partition(":")
        if name.strip() != str(value):
            raise TemplateError(
                f"{path}: track choice label {label!r} must start with '{value}: '; "
                "fix the template"
            )
        tracks.append(Track(name=str(value), description=description.strip()))
    return tuple(tracks)


def _parse_questions(config: dict[str, Any]) -> tuple[Question, ...]:
    questions = []
    for key, spec in config.items():
        if str(key).startswith("_"):
            continue
        if isinstance(spec, dict):
            declared = spec.get("type")
            questions.append(
                Question(
                    name=str(key),
                    type=str(declared) if declared is not None else None,
                    help=str(spec.get("help", "")),
                )
            )
        else:
            # A bare `key: value` is a question whose default is the value.
            questions.append(Question(name=str(key), type=None, help=""))
    return tuple(questions)


@functools.lru_cache(maxsize=1)
def load_template() -> Template:
    """Find the template and read its questions and tracks.

    Returns:
        The template description, read once per process.

    Raises:
        TemplateError: ``copier.yml`` is missing, is not valid YAML, or has no usable tracks.
    """
    root, is_git_clone = _find_root()
    path = root / _COPIER_FILE
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TemplateError(f"cannot read {path}: {exc}; reinstall mlscaffold") from exc
    if not isinstance(config, dict):
        raise TemplateError(f"{path} is not a YAML mapping; reinstall mlscaffold")
    answers_file = config.get("_answers_file", _DEFAULT_ANSWERS_FILE)
    return Template(
        root=root,
        is_git_clone=is_git_clone,
        questions=_parse_questions(config),
        tracks=_parse_tracks(config, path),
        answers_file=str(answers_file),
    )
