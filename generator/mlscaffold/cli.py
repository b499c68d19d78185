"""The ``mlscaffold`` command line.

Each command parses its options, makes one call into the core and prints the result. Errors are
translated in one place, :class:`_Group`: a user error becomes a red ``Error: ...`` line on stderr
and exit status 1; click's usage errors keep status 2. ``update`` exits with status 3 when it
leaves (or, with --dry-run, would leave) files with conflicts to resolve.
"""

from __future__ import annotations

import json
import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mlscaffold import __version__
from mlscaffold._audit import audit_repository, format_report
from mlscaffold._audit.report import FORMATS, format_markdown, format_sarif
from mlscaffold._locks.commands import locks
from mlscaffold._new import create_project
from mlscaffold._releases.listing import format_releases, list_releases
from mlscaffold._template import load_template
from mlscaffold._update import format_update, update_project
from mlscaffold.errors import MlscaffoldError, Terminated

if TYPE_CHECKING:
    _ChoiceBase = click.Choice[str]
else:  # click < 8.4 is not generic at run time
    _ChoiceBase = click.Choice


EXIT_CONFLICTS = 3
"""Exit status of ``update`` when conflicts remain to be resolved."""


def _is_user_error(exc: BaseException) -> bool:
    if isinstance(exc, MlscaffoldError):
        return True
    # Copier is imported only by commands that render; when it was not, it raised nothing.
    copier_errors = sys.modules.get("copier.errors")
    return copier_errors is not None and isinstance(exc, copier_errors.UserMessageError)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _stopped_by_ctrl_c(outcome: str | None = None) -> click.exceptions.Exit:
    told = f"; {outcome}" if outcome else ""
    click.secho(f"Error: stopped by SIGINT (Ctrl-C){told}", fg="red", err=True)
    return click.exceptions.Exit(128 + signal.SIGINT)


class _Group(click.Group):
    """A click group that reports user errors as one red line instead of a traceback.

    Ctrl-C (SIGINT) exits with status 130 wherever it lands: click alone would report
    "Aborted!" with status 1 outside a command. Once a command has returned, SIGINT is ignored:
    its work is done and its result stands.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        previous = signal.getsignal(signal.SIGINT) if _in_main_thread() else None
        try:
            return super().main(*args, **kwargs)
        finally:
            # A caller in this process (a test, another program) keeps its own Ctrl-C handling.
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except KeyboardInterrupt:
            raise _stopped_by_ctrl_c("nothing was changed") from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            if _in_main_thread():
                # Inside the try: installing a handler first runs a pending one.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
        except Terminated as exc:
            name = signal.Signals(exc.signum).name
            click.secho(f"Error: stopped by {name}; {exc.outcome}", fg="red", err=True)
            raise click.exceptions.Exit(128 + exc.signum) from None
        except KeyboardInterrupt:
            # Outside the work a command guards (which reports what it left behind as
            # Terminated), so what was done is not known here.
            raise _stopped_by_ctrl_c() from None
        except Exception as exc:
            if not _is_user_error(exc):
                raise
            click.secho(f"Error: {exc}", fg="red", err=True)
            raise click.exceptions.Exit(1) from None
        return result


class _TrackChoice(_ChoiceBase):
    """``click.Choice`` over the tracks in ``copier.yml``, read when first needed."""

    def __init__(self) -> None:
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        """The track names."""
        return load_template().track_names

    @choices.setter
    def choices(self, value: tuple[str, ...]) -> None:
        """Ignore click's assignment: the choices always come from ``copier.yml``."""


def _parse_data(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", ctx=ctx, param=param)
        parsed[key.strip()] = value
    return parsed


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="mlscaffold", message="%(prog)s %(version)s"
)
def main() -> None:
    """Create production-style ML repositories from one Copier template."""


