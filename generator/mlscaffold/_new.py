"""Create a new project from the template.

Answers are checked against ``copier.yml`` first; the template is then rendered into a hidden
staging folder next to the destination, which is moved into place only when rendering succeeded.
An error, Ctrl-C or SIGTERM removes the staging folder, so the destination either holds the whole
project or does not exist. A staging folder left by a killed process is removed by the next run
for the same destination.

The answers file then records the template repository as ``_src_path`` and the release it was
rendered from as ``_commit`` (see :func:`mlscaffold._template.rendered_commit`), whichever copy
of the template was rendered, so that ``mlscaffold update`` (or ``copier update``) can take later
releases into the project.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import secrets
import shutil
import signal
import textwrap
import threading
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import yaml

from mlscaffold import __version__
from mlscaffold._template import Template, load_template, rendered_commit, template_repository
from mlscaffold.errors import (
    AnswersError,
    DestinationError,
    TemplateError,
    Terminated,
    TrackError,
)

VERSION_KEY = "_mlscaffold_version"
"""Key added to a project's answers file: the mlscaffold version that created the project."""

_STAGING_MARK = ".mlscaffold-"
# Copier raises a plain ValueError for a bad answer; these are the messages it starts with.
_ANSWER_ERROR_PREFIXES = ("Validation error for question ", "Invalid choice for ", "Question ")
_URL_PREFIXES = ("gh:", "gl:", "git@", "git+")


def create_project(
    dest: str | os.PathLike[str],
    track: str | None = None,
    *,
    name: str | None = None,
    data: Mapping[str, str] | None = None,
    answers_file: str | os.PathLike[str] | None = None,
    defaults: bool = False,
    interactive: bool = False,
) -> Path:
    """Create a new project in DEST from the template's TRACK.

    Answers come from the answers file, then ``data``, then ``name`` (later ones win). The track
    may be left out when the answers file sets it. The project name defaults to the destination
    folder's name; the other questions take the template's defaults unless prompted for.

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

    Returns:
        The absolute path of the new project.

    Raises:
        TrackError: No track was chosen, or it is not one of the template's tracks.
        AnswersError: An answer is unknown, malformed or rejected by the template.
        DestinationError: DEST is a file or a non-empty folder, or cannot be written.
        TemplateError: The template could not be read or rendered.
        Terminated: SIGTERM or SIGHUP arrived while rendering (nothing was left behind).
    """
    template = load_template()
    target = _resolve_destination(dest)
    answers = _collect_answers(template, track, name, data, answers_file)
    user_defaults: dict[str, str] = {}
    if "project_name" not in answers:
        user_defaults["project_name"] = target.name
    _check_destination(target)
    _remove_stale_staging(target)
    _render(template, target, answers, user_defaults, prompt=interactive and not defaults)
    return target


# Answers


def _collect_answers(
    template: Template,
    track: str | None,
    name: str | None,
    data: Mapping[str, str] | None,
    answers_file: str | os.PathLike[str] | None,
) -> dict[str, Any]:
    from_file = _read_answers_file(template, Path(answers_file)) if answers_file else {}
    from_data = dict(data or {})
    _check_keys(template, from_data, "--data")

    sources = [
        ("--track", track),
        ("--data track=...", from_data.get("track")),
        (f"answers file {answers_file}", from_file.get("track")),
    ]
    given = [(source, value) for source, value in sources if value is not None]
    if not given:
        raise TrackError(
            f"no track chosen: pass --track with one of {_listing(template.track_names)}, "
            "or an --answers-file that sets 'track'"
        )
    if len({value for _, value in given}) > 1:
        found = ", ".join(f"{value!r} from {source}" for source, value in given)
        raise TrackError(f"conflicting tracks: {found}; keep one of them or make them agree")
    chosen = given[0][1]
    if not isinstance(chosen, str) or chosen not in template.track_names:
        raise TrackError(
            f"unknown track {chosen!r} (from {given[0][0]}); choose one of "
            f"{_listing(template.track_names)} (see `mlscaffold tracks`)"
        )

    answers: dict[str, Any] = {**from_file, **from_data, "track": chosen}
    if name is not None:
        answers["project_name"] = name
    return answers


