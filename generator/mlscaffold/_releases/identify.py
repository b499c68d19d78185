"""Which template version a checkout holds: the ``_commit`` a project rendered from it records.

A checkout whose ``copier.yml`` and ``templates/`` are exactly those of a release's commit (the
registry itself aside) is that release, ``v0.1.0``, even on a later commit that changed only the
generator or the docs. Otherwise it is named the way ``git describe`` would name it, from the
newest release that is an ancestor: ``v0.1.0-3-g1a2b3c4d5e6f`` is three commits past release
0.1.0 (or the bare commit when no release is an ancestor). Uncommitted template changes are
reported as a note: no commit holds those files, so a later update sees them as edits made in
the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlscaffold._git import git, git_ok
from mlscaffold._releases.registry import REGISTRY, TEMPLATE_PATHS, Release, parse_registry

SHORT = 12
"""Hex digits of a commit in a described label."""


@dataclass(frozen=True)
class Identity:
    """What a template checkout is, as a project records it.

    Attributes:
        label: The ``_commit`` to record: a release tag, or a described commit.
        release: The release's version, when the files are exactly a release.
        commit: The full commit the files were taken from (``HEAD``).
        note: Set when the files are not exactly those of ``commit``.
    """

    label: str
    release: str | None
    commit: str
    note: str | None = None


def identify(root: Path) -> Identity:
    """Identify the template in the git checkout ``root`` (its working tree and ``HEAD``).

    Raises:
        GitFailed: The checkout's history cannot be read.
        ReleaseError: Its registry is malformed.
    """
    head = git("rev-parse", "HEAD", cwd=root).strip()
    registry = root / REGISTRY
    text = registry.read_text(encoding="utf-8") if registry.is_file() else ""
    releases = parse_registry(text, str(registry))
    dirty = _dirty(root)
    note = (
        "rendered with uncommitted template changes; _commit names the commit they were made "
        "on, so an update treats those changes as edits made in this project"
        if dirty
        else None
    )
    content = _content(root, head)
    for release in reversed(releases):
        if _has_commit(root, release.commit) and _content(root, release.commit) == content:
            return Identity(release.tag, str(release.version), head, note)
    base = _newest_ancestor(root, releases, head)
    if base is None:
        return Identity(head[:SHORT], None, head, note)
    ahead = git("rev-list", "--count", f"{base.commit}..{head}", cwd=root).strip()
    return Identity(f"{base.tag}-{ahead}-g{head[:SHORT]}", None, head, note)


def _content(root: Path, commit: str) -> str:
    """The template's files at ``commit``, as a listing of modes and blob ids."""
    listing = git("ls-tree", "-r", commit, "--", *TEMPLATE_PATHS, cwd=root)
    return "\n".join(line for line in listing.splitlines() if not line.endswith("\t" + REGISTRY))


def _dirty(root: Path) -> bool:
    status = git("status", "--porcelain", "--", *TEMPLATE_PATHS, cwd=root).splitlines()
    return any(not line.endswith(REGISTRY) for line in status)


def _has_commit(root: Path, commit: str) -> bool:
    return git_ok("cat-file", "-e", f"{commit}^{{commit}}", cwd=root)


def _newest_ancestor(root: Path, releases: tuple[Release, ...], head: str) -> Release | None:
    for release in reversed(releases):
        if _has_commit(root, release.commit) and git_ok(
            "merge-base", "--is-ancestor", release.commit, head, cwd=root
        ):
            return release
    return None
