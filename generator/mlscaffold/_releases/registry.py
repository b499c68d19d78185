"""The release registry, ``templates/releases.yml``: which commit is which template release.

Each entry has a ``version`` (PEP 440, without the ``v``), the full ``commit`` whose
``copier.yml`` and ``templates/`` are that release, its ``date`` and one line of ``notes``. The
registry is tracked in the repository, so every clone and every wheel knows the releases without
git tags. This module only parses; it does not read git or the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml
from packaging.version import InvalidVersion, Version

from mlscaffold.errors import ReleaseError

REGISTRY = "templates/releases.yml"
"""Where the registry sits in the repository (and in every release's template)."""

TEMPLATE_PATHS = ("copier.yml", "templates")
"""What a release is made of: these paths of the repository at the release's commit."""

_FULL_SHA = re.compile(r"[0-9a-f]{40}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, order=True)
class Release:
    """One release of the template.

    Attributes:
        version: The release's version.
        commit: The full commit of the repository whose template is the release.
        date: The release date, ``YYYY-MM-DD``.
        notes: One line saying what the release brings.
    """

    version: Version
    commit: str
    date: str = ""
    notes: str = ""

    @property
    def tag(self) -> str:
        """The name the release goes by in answers files and git tags: ``v0.1.0``."""
        return release_tag(self.version)


def release_tag(version: Version | str) -> str:
    """The tag of a template release, for example ``v0.2.0`` for ``0.2.0``."""
    return f"v{version}"


def parse_version(text: str) -> Version | None:
    """The version a release tag or version names (``v0.1.0`` or ``0.1.0``), or ``None``."""
    try:
        return Version(text.strip().removeprefix("v"))
    except InvalidVersion:
        return None


def parse_registry(text: str, where: str) -> tuple[Release, ...]:
    """Read a registry and check every entry.

    Args:
        text: The YAML text.
        where: Where it was read from, for error messages.

    Returns:
        The releases, oldest first.

    Raises:
        ReleaseError: The registry is not valid YAML, an entry is malformed, or a version or a
            commit appears twice.
    """
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ReleaseError(f"{where} is not valid YAML ({exc}); fix the registry") from None
    if loaded is None:
        return ()
    if not isinstance(loaded, list):
        raise ReleaseError(f"{where} must be a YAML list of releases; fix the registry")
    releases = [_entry(item, index, where) for index, item in enumerate(loaded, start=1)]
    for attribute in ("version", "commit"):
        seen: set[object] = set()
        for release in releases:
            value = getattr(release, attribute)
            if value in seen:
                raise ReleaseError(f"{where}: {attribute} {value} is listed twice; keep one entry")
            seen.add(value)
    return tuple(sorted(releases))


def _entry(item: object, index: int, where: str) -> Release:
    place = f"{where}, entry {index}"
    if not isinstance(item, dict):
        raise ReleaseError(f"{place} must be a mapping with version, commit, date and notes")
    unknown = sorted(set(map(str, item)) - {"version", "commit", "date", "notes"})
    if unknown:
        raise ReleaseError(f"{place} has unknown keys ({', '.join(unknown)}); remove them")
    version = parse_version(str(item.get("version", "")))
    if version is None or str(item.get("version", "")).startswith("v"):
        raise ReleaseError(
            f"{place}: version {item.get('version')!r} is not a PEP 440 version without a "
            "leading 'v' (for example \"0.2.0\")"
        )
    commit = str(item.get("commit", ""))
    if not _FULL_SHA.fullmatch(commit):
        raise ReleaseError(
            f"{place}: commit {commit!r} must be a full 40-character commit (git rev-parse HEAD)"
        )
    date = str(item.get("date", ""))
    if not _DATE.fullmatch(date):
        raise ReleaseError(f"{place}: date {date!r} must be written YYYY-MM-DD, in quotes")
    notes = item.get("notes", "")
    if not isinstance(notes, str) or "\n" in notes.strip():
        raise ReleaseError(f"{place}: notes must be one line of text")
    return Release(version=version, commit=commit, date=date, notes=notes.strip())


def dump_registry(releases: tuple[Release, ...]) -> str:
    """The YAML of a registry listing ``releases`` (used for the index a wheel carries)."""
    return yaml.safe_dump(
        [
            {"version": str(r.version), "commit": r.commit, "date": r.date, "notes": r.notes}
            for r in releases
        ],
        sort_keys=False,
        allow_unicode=True,
    )