def _read_answers_file(template: Template, path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AnswersError(f"answers file {path} does not exist; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise AnswersError(
            f"cannot read answers file {path} ({reason}); pass a readable YAML file"
        ) from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise AnswersError(
            f"answers file {path} is not valid YAML ({problem}{line}); fix the file"
        ) from None
    if not isinstance(loaded, dict):
        found = "nothing" if loaded is None else f"a {type(loaded).__name__}"
        raise AnswersError(
            f"answers file {path} must be a YAML mapping of question names to answers "
            f"(like 'track: {template.track_names[0]}'), but it holds {found}; fix the file"
        )
    for key in loaded:
        if not isinstance(key, str):
            raise AnswersError(
                f"answers file {path} has a non-text key {key!r}; keys are question names"
            )
    src = loaded.get("_src_path")
    if src is not None and not _is_own_template(str(src), template):
        raise AnswersError(
            f"answers file {path} comes from another template (_src_path: {src}); mlscaffold "
            "renders only its own template, so pass an answers file written by mlscaffold"
        )
    # Copier's own keys (_src_path, _commit) and mlscaffold's stamp are not answers.
    answers = {key: value for key, value in loaded.items() if not key.startswith("_")}
    _check_keys(template, answers, f"answers file {path}")
    for key, value in answers.items():
        question = template.question(key)
        if question is not None and question.type == "str" and not isinstance(value, str):
            what = "empty" if value is None else f"read as {type(value).__name__} {value!r}"
            raise AnswersError(
                f"answer '{key}' in answers file {path} is {what}, but the question expects "
                f'text; quote it, for example {key}: "..."'
            )
    return answers


def _check_keys(template: Template, answers: Mapping[str, Any], source: str) -> None:
    valid = template.question_names
    for key in answers:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise AnswersError(
                f"unknown answer '{key}' in {source}; {hint}valid keys: {_listing(valid)}"
            )


def _is_own_template(src: str, template: Template) -> bool:
    """Whether an answers file's ``_src_path`` names mlscaffold's template.

    Accepted: this installation's template, the ``mlscaffold/_template`` folder of any other
    installation, a clone of the mlscaffold repository, and a git URL of a repository named
    ``mlscaffold``, or the repository named by ``MLSCAFFOLD_TEMPLATE_REPO``.
    """
    if src == template_repository():
        return True
    if "://" in src or src.startswith(_URL_PREFIXES):
        tail = src.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        return tail.removesuffix(".git") == "mlscaffold"
    path = Path(src).expanduser()
    with suppress(OSError, RuntimeError):
        path = path.resolve()
    if path == template.root.resolve():
        return True
    if path.parts[-2:] == ("mlscaffold", "_template"):
        return True
    return (path / "generator" / "mlscaffold" / "__init__.py").is_file()


def _listing(names: tuple[str, ...]) -> str:
    return ", ".join(names)


# Destination and staging


def _resolve_destination(dest: str | os.PathLike[str]) -> Path:
    try:
        return Path(dest).expanduser().resolve()
    except (OSError, RuntimeError) as exc:
        raise DestinationError(
            f"cannot use {dest} as the destination ({exc}); choose another folder"
        ) from None


def _check_destination(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise DestinationError(f"destination {dest} is a file; choose a new folder for the project")
    if dest.is_dir() and any(dest.iterdir()):
        raise DestinationError(
            f"destination {dest} already exists and is not empty; choose a new folder or "
            "empty this one"
        )


def _staging_pattern(dest: Path) -> re.Pattern[str]:
    return re.compile(re.escape(f".{dest.name}{_STAGING_MARK}") + r"(\d+)-[0-9a-f]+")


def _pid_alive(pid: int) -> bool:
    if pid <= 0 or os.name == "nt":
        # Windows has no signal-0 probe; leave the folder alone.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove_stale_staging(dest: Path) -> None:
    """Remove staging folders for ``dest`` whose process is gone (killed with SIGKILL)."""
    pattern = _staging_pattern(dest)
    try:
        entries = list(os.scandir(dest.parent))
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match and entry.is_dir(follow_symlinks=False) and not _pid_alive(int(match.group(1))):
            shutil.rmtree(entry.path, ignore_errors=True)


def _make_staging(dest: Path) -> Path:
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        while True:
            staging = (
                dest.parent / f".{dest.name}{_STAGING_MARK}{os.getpid()}-{secrets.token_hex(4)}"
            )
            with suppress(FileExistsError):
                staging.mkdir()
                return staging
    except OSError as exc:
        raise DestinationError(
            f"cannot create the project next to {dest} ({exc.strerror or exc}); choose a "
            "folder you can write to"
        ) from None


def _move_into_place(staging: Path, dest: Path) -> None:
    """Move the rendered project to ``dest``.

    A missing destination is a single rename. An existing empty folder is kept (it may be the
    shell's working directory, or a mount point) and receives the project's top-level entries;
    if one move fails, the moved ones go back to the staging folder.
    """
    try:
        if not dest.is_dir():
            staging.rename(dest)
            return
        moved: list[Path] = []
        try:
            for entry in sorted(staging.iterdir()):
                entry.rename(dest / entry.name)
                moved.append(entry)
        except OSError:
            for entry in reversed(moved):
                with suppress(OSError):
                    (dest / entry.name).rename(entry)
            raise
        staging.rmdir()
    except OSError as exc:
        raise DestinationError(
            f"cannot move the new project into {dest} ({exc.strerror or exc}); make sure it "
            "does not exist or is an empty folder you can write to"
        ) from None


def stamp_answers(
    answers_path: Path,
    answers_file: str,
    *,
    commit: str,
    version: str = __version__,
    note: str | None = None,
) -> None:
    """Record in a project's answers file where its template came from.

    ``_src_path`` becomes the template repository (:func:`template_repository`) and ``_commit``
    ``commit``, so that ``copier update`` and ``mlscaffold update`` can find the version the
    project was rendered from; :data:`VERSION_KEY` is set to ``version``. Leading comment lines
    are kept; ``note`` is added as one more.
    """
    if not answers_path.is_file():
        raise TemplateError(
            f"the template did not write {answers_file}, so the project could not be updated "
            "later; the template needs a '{{ _copier_conf.answers_file }}.jinja' file"
        )
    text = answers_path.read_text(encoding="utf-8")
    header = "".join(line for line in text.splitlines(keepends=True)[: _leading_comments(text)])
    loaded = yaml.safe_load(text) or {}
    if not isinstance(loaded, dict):
        raise TemplateError(f"{answers_file} is not a YAML mapping; this is a template bug")
    loaded.pop(VERSION_KEY, None)
    loaded.update({"_src_path": template_repository(), "_commit": commit})
    if note:
        header += "".join(f"# {line}\n" for line in textwrap.wrap(f"{VERSION_KEY}: {note}", 96))
    answers_path.write_text(
        header
        + yaml.safe_dump(loaded, default_flow_style=False, allow_unicode=True, sort_keys=True)
        + yaml.safe_dump({VERSION_KEY: version}, default_flow_style=False),
        encoding="utf-8",
    )


def _leading_comments(text: str) -> int:
    lines = text.splitlines()
    return next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))