@main.command()
@click.argument("dest", type=click.Path(path_type=Path))
@click.option(
    "--track",
    type=_TrackChoice(),
    help="Kind of project (see `mlscaffold tracks`). Asked in a terminal when left out; "
    "optional when --answers-file sets it.",
)
@click.option("--name", help="Project name. Default: the name of the DEST folder.")
@click.option(
    "--defaults", is_flag=True, help="Never prompt; use defaults for unanswered questions."
)
@click.option(
    "--data",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_parse_data,
    help="Answer a question (repeatable), for example --data author_name='Risk Team'.",
)
@click.option(
    "--answers-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML file of answers, for example examples/rag.yml or another project's "
    ".copier-answers.yml.",
)
def new(
    dest: Path,
    track: str | None,
    name: str | None,
    defaults: bool,
    data: dict[str, str],
    answers_file: Path | None,
) -> None:
    """Create a new project in DEST (a new or empty folder).

    Questions left unanswered, the track included, are asked in a terminal; otherwise, and with
    --defaults, they take the template's defaults (the track has none: pass --track).
    """
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    notes: list[str] = []
    project = create_project(
        dest,
        track,
        name=name,
        data=data,
        answers_file=answers_file,
        defaults=defaults,
        interactive=interactive,
        notes=notes,
    )
    try:
        folder = shlex.quote(str(dest))
        click.echo(
            f"Created {project}\n"
            "\n"
            "Next steps:\n"
            f"  cd {folder}\n"
            "  make setup all test   # create .venv, run the pipeline end to end, run the tests\n"
            "  make serve            # serve the model over HTTP\n"
            "\n"
            "To take template updates later with `mlscaffold update`, make the project a git\n"
            "repository and commit it first:\n"
            '  git init && git add -A && git commit -m "Create project with mlscaffold"'
        )
        for note in notes:
            click.secho(f"Warning: {note}", fg="yellow", err=True)
    except KeyboardInterrupt:
        # SIGINT once the project exists: say that it does.
        raise Terminated(signal.SIGINT, f"the whole project was created in {project}") from None


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def tracks(as_json: bool) -> None:
    """List the tracks, the kinds of project `new` can create."""
    found = load_template().tracks
    if as_json:
        rows = [{"name": t.name, "description": t.description} for t in found]
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(t.name) for t in found)
    for t in found:
        click.echo(f"{t.name:<{width}}  {t.description}")


@main.command()
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default=None,
    help="table (default) for people; json for CI; markdown for a pull-request comment; sarif "
    "(2.1.0) for code scanning, showing each failed check at its file and line.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=0,
    metavar="SCORE",
    help="Exit with status 1 when the score is below SCORE (0-100). Default: 0, never.",
)
def audit(path: Path, output_format: str | None, as_json: bool, fail_under: float) -> None:
    """Score the repository in PATH (default: here) against the production checklist.

    Works on any repository, generated or not, whatever its task runner (make, just, mise, nox,
    tox, poe, hatch, pdm, invoke, Task). Files are only read, never imported or run; huge,
    binary, unreadable and out-of-tree files are skipped and counted. Each check shows where its
    evidence was found, or what to add; the score is the weighted share of passed checks. The
    ML Test Score (Breck et al., 2017) is reported beside it, over the rubric items files show.
    """
    if as_json and output_format not in (None, "json"):
        raise click.UsageError("--json is --format json; pass one of them")
    chosen = "json" if as_json else output_format or "table"
    report = audit_repository(path)
    if chosen == "json":
        click.echo(json.dumps(report.to_dict(), indent=2))
    elif chosen == "sarif":
        click.echo(json.dumps(format_sarif(report), indent=2))
    elif chosen == "markdown":
        click.echo(format_markdown(report), nl=False)
    else:
        click.echo(format_report(report))
    if report.score < fail_under:
        click.echo(f"score {report.score:g} is below --fail-under {fail_under:g}", err=True)
        raise click.exceptions.Exit(1)


@main.command()
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option(
    "--to",
    metavar="VERSION",
    help="Template release to update to, for example 0.2.0. Default: the newest release "
    "available (see `mlscaffold releases`).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Update a throwaway copy and list what would change; PATH is not touched.",
)
@click.option(
    "--data",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_parse_data,
    help="Change an answer (repeatable), for example --data description='Card fraud scoring'.",
)
@click.option(
    "--template-repo",
    metavar="REPO",
    help="Template git repository to read releases from (a clone or fork of mlscaffold, or a "
    "URL). Default: $MLSCAFFOLD_TEMPLATE_REPO, else the releases this mlscaffold carries "
    "(works offline).",
)
def update(
    path: Path, to: str | None, dry_run: bool, data: dict[str, str], template_repo: str | None
) -> None:
    """Update the project in PATH (default: here) to a later template release.

    Template changes are merged into your edits with a three-way merge. Files the template moved
    are moved first, with your edits, in a commit; the other changes are left uncommitted for
    review. Lines changed by both sides are written inline between conflict markers and listed
    at the end (exit status 3). PATH must be a git repository without uncommitted changes; a
    failed or interrupted update leaves it as it was.
    """
    report = update_project(path, to=to, data=data, dry_run=dry_run, template_repo=template_repo)
    click.echo(format_update(report))
    if report.conflicts:
        raise click.exceptions.Exit(EXIT_CONFLICTS)


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--template-repo",
    metavar="REPO",
    help="Read releases from this repository instead, as `update --template-repo` would.",
)
def releases(path: Path | None, template_repo: str | None) -> None:
    """List the template releases `update` can reach, and which one the project in PATH is on.

    Without PATH, the current folder is placed among the releases when it is a project made by
    mlscaffold.
    """
    click.echo(format_releases(list_releases(path, template_repo)))


main.add_command(locks)
