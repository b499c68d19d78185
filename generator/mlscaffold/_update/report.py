"""The update's report: what changed, and how ``mlscaffold update`` prints it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlscaffold._update.renames import Rename


@dataclass(frozen=True)
class UpdateReport:
    """What an update did, or would do with ``dry_run``.

    Attributes:
        project: The project folder.
        from_version: The template version the project came from (its ``_commit``).
        to_version: The release tag it was updated to.
        template_origin: Where the template's history was read from, for the user.
        dry_run: Whether the update ran on a throwaway copy, leaving the project untouched.
        up_to_date: Whether there was nothing to do.
        start_commit: The project's commit before the update, to undo it.
        moved: Renames applied with ``git mv`` (and committed).
        not_moved: Renames skipped because the new path already exists, with that reason.
        changed: Files changed by the update, relative to the project.
        added: Files added.
        removed: Files removed.
        conflicts: Changed or added files holding conflict markers.
    """

    project: Path
    from_version: str
    to_version: str
    template_origin: str
    dry_run: bool = False
    up_to_date: bool = False
    start_commit: str = ""
    moved: tuple[Rename, ...] = ()
    not_moved: tuple[tuple[Rename, str], ...] = ()
    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()


def format_update(report: UpdateReport) -> str:
    """The summary ``mlscaffold update`` prints."""
    versions = f"{report.from_version} -> {report.to_version}"
    if report.up_to_date:
        return (
            f"{report.project} is already at template version {report.to_version}; nothing to "
            "update (pass --to for another release, or --data KEY=VALUE to change an answer)"
        )
    verb = "Would update" if report.dry_run else "Updated"
    lines = [
        f"{verb} {report.project}: template {versions}",
        f"  template history: {report.template_origin}",
    ]

    def section(title: str, paths: Sequence[str]) -> None:
        if paths:
            lines.append("")
            lines.append(f"{title} ({len(paths)}):")
            lines.extend(f"  {path}" for path in paths)

    if report.moved:
        how = "would be moved" if report.dry_run else "moved and committed"
        lines.append("")
        lines.append(f"Files the template renamed, {how} with your edits ({len(report.moved)}):")
        lines.extend(f"  {r.source} -> {r.target}  (v{r.version})" for r in report.moved)
    if report.not_moved:
        lines.append("")
        lines.append("Renames not applied:")
        lines.extend(f"  {r.source} -> {r.target}: {why}" for r, why in report.not_moved)
    section("Changed", report.changed)
    section("Added", report.added)
    section("Removed", report.removed)
    if not (report.changed or report.added or report.removed or report.moved):
        lines.append("")
        lines.append("No files change.")
    lines.append("")
    if report.conflicts:
        would = "would conflict" if report.dry_run else "have conflicts"
        lines.append(
            f"Conflicts: {len(report.conflicts)} file(s) {would}: the template and your edits "
            "changed the same lines."
        )
        lines.extend(f"  {path}" for path in report.conflicts)
        if not report.dry_run:
            lines.append(
                "Each holds both versions between '<<<<<<< before updating' and "
                "'>>>>>>> after updating'; keep what you need, delete the markers, then review "
                "with `git diff` and commit."
            )
    if report.dry_run:
        lines.append("Dry run: nothing was changed.")
    elif not report.conflicts:
        lines.append("Review the changes with `git diff`, run the tests, and commit.")
    if not report.dry_run:
        lines.append(
            f"To undo the whole update: git reset --hard {report.start_commit[:12]} && "
            "git clean -fd"
        )
    return "\n".join(lines)