def _derived_hint(message: str, answers: Mapping[str, Any], dest: Path) -> str:
    """Say where a rejected answer came from when the user did not give it."""
    if "'project_name'" in message and "project_name" not in answers:
        return (
            f" (the project name was taken from the folder name '{dest.name}'; "
            "pass --name to choose it)"
        )
    if "'package_name'" in message and "package_name" not in answers:
        return (
            " (the package name was derived from the project name; pass "
            "--data package_name=NAME to choose it)"
        )
    return ""


# Signals


class _SignalGuard:
    """Turn SIGINT, SIGTERM and SIGHUP into exceptions while active, or hold them back.

    Inside :meth:`held`, a signal is remembered instead of raising; once the guard is left
    without an exception, a held signal is delivered again to the handler that was in place
    before. After the first signal raises, later ones are held, so cleanup runs to the end.
    """

    def __init__(self) -> None:
        self._holding = False
        self._pending: int | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._holding:
            self._pending = self._pending or signum
            return
        self._holding = True
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signum)

    def __enter__(self) -> _SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for name in ("SIGINT", "SIGTERM", "SIGHUP"):
                signum = getattr(signal, name, None)
                if signum is not None:
                    self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._holding = True
        for signum, previous in self._previous.items():
            # None means the handler was not set from Python; the default is the closest.
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)
        if exc_type is None and self._pending is not None:
            signal.raise_signal(self._pending)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold signals back until the block ends."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False


