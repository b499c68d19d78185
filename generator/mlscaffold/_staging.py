"""The destination of a new project, and the hidden staging folder it is rendered in.

A project is rendered into a staging folder next to the destination (``.<name>.mlscaffold-<pid>-
<random>``) and moved into place only when rendering succeeded, so the destination either holds
the whole project or does not exist. A staging folder left by a killed process (SIGKILL) is
removed by the next run for the same destination, once its process is gone.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from contextlib import suppress
from pathlib import Path

from mlscaffold.errors import DestinationError

STAGING_MARK = ".mlscaffold-"
"""What a staging folder's name holds after the destination's name."""


def resolve_destination(dest: str | os.PathLike[str]) -> Path:
    """The destination as an absolute path.

    Raises:
        DestinationError: It cannot be resolved (a symlink loop, for example).
    """
    try:
        return Path(dest).expanduser().resolve()
    except (OSError, RuntimeError) as exc:
        raise DestinationError(
            f"cannot use {dest} as the destination ({exc}); choose another folder"
        ) from None


def check_destination(dest: Path) -> None:
    """Refuse a destination that is a file or a non-empty folder.

    Raises:
        DestinationError: It cannot receive a new project.
    """
    if dest.exists() and not dest.is_dir():
        raise DestinationError(f"destination {dest} is a file; choose a new folder for the project")
    if dest.is_dir() and any(dest.iterdir()):
        raise DestinationError(
            f"destination {dest} already exists and is not empty; choose a new folder or "
            "empty this one"
        )


def staging_pattern(dest: Path) -> re.Pattern[str]:
    """The names of staging folders for ``dest``; group 1 is the owning process id."""
    return re.compile(re.escape(f".{dest.name}{STAGING_MARK}") + r"(\d+)-[0-9a-f]+")


def _pid_alive(pid: int) -> bool:
    if pid <= 0 or os.name == "nt":
        # Windows has no signal-0 probe; leave the folder alone.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_staging(dest: Path) -> None:
    """Remove staging folders for ``dest`` whose process is gone (killed with SIGKILL)."""
    pattern = staging_pattern(dest)
    try:
        entries = list(os.scandir(dest.parent))
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match and entry.is_dir(follow_symlinks=False) and not _pid_alive(int(match.group(1))):
            shutil.rmtree(entry.path, ignore_errors=True)


def make_staging(dest: Path) -> Path:
    """Create a new, empty staging folder next to ``dest``.

    Raises:
        DestinationError: The folder cannot be created there.
    """
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        while True:
            staging = (
                dest.parent / f".{dest.name}{STAGING_MARK}{os.getpid()}-{secrets.token_hex(4)}"
            )
            with suppress(FileExistsError):
                staging.mkdir()
                return staging
    except OSError as exc:
        raise DestinationError(
            f"cannot create the project next to {dest} ({exc.strerror or exc}); choose a "
            "folder you can write to"
        ) from None


def move_into_place(staging: Path, dest: Path) -> None:
    """Move the rendered project to ``dest``.

    A missing destination is a single rename. An existing empty folder is kept (it may be the
    shell's working directory, or a mount point) and receives the project's top-level entries;
    if one move fails, the moved ones go back to the staging folder.
    """
    try:
        if not dest.is_dir():
            staging.rename(dest)
            return
        moved: list[Path] = []
        try:
            for entry in sorted(staging.iterdir()):
                entry.rename(dest / entry.name)
                moved.append(entry)
        except OSError:
            for entry in reversed(moved):
                with suppress(OSError):
                    (dest / entry.name).rename(entry)
            raise
        staging.rmdir()
    except OSError as exc:
        raise DestinationError(
            f"cannot move the new project into {dest} ({exc.strerror or exc}); make sure it "
            "does not exist or is an empty folder you can write to"
        ) from None
