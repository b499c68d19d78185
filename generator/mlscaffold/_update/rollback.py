"""The update's rollback: put the project back exactly as it was when the update began.

The update starts only from a clean tree, so ``git reset --hard`` to the starting commit plus
``git clean -fd`` restores it; ignored files the update created (a cache, say) are removed too,
and ignored files that were there before are left alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mlscaffold._git import git


def ignored(top: Path) -> set[str]:
    """The ignored files and folders in the work tree ``top``, relative to it."""
    listing = git(
        "ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z", cwd=top
    )
    return {entry for entry in listing.split("\0") if entry}


def restore(top: Path, start: str, ignored_before: set[str]) -> None:
    """Put the project back to commit ``start`` (its tree was clean when the update began)."""
    git("reset", "--quiet", "--hard", start, cwd=top)
    git("clean", "-fdq", cwd=top)
    for entry in ignored(top) - ignored_before:
        stray = top / entry
        if stray.is_dir() and not stray.is_symlink():
            shutil.rmtree(stray, ignore_errors=True)
        else:
            stray.unlink(missing_ok=True)