# Rendering


def _render(
    template: Template,
    dest: Path,
    answers: dict[str, Any],
    user_defaults: dict[str, str],
    *,
    prompt: bool,
) -> None:
    with _SignalGuard() as guard:
        staging = _make_staging(dest)
        try:
            _run_copier(template, staging, answers, user_defaults, prompt=prompt, dest=dest)
            rendered = rendered_commit(template)
            stamp_answers(
                staging / template.answers_file,
                template.answers_file,
                commit=rendered.commit,
                note=rendered.note,
            )
            with guard.held():
                _move_into_place(staging, dest)
        except BaseException:
            with guard.held():
                shutil.rmtree(staging, ignore_errors=True)
            raise


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


def _run_copier(
    template: Template,
    staging: Path,
    answers: dict[str, Any],
    user_defaults: dict[str, str],
    *,
    prompt: bool,
    dest: Path,
) -> None:
    # Imported here: copier takes a few tenths of a second to import, which commands that do
    # not render should not pay.
    import copier
    import jinja2
    from copier.errors import CopierError, DirtyLocalWarning, InteractiveSessionError

    try:
        with warnings.catch_warnings(), _without_index_sync(), _compile_each_string_once():
            # Run from a clone, uncommitted template edits are rendered on purpose.
            warnings.simplefilter("ignore", DirtyLocalWarning)
            copier.run_copy(
                str(template.root.resolve()),
                staging,
                data=answers,
                user_defaults=user_defaults,
                defaults=not prompt,
                quiet=True,
                # Default settings, so that ~/.config/copier/settings.yml cannot change the output.
                settings=copier.Settings(),
                unsafe=False,
                # A clone renders its working tree; without a ref Copier would pick the latest tag.
                vcs_ref="HEAD" if template.is_git_clone else None,
            )
    except KeyboardInterrupt:
        raise
    except ValueError as exc:
        message = str(exc)
        if not message.startswith(_ANSWER_ERROR_PREFIXES):
            raise TemplateError(f"the template could not be rendered: {message}") from exc
        raise AnswersError(message + _derived_hint(message, answers, dest)) from exc
    except InteractiveSessionError as exc:
        raise AnswersError(
            "questions cannot be asked without a terminal; pass --defaults, or give the answers "
            "with --data KEY=VALUE or --answers-file"
        ) from exc
    except CopierError as exc:
        raise TemplateError(f"the template could not be rendered: {exc}") from exc
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or getattr(exc, "name", None)
        raise TemplateError(
            f"the template could not be rendered ({where or 'unknown file'}: {exc}); "
            "this is a bug in the template, please report it"
        ) from exc
    except OSError as exc:
        raise DestinationError(
            f"cannot write the project next to {dest} ({exc.strerror or exc}); check the "
            "free space and permissions there"
        ) from exc
    except Exception as exc:
        raise TemplateError(
            f"rendering failed unexpectedly ({type(exc).__name__}: {exc}); nothing was "
            "created; please report this as a bug in mlscaffold"
        ) from exc
