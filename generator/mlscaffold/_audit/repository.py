"""The audited repository: which files it has, their text, and where a pattern matches.

In a git repository the files audited are those git tracks or would add (``git ls-files`` with
untracked, not ignored files); elsewhere every file is walked, skipping version-control folders,
virtual environments and caches. Binary files and files over 1 MB are never read.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mlscaffold._audit.selectors import Selector

MAX_FILE_BYTES = 1_000_000
"""Files larger than this are not read."""

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".hypothesis",
    }
)
"""Folders never walked outside git: version control, virtual environments and caches."""

SNIPPET_CHARS = 70
"""The longest line text a :class:`Hit` quotes in evidence."""


@dataclass(frozen=True)
class Hit:
    """Where a pattern matched: a file, a line number (from 1) and the line's text.

    Attributes:
        path: The file, relative to the audited root.
        line: The line number, from 1.
        text: The whole line.
    """

    path: str
    line: int
    text: str

    def __str__(self) -> str:
        snippet = self.text.strip()
        if len(snippet) > SNIPPET_CHARS:
            snippet = snippet[: SNIPPET_CHARS - 3] + "..."
        return f"{self.path}:{self.line}: {snippet}" if snippet else f"{self.path}:{self.line}"

    @property
    def where(self) -> str:
        """``path:line``, without the line's text."""
        return f"{self.path}:{self.line}"


def hit_at(path: str, text: str, offset: int) -> Hit:
    """The line of TEXT holding OFFSET, as a :class:`Hit` in PATH.

    Args:
        path: The file TEXT was read from.
        text: The file's text.
        offset: A character offset into TEXT.

    Returns:
        The hit naming the line number and text around OFFSET.
    """
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return Hit(path, text.count("\n", 0, offset) + 1, text[start : end if end >= 0 else None])


@dataclass
class Repo:
    """The audited files, as POSIX paths relative to the root, with their text read on demand.

    Attributes:
        root: The audited folder.
        files: Every audited file, sorted.
        from_git: Whether the list came from git rather than walking the folder.
    """

    root: Path
    files: tuple[str, ...]
    from_git: bool
    _names: frozenset[str] = field(init=False)
    _texts: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._names = frozenset(self.files)

    @classmethod
    def open(cls, root: Path) -> Repo:
        """The files of the repository at ROOT: git's list in a git repository, else a walk.

        Args:
            root: The resolved root folder.

        Returns:
            The repository, with no file read yet.
        """
        if (root / ".git").exists():
            tracked = git_files(root)
            if tracked is not None:
                return cls(root, tracked, from_git=True)
        return cls(root, walk_files(root), from_git=False)

    def exists(self, path: str) -> bool:
        """Whether PATH, relative to the root, is one of the audited files."""
        return path in self._names

    def text(self, path: str) -> str | None:
        """The file's text, or ``None`` when it is binary, over 1 MB, a link or unreadable."""
        if path not in self._texts:
            self._texts[path] = read_text(self.root / path)
        return self._texts[path]

    def select(self, selector: Selector) -> list[str]:
        """The audited files SELECTOR accepts, in sorted order."""
        return [path for path in self.files if selector.accepts(path)]

    def hits(self, selector: Selector, pattern: re.Pattern[str]) -> Iterator[Hit]:
        """Every match of PATTERN in the readable files SELECTOR accepts, file by file.

        Args:
            selector: The files to search.
            pattern: The pattern to find.

        Yields:
            One hit per match, in file then offset order.
        """
        for path in self.select(selector):
            text = self.text(path)
            if text is None:
                continue
            for match in pattern.finditer(text):
                yield hit_at(path, text, match.start())

    def first(self, selector: Selector, pattern: re.Pattern[str]) -> Hit | None:
        """The first of :meth:`hits`, or ``None`` when PATTERN matches nowhere."""
        return next(self.hits(selector, pattern), None)


def git_files(root: Path) -> tuple[str, ...] | None:
    """The files git tracks or would add under ROOT, or ``None`` when git cannot list them.

    Args:
        root: A git working tree's root.

    Returns:
        The existing files, sorted, relative to ROOT.
    """
    try:
        listed = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    names = {name for name in listed.decode("utf-8", "surrogateescape").split("\0") if name}
    # A file deleted from the working tree but not from the index is not audited.
    return tuple(sorted(name for name in names if (root / name).is_file()))


def walk_files(root: Path) -> tuple[str, ...]:
    """Every file under ROOT outside :data:`SKIPPED_DIRS`, sorted, relative to ROOT.

    Args:
        root: The folder to walk.

    Returns:
        POSIX paths relative to ROOT.
    """
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        base = Path(folder).relative_to(root)
        found += [(base / name).as_posix() for name in names]
    return tuple(sorted(found))


def read_text(path: Path) -> str | None:
    """The text of the file at PATH, undecodable bytes replaced.

    Args:
        path: The file to read.

    Returns:
        The text, or ``None`` for a link, a missing, unreadable or binary file, or one over
        :data:`MAX_FILE_BYTES`.
    """
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")
