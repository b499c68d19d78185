"""Answers: collect and check them before rendering, and keep the answers file honest.

A project's answers file (``.copier-answers.yml``) holds its answers plus where its template
came from: ``_src_path``, the folder it was rendered from (a clone of mlscaffold, or the template
inside an installed mlscaffold), and ``_commit``, the template version (a release tag such as
``v0.1.0``, or a described commit between releases; see :mod:`mlscaffold._releases.identify`).
:data:`VERSION_KEY` records the mlscaffold version. The file is input to check, never to trust:
``_src_path`` must name mlscaffold's own template before anything uses it.
"""

from __future__ import annotations

import difflib
import os
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

import yaml

from mlscaffold import __version__
from mlscaffold._releases.locate import is_url
from mlscaffold._releases.sources import TEMPLATE_REPO_ENV
from mlscaffold._template import Template
from mlscaffold.errors import AnswersError, TemplateError, TrackError

VERSION_KEY = "_mlscaffold_version"
"""Key added to a project's answers file: the mlscaffold version that created or updated it."""


def collect_answers(
    template: Template,
    track: str | None,
    name: str | None,
    data: Mapping[str, str] | None,
    answers_file: str | os.PathLike[str] | None,
) -> dict[str, Any]:
    """The answers to render with: the answers file, then ``data``, then ``name``.

    ``track`` may be ``None``: the answers file or ``data`` may set it, or the template asks.

    Raises:
        TrackError: Tracks given in several places disagree, or the track is unknown.
        AnswersError: An answer is unknown or malformed, or the answers file is unusable.
    """
    from_file = read_answers_file(template, Path(answers_file)) if answers_file else {}
    from_data = dict(data or {})
    check_keys(template, from_data, "--data")
    sources = [
        ("--track", track),
        ("--data track=...", from_data.get("track")),
        (f"answers file {answers_file}", from_file.get("track")),
    ]
    given = [(source, value) for source, value in sources if value is not None]
    answers: dict[str, Any] = {**from_file, **from_data}
    if given:
        if len({value for _, value in given}) > 1:
            found = ", ".join(f"{value!r} from {source}" for source, value in given)
            raise TrackError(f"conflicting tracks: {found}; keep one of them or make them agree")
        chosen = given[0][1]
        if not isinstance(chosen, str) or chosen not in template.track_names:
            raise TrackError(
                f"unknown track {chosen!r} (from {given[0][0]}); choose one of "
                f"{listing(template.track_names)} (see `mlscaffold tracks`)"
            )
        answers["track"] = chosen
    if name is not None:
        answers["project_name"] = name
    return answers


def no_track_error(template: Template) -> TrackError:
    """The error for a track that was not chosen where no question can be asked."""
    return TrackError(
        f"no track chosen: pass --track with one of {listing(template.track_names)}, "
        "or an --answers-file that sets 'track' (in a terminal, `new` asks)"
    )


def read_answers_file(template: Template, path: Path) -> dict[str, Any]:
    """The answers in a YAML file, checked against the template's questions.

    Copier's own keys (``_src_path``, ``_commit``) and mlscaffold's stamp are dropped, after
    ``_src_path`` is checked to name mlscaffold's template.

    Raises:
        AnswersError: The file is missing, unreadable, not a mapping, from another template, or
            has unknown keys or answers of the wrong type.
    """
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
    if src is not None and not is_own_template(str(src), template):
        raise AnswersError(
            f"answers file {path} comes from another template (_src_path: {src}); mlscaffold "
            "renders only its own template, so pass an answers file written by mlscaffold"
        )
    answers = {key: value for key, value in loaded.items() if not key.startswith("_")}
    check_keys(template, answers, f"answers file {path}")
    for key, value in answers.items():
        question = template.question(key)
        if question is not None and question.type == "str" and not isinstance(value, str):
            what = "empty" if value is None else f"read as {type(value).__name__} {value!r}"
            raise AnswersError(
                f"answer '{key}' in answers file {path} is {what}, but the question expects "
                f'text; quote it, for example {key}: "..."'
            )
    return answers


def check_keys(template: Template, answers: Mapping[str, Any], source: str) -> None:
    """Refuse answers to questions the template does not ask, suggesting the closest one.

    Raises:
        AnswersError: A key is not a question.
    """
    refuse_unknown(answers, template.question_names, source)


def refuse_unknown(keys: Iterable[str], valid: Sequence[str], source: str) -> None:
    """Refuse keys that are not among ``valid`` question names, suggesting the closest one.

    Raises:
        AnswersError: A key is not a question.
    """
    for key in keys:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise AnswersError(
                f"unknown answer '{key}' in {source}; {hint}valid keys: {', '.join(valid)}"
            )


def is_own_template(src: str, template: Template) -> bool:
    """Whether an answers file's ``_src_path`` names mlscaffold's template.

    Accepted: this installation's template, the ``mlscaffold/_template`` folder of any other
    installation, a clone of the mlscaffold repository, a git URL of a repository named
    ``mlscaffold`` (what projects made by release 0.1.0 record), and the repository named by
    ``MLSCAFFOLD_TEMPLATE_REPO``.
    """
    if src == os.environ.get(TEMPLATE_REPO_ENV, "").strip():
        return True
    if is_url(src):
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


def stamp_answers(
    answers_path: Path,
    answers_file: str,
    *,
    src: str,
    commit: str,
    version: str = __version__,
    note: str | None = None,
) -> None:
    """Record in a project's answers file where its template came from.

    ``_src_path`` becomes ``src`` and ``_commit`` ``commit``; :data:`VERSION_KEY` is set to
    ``version``. Leading comment lines are kept, except an earlier note; ``note`` is added as
    one more.

    Raises:
        TemplateError: The template did not write the answers file, or wrote no mapping.
    """
    if not answers_path.is_file():
        raise TemplateError(
            f"the template did not write {answers_file}, so the project could not be updated "
            "later; the template needs a '{{ _copier_conf.answers_file }}.jinja' file"
        )
    text = answers_path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)[: _leading_comments(text)]
    header = _drop_continued_note("".join(lines))
    loaded = yaml.safe_load(text) or {}
    if not isinstance(loaded, dict):
        raise TemplateError(f"{answers_file} is not a YAML mapping; this is a template bug")
    loaded.pop(VERSION_KEY, None)
    loaded.update({"_src_path": src, "_commit": commit})
    if note:
        wrapped = textwrap.wrap(f"{VERSION_KEY}: {note}", 96, subsequent_indent="  ")
        header += "".join(f"# {line}\n" for line in wrapped)
    answers_path.write_text(
        header
        + yaml.safe_dump(loaded, default_flow_style=False, allow_unicode=True, sort_keys=True)
        + yaml.safe_dump({VERSION_KEY: version}, default_flow_style=False),
        encoding="utf-8",
    )


def _drop_continued_note(header: str) -> str:
    # A note's continuation lines are indented; they go with the note they continue.
    kept: list[str] = []
    dropping = False
    for line in header.splitlines(keepends=True):
        if line.startswith(f"# {VERSION_KEY}:"):
            dropping = True
            continue
        if dropping and line.startswith("#   "):
            continue
        dropping = False
        kept.append(line)
    return "".join(kept)


def _leading_comments(text: str) -> int:
    lines = text.splitlines()
    return next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))


def derived_hint(message: str, answers: Mapping[str, Any], dest: Path) -> str:
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


def listing(names: tuple[str, ...]) -> str:
    """Names joined for a message."""
    return ", ".join(names)
