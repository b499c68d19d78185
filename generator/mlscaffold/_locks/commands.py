"""``mlscaffold locks``: keep the lockfiles the template ships true to its dependencies.

The modules that do the work are imported when a command runs, so that every other command
starts without them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from mlscaffold._locks import LockError
from mlscaffold._template import PACKAGE_DIR, load_template

if TYPE_CHECKING:
    from mlscaffold._locks.refresh import Refreshed


@click.group()
def locks() -> None:
    """Keep the template's lockfiles true (for mlscaffold's maintainers).

    The template stores a uv.lock and pip constraints for each track and Python version in
    templates/locks/; every new project gets its own from them. See docs/locks.md.
    """


@locks.command()
@click.option(
    "--upgrade",
    is_flag=True,
    help="Resolve every package anew, to the newest releases. Default: keep every pin that "
    "still fits and resolve only what the dependency change needs.",
)
@click.option("--track", "tracks", multiple=True, metavar="TRACK", help="Only this track.")
@click.option(
    "--python", "pythons", multiple=True, metavar="VERSION", help="Only this Python version."
)
@click.option("--uv", metavar="PATH", help="The uv to run. Default: $MLSCAFFOLD_UV, else PATH.")
def refresh(
    upgrade: bool, tracks: tuple[str, ...], pythons: tuple[str, ...], uv: str | None
) -> None:
    """Re-lock the stored locks after a dependency change (needs the package index).

    uv needs a Python of each version locked; it finds one on PATH or among the Pythons it
    manages, and downloads one it lacks when it can. A lock that fails leaves its files as they
    were; the command then exits with status 1.
    """
    from mlscaffold._locks.refresh import refresh_locks

    template = load_template()
    if template.root == PACKAGE_DIR / "_template":
        raise LockError(
            "refresh writes the template's files, so it runs from a clone of mlscaffold; this "
            "mlscaffold runs from an installed copy"
        )
    results = refresh_locks(
        template, tracks=tracks, pythons=pythons, upgrade=upgrade, uv=uv, progress=_show
    )
    failed = [r.target.label for r in results if r.status == "failed"]
    if failed:
        raise LockError(
            f"{len(failed)} of {len(results)} locks could not be refreshed ({'; '.join(failed)}); "
            "their stored files are unchanged"
        )


@locks.command()
@click.argument("project", required=False, type=click.Path(path_type=Path, file_okay=False))
def check(project: Path | None) -> None:
    """Check that the stored locks match the template's pyproject.toml (offline, no uv).

    With PROJECT, check that project's uv.lock and constraints.txt instead.
    """
    from mlscaffold._locks.check import check_project
    from mlscaffold._locks.stored import check_stored

    if project is not None:
        problems = check_project(project)
        for problem in problems:
            click.echo(f"{project}: {problem}")
        if problems:
            raise LockError(f"{project}/uv.lock does not match pyproject.toml: run `make lock`")
        click.echo(f"{project}: uv.lock matches pyproject.toml")
        return
    found = check_stored()
    for target, problems in found.items():
        click.echo(f"{target.label}: {'ok' if not problems else 'stale'}")
        for problem in problems:
            click.echo(f"  {problem}")
    stale = [target.label for target, problems in found.items() if problems]
    if stale:
        raise LockError(
            f"stored locks do not match the template ({'; '.join(stale)}): run "
            "`mlscaffold locks refresh`"
        )


def _show(result: Refreshed) -> None:
    label = f"{result.target.label}: {result.status}"
    if result.status != "failed":
        click.echo(f"{label} ({result.detail}, {result.seconds:g} s)")
        return
    click.echo(label)
    click.echo("\n".join(f"  {line}" for line in result.detail.splitlines()))
