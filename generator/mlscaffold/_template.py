"""Locate the Copier template and read its questions and tracks from ``copier.yml``.

The template is the folder that holds ``copier.yml``. Run from a clone of the mlscaffold
repository, that is the clone's root, so edits to the template take effect at once; installed from
a wheel, it is the ``_template`` folder packaged beside this module. Copier is not imported here,
so listing tracks and checking answers stay fast.

Every project records where its template came from in its answers file, in a form
``copier update`` and ``mlscaffold update`` can use: ``_src_path`` is the template's git
repository (:data:`CANONICAL_TEMPLATE_REPO`, or the ``MLSCAFFOLD_TEMPLATE_REPO`` environment
variable) and ``_commit`` the release tag it was rendered from (see :func:`rendered_commit`).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlscaffold import __version__
from mlscaffold._git import GitFailed, git
from mlscaffold.errors import MlscaffoldError, TemplateError

CANONICAL_TEMPLATE_REPO = "https://github.com/mlscaffold/mlscaffold.git"
"""The git repository whose release tags (``vX.Y.Z``) are the template's versions."""

TEMPLATE_REPO_ENV = "MLSCAFFOLD_TEMPLATE_REPO"
"""Environment variable naming another template repository (a fork or a mirror): a URL or path."""

_PACKAGE_DIR = Path(__file__).resolve().parent
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
    clone = _PACKAGE_DIR.parents[1]
    if (
        (clone / _COPIER_FILE).is_file()
        and (clone / "templates").is_dir()
        and (clone / "generator" / _PACKAGE_DIR.name).resolve() == _PACKAGE_DIR
    ):
        return clone, (clone / ".git").exists()
    packaged = _PACKAGE_DIR / "_template"
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


def template_repository() -> str:
    """The repository projects record: ``$MLSCAFFOLD_TEMPLATE_REPO``, else the canonical one."""
    return os.environ.get(TEMPLATE_REPO_ENV, "").strip() or CANONICAL_TEMPLATE_REPO


def release_tag(version: str) -> str:
    """The git tag of a template release, for example ``v0.2.0`` for ``0.2.0``."""
    return f"v{version}"


@dataclass(frozen=True)
class RenderedFrom:
    """The template version a project was rendered from.

    Attributes:
        commit: What the answers file records as ``_commit``: a release tag, or the output of
            ``git describe --tags`` in a clone (``v0.1.0-3-g1a2b3c4`` is three commits after
            ``v0.1.0``).
        note: Set when the commit does not describe the rendered files exactly.
    """

    commit: str
    note: str | None = None


def rendered_commit(template: Template) -> RenderedFrom:
    """The version a project rendered from ``template`` comes from.

    Installed from a wheel, the packaged template is release ``v<version>``. From a clone it is
    ``git describe --tags`` of the checked-out commit; when ``copier.yml`` or ``templates/`` have
    uncommitted changes, the project was rendered from files no commit holds, so the describe of
    the commit they were made on is recorded with a note: a later update then sees those changes
    as edits made in the project.
    """
    if not template.is_git_clone:
        return RenderedFrom(release_tag(__version__))
    root = template.root
    try:
        commit = git("describe", "--tags", "--always", "HEAD", cwd=root).strip()
        dirty = git("status", "--porcelain", "--", _COPIER_FILE, "templates", cwd=root).strip()
    except (GitFailed, MlscaffoldError):
        return RenderedFrom(
            release_tag(__version__),
            note=f"rendered from a checkout whose git history could not be read; "
            f"_commit assumes release {release_tag(__version__)}",
        )
    if dirty:
        return RenderedFrom(
            commit,
            note="rendered with uncommitted template changes; _commit is the commit they were "
            "made on, so an update treats those changes as edits made in this project",
        )
    return RenderedFrom(commit)
