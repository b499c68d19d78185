"""Where template releases come from, and what a project's recorded version points at.

A :class:`Source` knows the releases and can hand out any release's template files as a tar
archive. There are two kinds:

- :class:`GitSource`, a git repository of mlscaffold (a clone or a fork): its registry at
  ``HEAD``, plus any ``vX.Y.Z`` tags that mirror releases, and every commit of its history, so it
  can also serve a project made from an unreleased commit;
- :class:`BundleSource`, the releases an installed mlscaffold carries (``mlscaffold/_bundled``,
  written when the wheel was built): one compressed archive per release and an index.

:func:`locate` picks the source an update reads, first match wins: ``--template-repo``, then the
``MLSCAFFOLD_TEMPLATE_REPO`` environment variable, then the releases this mlscaffold carries (the
clone it runs from, or the bundle in its wheel). A local repository is read in place and never
changed; only a URL is cloned, into a private folder.
"""

from __future__ import annotations

import gzip
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import Version

from mlscaffold._git import GitFailed, git, git_bytes, git_ok
from mlscaffold._releases.registry import (
    REGISTRY,
    TEMPLATE_PATHS,
    Release,
    parse_registry,
    parse_version,
)
from mlscaffold.errors import ReleaseError

TEMPLATE_REPO_ENV = "MLSCAFFOLD_TEMPLATE_REPO"
"""Environment variable naming a template repository to read releases from: a path or a URL."""

INDEX = "index.yml"
"""The bundle's index: the registry of the releases it holds, and what the wheel's template is."""

# `git describe`-style labels: a tag, then how far past it and which commit.
_DESCRIBE = re.compile(r"(?P<tag>v[^\s]+?)-(?P<ahead>\d+)-g(?P<sha>[0-9a-f]{4,40})")
_SHA = re.compile(r"g?(?P<sha>[0-9a-f]{7,40})")


@dataclass(frozen=True)
class Point:
    """A template version a project records (its ``_commit``), as a source resolves it.

    Attributes:
        label: What the answers file records, such as ``v0.1.0`` or ``v0.1.0-3-g1a2b3c4``.
        release: The release it is, or ``None`` for an unreleased commit.
        commit: The full commit of the template's files.
        base: The newest release at or before it (its version decides which renames apply).
    """

    label: str
    release: Release | None
    commit: str
    base: Version

    @property
    def is_release(self) -> bool:
        """Whether the point is a release rather than a commit between releases."""
        return self.release is not None


@dataclass
class Source(ABC):
    """Releases, and the template files at any of them.

    Attributes:
        origin: Where the releases are read from, for the user.
        releases: The releases, oldest first.
    """

    origin: str
    releases: tuple[Release, ...] = field(default=())

    def release(self, version: Version) -> Release | None:
        """The release ``version``, or ``None``."""
        return next((r for r in self.releases if r.version == version), None)

    def known(self) -> str:
        """The releases, for messages: ``v0.1.0, v0.2.0`` or ``none``."""
        return ", ".join(r.tag for r in self.releases) or "none"

    def resolve(self, label: str) -> Point:
        """What a project's recorded ``_commit`` points at.

        Raises:
            ReleaseError: The label names no release or commit this source has.
        """
        version = parse_version(label) if label.startswith("v") else None
        if version is not None and _DESCRIBE.fullmatch(label) is None:
            release = self.release(version)
            if release is None:
                raise ReleaseError(
                    f"template release {label} is not among the releases in {self.origin} "
                    f"({self.known()}); pass --template-repo with a clone of mlscaffold that "
                    "has it"
                )
            return Point(label, release, release.commit, release.version)
        described = _DESCRIBE.fullmatch(label)
        bare = _SHA.fullmatch(label)
        sha = described.group("sha") if described else bare.group("sha") if bare else None
        if sha is None:
            raise ReleaseError(
                f"the recorded template version {label!r} is neither a release (vX.Y.Z) nor a "
                "commit; set _commit in the answers file to the release the project was made "
                "from (see `mlscaffold releases`), commit, and retry"
            )
        for release in self.releases:
            if release.commit.startswith(sha):
                return Point(label, release, release.commit, release.version)
        return self._unreleased(label, sha)

    def _unreleased(self, label: str, sha: str) -> Point:
        raise ReleaseError(
            f"the project was made from template commit {sha}, which is not a release; "
            f"{self.origin} holds only releases ({self.known()}). Pass --template-repo with a "
            "clone of mlscaffold that has that commit"
        )

    @abstractmethod
    def archive(self, commit: str) -> bytes:
        """The template files (``copier.yml`` and ``templates/``) at ``commit``, as a tar."""


