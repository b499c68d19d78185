"""Run git, the one way mlscaffold reads template history and changes a project's history."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from mlscaffold.errors import GitError

# Commits mlscaffold makes for its own bookkeeping (never left in a project's history) carry
# this identity, so they work where no git identity is configured.
OWN_IDENTITY = ("-c", "user.name=mlscaffold", "-c", "user.email=mlscaffold@localhost")


class GitFailed(GitError):
    """A git command exited with a non-zero status.

    Callers that know what the command was for catch it and say so; uncaught, its message names
    the command and what git printed.

    Attributes:
        command: The git arguments.
        stderr: What git wrote to stderr, stripped.
    """

    def __init__(self, command: tuple[str, ...], stderr: str) -> None:
        super().__init__(f"git {' '.join(command)} failed: {stderr}")
        self.command = command
        self.stderr = stderr


def git(*args: str, cwd: Path, stdin: str | None = None) -> str:
    """Run ``git ARGS`` in ``cwd`` and return its stdout.

    Raises:
        GitFailed: git exited with a non-zero status.
        GitError: git is not installed.
    """
    return git_bytes(*args, cwd=cwd, stdin=None if stdin is None else stdin.encode()).decode(
        "utf-8", errors="surrogateescape"
    )


def git_bytes(*args: str, cwd: Path, stdin: bytes | None = None) -> bytes:
    """Run ``git ARGS`` in ``cwd`` and return its stdout as bytes (for archives and blobs).

    Raises:
        GitFailed: git exited with a non-zero status.
        GitError: git is not installed.
    """
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        completed = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=env,
            input=stdin,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH; install git and retry") from None
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", errors="replace").strip()
        raise GitFailed(args, stderr)
    return completed.stdout


def git_ok(*args: str, cwd: Path) -> bool:
    """Whether ``git ARGS`` succeeds in ``cwd`` (its output is discarded)."""
    try:
        git_bytes(*args, cwd=cwd)
    except GitFailed:
        return False
    return True


def own_commit(message: str, *, cwd: Path, allow_empty: bool = False) -> None:
    """Commit what is staged in ``cwd`` as mlscaffold's own bookkeeping commit.

    It carries :data:`OWN_IDENTITY`, runs no hooks and is never signed, so it works wherever git
    does; such commits live only in private repositories or are undone before the user sees them.
    """
    empty = ("--allow-empty",) if allow_empty else ()
    git(
        *OWN_IDENTITY,
        "commit",
        "--quiet",
        "--no-verify",
        "--no-gpg-sign",
        *empty,
        "-m",
        message,
        cwd=cwd,
    )
