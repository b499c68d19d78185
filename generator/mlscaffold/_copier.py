"""The one module that imports Copier: render a project, or merge a release into one.

Everything Copier raises is translated here, once, into mlscaffold's errors:

- a rejected answer (Copier raises a plain ``ValueError`` that names the question) becomes
  :class:`~mlscaffold.errors.AnswersError`;
- a question that needs a terminal when there is none becomes ``AnswersError`` with the fix;
- a template that fails to render, or any other Copier error, becomes
  :class:`~mlscaffold.errors.TemplateError` (or :class:`~mlscaffold.errors.UpdateError` while
  updating);
- a file that cannot be written becomes :class:`~mlscaffold.errors.DestinationError` (or
  ``UpdateError``).

``KeyboardInterrupt`` (and so :class:`~mlscaffold.errors.Terminated`) passes through untouched.
Copier is imported inside the functions: it takes a few tenths of a second to import, which
commands that do not render should not pay.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from mlscaffold.errors import (
    AnswersError,
    DestinationError,
    MlscaffoldError,
    TemplateError,
    UpdateError,
)

Operation = Literal["copy", "update"]

# Copier raises a plain ValueError for a bad answer; these are the messages it starts with.
_ANSWER_ERRORS = ("Validation error for question ", "Invalid choice for ", "Question ")


def copy(
    template: Path,
    dest: Path,
    *,
    data: Mapping[str, Any],
    user_defaults: Mapping[str, Any],
    prompt: bool,
    vcs_ref: str | None,
) -> None:
    """Render the template in ``template`` into the existing empty folder ``dest``.

    Args:
        template: The folder that holds ``copier.yml``.
        dest: Where the files go.
        data: Answers that are forced.
        user_defaults: Answers that only pre-fill a question.
        prompt: Ask unanswered questions (needs a terminal); otherwise take defaults.
        vcs_ref: For a git template, the ref to render (``HEAD`` renders the working tree).

    Raises:
        AnswersError: An answer was rejected, or a question needs a terminal.
        TemplateError: The template failed to render.
        DestinationError: A file could not be written.
    """
    import copier
    from copier.errors import DirtyLocalWarning

    with _translated("copy"), warnings.catch_warnings(), _fast_render():
        # Run from a clone, uncommitted template edits are rendered on purpose.
        warnings.simplefilter("ignore", DirtyLocalWarning)
        copier.run_copy(
            str(template.resolve()),
            dest,
            data=dict(data),
            user_defaults=dict(user_defaults),
            defaults=not prompt,
            quiet=True,
            # Default settings, so that ~/.config/copier/settings.yml cannot change the output.
            settings=copier.Settings(),
            unsafe=False,
            vcs_ref=vcs_ref,
        )


def update(project: Path, *, data: Mapping[str, Any], vcs_ref: str) -> None:
    """Merge template release ``vcs_ref`` into ``project`` with Copier's three-way merge.

    The project's answers file must name the template repository (``_src_path``) and the
    version it came from (``_commit``). Conflicts are written inline.

    Raises:
        AnswersError: A changed answer was rejected.
        UpdateError: The merge failed.
    """
    import copier

    with _translated("update"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_update(
            project,
            data=dict(data),
            vcs_ref=vcs_ref,
            overwrite=True,
            defaults=True,
            quiet=True,
            unsafe=False,
            conflict="inline",
            settings=copier.Settings(),
        )


@contextlib.contextmanager
def _translated(operation: Operation) -> Iterator[None]:
    import jinja2
    from copier.errors import CopierError, InteractiveSessionError

    failed: type[MlscaffoldError] = TemplateError if operation == "copy" else UpdateError
    try:
        yield
    except (KeyboardInterrupt, MlscaffoldError):
        raise
    except InteractiveSessionError as exc:
        raise AnswersError(
            "questions cannot be asked without a terminal; pass --defaults, or give the answers "
            "with --data KEY=VALUE or --answers-file"
        ) from exc
    except ValueError as exc:
        message = str(exc)
        if message.startswith(_ANSWER_ERRORS):
            raise AnswersError(message) from exc
        raise failed(f"the template could not be rendered: {message}") from exc
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or getattr(exc, "name", None)
        raise failed(
            f"the template could not be rendered ({where or 'unknown file'}: {exc}); "
            "this is a bug in the template, please report it"
        ) from exc
    except CopierError as exc:
        raise failed(f"the template could not be rendered: {exc}") from exc
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        reason = f"{exc.strerror or exc}{where}"
        if operation == "copy":
            raise DestinationError(
                f"cannot write the project ({reason}); check the free space and permissions there"
            ) from exc
        raise UpdateError(f"cannot write the update ({reason})") from exc
    except Exception as exc:
        raise failed(
            f"Copier failed unexpectedly ({type(exc).__name__}: {exc}); please report this as "
            "a bug in mlscaffold"
        ) from exc


@contextlib.contextmanager
def _fast_render() -> Iterator[None]:
    with _without_index_sync(), _compile_each_string_once():
        yield


@contextlib.contextmanager
def _without_index_sync() -> Iterator[None]:
    """Skip Copier's per-file git-index sync of executable bits while rendering a new project.

    Copier runs ``git config`` once per rendered file to keep an existing repository's index in
    step with file modes; that sync only acts on files git already tracks, and a project rendered
    into a fresh staging folder has none, so it would spend a subprocess per file to do nothing.
    """
    import copier._main as copier_main

    worker = getattr(copier_main, "Worker", None)
    original = getattr(worker, "_sync_git_index_executable_bit", None)
    if worker is None or original is None:
        yield
        return
    worker._sync_git_index_executable_bit = lambda *args, **kwargs: None
    try:
        yield
    finally:
        worker._sync_git_index_executable_bit = original


@contextlib.contextmanager
def _compile_each_string_once() -> Iterator[None]:
    """Compile each distinct template string once while a project renders.

    Copier renders every part of every template path (and the answers-file name, once per part)
    through ``Environment.from_string``, which compiles the string anew each time; the same few
    parts (``src``, ``{{ package_name }}``, ``tests``...) recur across hundreds of paths and
    compiling them is most of the render time. A compiled template is immutable, so it is shared.
    Strings that use Copier's ``yield`` tag are left alone: that tag resets its state at compile
    time.
    """
    import jinja2

    original = jinja2.Environment.from_string
    compiled: dict[tuple[int, str], tuple[jinja2.Environment, jinja2.Template]] = {}

    def from_string(
        self: jinja2.Environment,
        source: Any,
        globals: Any = None,
        template_class: Any = None,
    ) -> Any:
        plain = globals is None and template_class is None and isinstance(source, str)
        if not plain or "yield" in source:
            return original(self, source, globals, template_class)
        key = (id(self), source)
        hit = compiled.get(key)
        if hit is None or hit[0] is not self:
            hit = compiled[key] = (self, original(self, source))
        return hit[1]

    jinja2.Environment.from_string = from_string  # type: ignore[method-assign]
    try:
        yield
    finally:
        jinja2.Environment.from_string = original  # type: ignore[method-assign]