@dataclass
class GitSource(Source):
    """A git repository of mlscaffold, read in place.

    Attributes:
        repo: The repository's folder.
    """

    repo: Path = field(default=Path())

    @classmethod
    def open(cls, repo: Path, origin: str, *, working_tree: bool = False) -> GitSource:
        """Read the releases of the repository in ``repo``.

        Args:
            repo: The repository's folder.
            origin: Where it is, for the user.
            working_tree: Read the registry from the working tree (the clone mlscaffold runs
                from) rather than from ``HEAD`` (a repository named by the user).

        Raises:
            ReleaseError: It is not a git repository, or its registry is malformed.
        """
        if not git_ok("rev-parse", "--git-dir", cwd=repo):
            raise ReleaseError(f"{origin} is not a git repository; pass a clone of mlscaffold")
        releases: dict[Version, Release] = {}
        try:
            if working_tree:
                path = repo / REGISTRY
                text = path.read_text(encoding="utf-8") if path.is_file() else ""
            else:
                text = git("show", f"HEAD:{REGISTRY}", cwd=repo)
        except GitFailed:
            text = ""
        for release in parse_registry(text, f"{REGISTRY} in {origin}"):
            releases[release.version] = release
        for tag in git("tag", "--list", "v*", cwd=repo).split():
            version = parse_version(tag)
            if version is None or version in releases:
                continue
            commit = git("rev-parse", f"{tag}^{{commit}}", cwd=repo).strip()
            releases[version] = Release(version=version, commit=commit, notes=f"git tag {tag}")
        return cls(origin=origin, releases=tuple(sorted(releases.values())), repo=repo)

    def _unreleased(self, label: str, sha: str) -> Point:
        try:
            commit = git("rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}", cwd=self.repo)
        except GitFailed:
            shallow = git("rev-parse", "--is-shallow-repository", cwd=self.repo).strip()
            fix = " (it is a shallow clone: run `git fetch --unshallow` there)" * (
                shallow == "true"
            )
            raise ReleaseError(
                f"the project was made from template commit {sha}, which {self.origin} does not "
                f"have{fix}; pass --template-repo with a clone of mlscaffold that has it"
            ) from None
        commit = commit.strip()
        bases = [r for r in self.releases if self._is_ancestor(r.commit, commit)]
        return Point(label, None, commit, bases[-1].version if bases else Version("0"))

    def _is_ancestor(self, older: str, newer: str) -> bool:
        return git_ok("merge-base", "--is-ancestor", older, newer, cwd=self.repo)

    def archive(self, commit: str) -> bytes:
        """The template files at ``commit``, from git."""
        try:
            return git_bytes(
                "archive", "--format=tar", commit, "--", *TEMPLATE_PATHS, cwd=self.repo
            )
        except GitFailed as exc:
            raise ReleaseError(
                f"cannot read the template at commit {commit[:12]} from {self.origin} "
                f"({exc.stderr}); fetch the full history there (git fetch --unshallow)"
            ) from None


@dataclass
class BundleSource(Source):
    """The releases an installed mlscaffold carries.

    Attributes:
        folder: The bundle's folder (``index.yml`` and ``<version>.tar.gz`` per release).
    """

    folder: Path = field(default=Path())

    @classmethod
    def open(cls, folder: Path) -> BundleSource:
        """Read the bundle's index.

        Raises:
            ReleaseError: The index is missing or malformed.
        """
        index = folder / INDEX
        origin = f"the releases bundled with mlscaffold ({folder})"
        try:
            text = index.read_text(encoding="utf-8")
        except OSError as exc:
            raise ReleaseError(
                f"cannot read {index} ({exc.strerror or exc}); reinstall mlscaffold"
            ) from None
        return cls(origin=origin, releases=parse_registry(text, str(index)), folder=folder)

    def archive(self, commit: str) -> bytes:
        """The template files of the release made from ``commit``."""
        release = next((r for r in self.releases if r.commit == commit), None)
        if release is None:
            raise ReleaseError(f"{self.origin} holds no release made from commit {commit[:12]}")
        path = self.folder / f"{release.version}.tar.gz"
        try:
            return gzip.decompress(path.read_bytes())
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise ReleaseError(
                f"cannot read release {release.tag} from {path} ({exc}); reinstall mlscaffold"
            ) from None
