"""The update's releases step: which releases, and a private repository holding them for Copier.

Copier merges a release into a project from a git repository with the project's old version
and the target version, both reachable by ref. That repository is made here, in a private
folder, from whatever source the releases came from (a clone or the bundle a wheel carries):
one commit with the old version's template files, tagged when it is a release, and one with the
target's, tagged ``vX.Y.Z``. The source itself is never changed.
"""

from __future__ import annotations

import io
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mlscaffold._git import git, own_commit
from mlscaffold._releases.registry import Release, parse_version
from mlscaffold._releases.sources import Point, Source
from mlscaffold.errors import ReleaseError, UpdateError


@dataclass(frozen=True)
class History:
    """The private template repository an update reads.

    Attributes:
        repo: Its folder.
        old_ref: The ref of the project's old version.
        target_tag: The tag of the target release.
    """

    repo: Path
    old_ref: str
    target_tag: str


def target_release(source: Source, to: str | None) -> Release:
    """The release to update to: ``to``, or the newest release the source has.

    Raises:
        UpdateError: ``to`` is not a version, or not a release of the source.
    """
    if not source.releases:
        raise UpdateError(f"{source.origin} has no template releases; pass --template-repo")
    if to is None:
        return source.releases[-1]
    version = parse_version(to)
    if version is None:
        raise UpdateError(
            f"--to {to} is not a version; pass one of the template's releases: {source.known()}"
        )
    release = source.release(version)
    if release is None:
        raise UpdateError(
            f"--to {to} is not a release of the template in {source.origin} (releases there: "
            f"{source.known()}); pass --to with one of them, or --template-repo with a "
            "repository that has the release"
        )
    return release


def check_direction(old: Point, target: Release, to: str | None) -> None:
    """Refuse to go back to an older release.

    Raises:
        UpdateError: The target is older than the project's version.
    """
    if target.version < old.base or (target.version == old.base and not old.is_release):
        hint = "pass --to with a later release" if to else "upgrade mlscaffold or pass --to"
        raise UpdateError(
            f"the project is at template version {old.label}, later than {target.tag}; going "
            f"back is not supported ({hint})"
        )


def build_history(source: Source, old: Point, target: Release, dest: Path) -> History:
    """Make the private repository with the old version and the target release.

    Raises:
        ReleaseError: A version's template files cannot be read from the source.
    """
    dest.mkdir(parents=True)
    git("init", "--quiet", cwd=dest)
    _commit_files(dest, source.archive(old.commit), f"Template {old.label}")
    old_ref = git("rev-parse", "HEAD", cwd=dest).strip()
    if old.release is not None:
        git("tag", old.release.tag, cwd=dest)
        old_ref = old.release.tag
    if old.commit != target.commit:
        _commit_files(dest, source.archive(target.commit), f"Template {target.tag}")
    if old.release is None or old.release.tag != target.tag:
        git("tag", target.tag, cwd=dest)
    return History(repo=dest, old_ref=old_ref, target_tag=target.tag)


def _commit_files(repo: Path, tar: bytes, message: str) -> None:
    for entry in repo.iterdir():
        if entry.name != ".git":
            git("rm", "-r", "-q", "--cached", "--ignore-unmatch", "--", entry.name, cwd=repo)
            _remove(entry)
    _extract(tar, repo)
    git("add", "-A", cwd=repo)
    own_commit(message, cwd=repo, allow_empty=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _extract(tar: bytes, dest: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        for member in archive.getmembers():
            path = PurePosixPath(member.name)
            if path.is_absolute() or ".." in path.parts:
                raise ReleaseError(f"a release archive holds an unsafe path {member.name!r}")
            if not (member.isfile() or member.isdir() or member.issym()):
                continue
            if member.issym() and (
                PurePosixPath(member.linkname).is_absolute() or ".." in member.linkname
            ):
                raise ReleaseError(f"a release archive holds an unsafe link {member.name!r}")
        # Members were checked above; "tar" keeps modes (executable bits) and links.
        if hasattr(tarfile, "tar_filter"):
            archive.extractall(dest, filter="tar")
        else:  # Python < 3.10.12 / 3.11.4
            archive.extractall(dest)
