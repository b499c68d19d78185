"""``mlscaffold releases``: the known template releases, and which one a project is on."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from mlscaffold._releases.identify import Identity
from mlscaffold._releases.locate import locate, rendered_identity
from mlscaffold._releases.registry import Release
from mlscaffold._releases.sources import Point
from mlscaffold._template import load_template
from mlscaffold.errors import MlscaffoldError


@dataclass(frozen=True)
class ReleaseListing:
    """The releases an update can reach, and where a project stands.

    Attributes:
        origin: Where the releases were read from.
        releases: The releases, oldest first.
        current: What ``new`` records for the template this mlscaffold renders.
        project: The project asked about, if any.
        project_point: What the project's recorded version resolves to.
        project_problem: Why the project's version could not be resolved.
    """

    origin: str
    releases: tuple[Release, ...]
    current: Identity
    project: Path | None = None
    project_point: Point | None = None
    project_problem: str | None = None


def list_releases(project: Path | None = None, template_repo: str | None = None) -> ReleaseListing:
    """The known releases (from the source an update would read) and a project's release.

    Args:
        project: A generated project to place among the releases; by default the current
            folder, when it holds an answers file.
        template_repo: Read releases from this repository instead (as ``update`` would).

    Raises:
        ReleaseError: The releases cannot be read.
        UpdateError: ``project`` is not a project made by mlscaffold.
    """
    from mlscaffold._update import preflight

    template = load_template()
    with tempfile.TemporaryDirectory(prefix="mlscaffold-releases-") as scratch:
        source = locate(template, template_repo, Path(scratch))
        listing = ReleaseListing(source.origin, source.releases, rendered_identity(template))
        if project is None and Path(template.answers_file).is_file():
            project = Path()
        if project is None:
            return listing
        folder = preflight.resolve_project(project)
        answers = preflight.read_project_answers(
            folder / template.answers_file, template, template_repo
        )
        try:
            point = source.resolve(str(answers["_commit"]))
        except MlscaffoldError as exc:
            return replace(listing, project=folder, project_problem=str(exc))
        return replace(listing, project=folder, project_point=point)


def format_releases(listing: ReleaseListing) -> str:
    """The table ``mlscaffold releases`` prints."""
    on = listing.project_point.release if listing.project_point else None
    lines = [f"Template releases in {listing.origin}:"]
    for release in reversed(listing.releases):
        mark = "*" if on == release else " "
        lines.append(
            f" {mark} {release.tag:<10} {release.date:<10}  {release.commit[:12]}  {release.notes}"
        )
    if not listing.releases:
        lines.append("   (none)")
    lines.append("")
    lines.append(f"mlscaffold new records: {listing.current.label}")
    if listing.project is not None:
        point = listing.project_point
        if point is not None and point.release is not None:
            lines.append(f"{listing.project} is on release {point.release.tag} (marked *)")
        elif point is not None:
            lines.append(
                f"{listing.project} is on unreleased template commit {point.commit[:12]} "
                f"({point.label}), after release v{point.base}"
            )
        else:
            lines.append(f"{listing.project}: {listing.project_problem}")
    return "\n".join(lines)
