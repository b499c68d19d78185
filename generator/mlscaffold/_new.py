"""Create a new project from the template: ``mlscaffold new``.

Answers are checked against ``copier.yml`` first (:mod:`mlscaffold._answers`); the template is
then rendered into a hidden staging folder next to the destination, which is moved into place
only when rendering succeeded (:mod:`mlscaffold._staging`). An error, Ctrl-C or SIGTERM removes
the staging folder, so the destination either holds the whole project or does not exist.

The project's lockfile is rendered from the one the template stores for its track and Python
version, and made with ``uv lock`` where the template stores none (:mod:`mlscaffold._locks`).

The answers file then records where the template was rendered from and which version it is
(:func:`mlscaffold._releases.locate.rendered_identity`), so that ``mlscaffold update`` can take
later releases into the project.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlscaffold import _copier, _staging
from mlscaffold._answers import collect_answers, derived_hint, no_track_error, stamp_answers
from mlscaffold._locks.project import complete_lock
from mlscaffold._releases.locate import rendered_identity
from mlscaffold._signals import SignalGuard
from mlscaffold._template import Template, load_template
from mlscaffold.errors import AnswersError, Terminated

NOTHING_CREATED = "nothing was created"


def create_project(
    dest: str | os.PathLike[str],
    track: str | None = None,
    *,
    name: str | None = None,
    data: Mapping[str, str] | None = None,
    answers_file: str | os.PathLike[str] | None = None,
    defaults: bool = False,
    interactive: bool = False,
    notes: list[str] | None = None,
) -> Path:
    """Create a new project in DEST from the template's TRACK.

    Answers come from the answers file, then ``data``, then ``name`` (later ones win). The track
    may be left out when the answers file sets it, or when questions are asked: the template
    then asks for it, listing each track with its description. The project name defaults to the
    destination folder's name; the other questions take the template's defaults unless prompted
    for.

    Args:
        dest: Folder to create. It may exist only as an empty folder.
        track: Track to create, for example ``fraud-detection``.
        name: Project name (the ``project_name`` answer).
        data: Answers by question name.
        answers_file: YAML file of answers, such as another project's ``.copier-answers.yml``
            or one of mlscaffold's ``examples/``.
        defaults: Never prompt; use defaults for every question not answered.
        interactive: Prompt for unanswered questions (needs a terminal); ignored with
            ``defaults``.
        notes: Receives what the user should know about the new project (a lockfile that
            could not be made).

    Returns:
        The absolute path of the new project.

    Raises:
        TrackError: No track was chosen where none can be asked, or it is not one of the
            template's tracks.
        AnswersError: An answer is unknown, malformed or rejected by the template, or the
            package name is the name of a library the project installs.
        DestinationError: DEST is a file or a non-empty folder, or cannot be written.
        TemplateError: The template could not be read or rendered.
        Terminated: A signal arrived, or Ctrl-C was pressed at a question, while rendering;
            its ``outcome`` says what was left (nothing, or the whole project when the
            signal came as it was moved into place).
    """
    template = load_template()
    target = _staging.resolve_destination(dest)
    answers = collect_answers(template, track, name, data, answers_file)
    prompt = interactive and not defaults
    if "track" not in answers and not prompt:
        raise no_track_error(template)
    user_defaults: dict[str, str] = {}
    if "project_name" not in answers:
        user_defaults["project_name"] = target.name
    _staging.check_destination(target)
    _staging.remove_stale_staging(target)
    _render(template, target, answers, user_defaults, prompt=prompt, notes=notes)
    return target


def _render(
    template: Template,
    dest: Path,
    answers: dict[str, Any],
    user_defaults: dict[str, str],
    *,
    prompt: bool,
    notes: list[str] | None = None,
) -> None:
    identity = rendered_identity(template)
    staging: Path | None = None
    with SignalGuard() as guard:
        try:
            with guard.held():
                staging = _staging.make_staging(dest)
            guard.raise_pending()
            _copier.copy(
                template.root,
                staging,
                data=answers,
                user_defaults=user_defaults,
                prompt=prompt,
                # A clone renders its working tree; without a ref Copier would pick a tag.
                vcs_ref="HEAD" if template.is_git_clone else None,
            )
            stamp_answers(
                staging / template.answers_file,
                template.answers_file,
                src=str(template.root),
                commit=identity.label,
                note=identity.note,
            )
            lock_note = complete_lock(staging)
            if lock_note and notes is not None:
                notes.append(lock_note)
            with guard.held():
                _staging.move_into_place(staging, dest)
                guard.outcome = f"the whole project was created in {dest}"
        except BaseException as exc:
            if staging is not None:
                with guard.held():
                    shutil.rmtree(staging, ignore_errors=True)
            # Once moved into place, the project stays, whatever interrupts what follows.
            guard.reraise_if_signalled(exc, guard.outcome or NOTHING_CREATED)
            if isinstance(exc, KeyboardInterrupt):
                # Ctrl-C at a question: the prompt reads it as a key, not as a signal.
                raise Terminated(signal.SIGINT, NOTHING_CREATED) from exc
            if isinstance(exc, AnswersError):
                raise AnswersError(exc.message + derived_hint(exc.message, answers, dest)) from exc
            raise
