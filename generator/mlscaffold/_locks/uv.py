"""Find uv and run it, with its output captured and its failures turned into :class:`LockError`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from mlscaffold._locks import LockError

UV_ENV = "MLSCAFFOLD_UV"
"""Environment variable naming the uv executable to use, ahead of the one on PATH."""
TIMEOUT_S = 300.0
"""Longest one uv command may take: a lock from scratch, with a slow package index."""


def find_uv(explicit: str | None = None) -> str | None:
    """The uv executable: ``explicit``, else $MLSCAFFOLD_UV, else beside Python, else on PATH."""
    for candidate in (explicit, os.environ.get(UV_ENV)):
        if candidate:
            return candidate
    beside = Path(sys.executable).parent / "uv"
    if beside.is_file():
        return str(beside)
    return shutil.which("uv")


def require_uv(explicit: str | None = None) -> str:
    """Like :func:`find_uv`, but uv must be there.

    Raises:
        LockError: uv was not found.
    """
    found = find_uv(explicit)
    if found is None:
        raise LockError(
            f"uv is not installed: install it (`pip install uv`) or name it with --uv or ${UV_ENV}"
        )
    return found


def run_uv(
    uv: str,
    args: Sequence[str],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT_S,
) -> subprocess.CompletedProcess[str]:
    """Run ``uv ARGS`` in ``cwd`` and return what it printed.

    Raises:
        LockError: uv could not be started, failed, or ran past ``timeout`` seconds; the message
            holds the end of its error output.
    """
    command = [uv, *args]
    shown = " ".join(["uv", *args])
    try:
        completed = subprocess.run(
            command,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise LockError(
            f"cannot run {uv} ({exc.strerror}); install uv or name it with --uv"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise LockError(f"`{shown}` took more than {timeout:g} s and was stopped") from exc
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip()
        tail = "\n".join(detail.splitlines()[-12:])
        raise LockError(f"`{shown}` failed (exit status {completed.returncode}):\n{tail}")
    return completed
