"""The audited repository: which files it has, their text, and where a pattern matches.

In a git repository the files audited are those git tracks or would add (``git ls-files`` with
untracked, not ignored files); elsewhere every file is walked, skipping version-control folders,
virtual environments and caches.

What is read is bounded, and every file left out is recorded with its reason (the report prints
them): files over :data:`MAX_FILE_BYTES`, binary files, anything that is not a regular file,
symbolic links that leave the tree or loop, unreadable files, paths deeper than
:data:`MAX_DEPTH` folders, and every file past the first :data:`MAX_FILES`. Symbolic links to
folders are never followed; a link to a file inside the tree is read as that file.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from mlscaffold._audit.selectors import Selector

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Files larger than this (2 MiB) are listed but never read."""

MAX_DEPTH = 32
"""Files more than this many folders below the root are not audited."""

MAX_FILES = 100_000
"""At most this many files are audited; the rest are skipped."""

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

SKIP_REASONS = (
    "over 2 MB",
    "binary",
    "not a regular file",
    "symlink leaves the tree",
    "symlink loop",
    "symlinked folder not followed",
    "unreadable",
    "too deep",
    "over the file limit",
)
"""Why a file is skipped, in the order the report lists them."""

_T = TypeVar("_T")


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


def line_hit(path: str, text: str, line: int) -> Hit:
    """Line LINE (from 1) of TEXT as a :class:`Hit` in PATH; the last line when out of range."""
    lines = text.splitlines() or [""]
    index = min(max(line, 1), len(lines)) - 1
    return Hit(path, index + 1, lines[index])


@dataclass
class Repo:
    """The audited files, as POSIX paths relative to the root, with their text read on demand.

    Attributes:
        root: The audited folder.
        files: Every audited file, sorted.
        from_git: Whether the list came from git rather than walking the folder.
        skipped: Each file left out or not read, with its reason (one of :data:`SKIP_REASONS`).
    """

    root: Path
    files: tuple[str, ...]
    from_git: bool
    skipped: dict[str, str] = field(default_factory=dict)
    _names: frozenset[str] = field(init=False)
    _texts: dict[str, str | None] = field(default_factory=dict)
    _selected: dict[Selector, list[str]] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict)

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
        skipped: dict[str, str] = {}
        if (root / ".git").exists():
            tracked = git_files(root)
            if tracked is not None:
                return cls(root, vet(root, tracked, skipped), from_git=True, skipped=skipped)
        return cls(root, vet(root, walk_files(root, skipped), skipped), False, skipped)

    def exists(self, path: str) -> bool:
        """Whether PATH, relative to the root, is one of the audited files."""
        return path in self._names

    def text(self, path: str) -> str | None:
        """The file's text, or ``None`` when it is skipped (see :data:`SKIP_REASONS`)."""
        if path not in self._texts:
            text, reason = read_text(self.root, path)
            self._texts[path] = text
            if reason is not None:
                self.skipped.setdefault(path, reason)
        return self._texts[path]

    def select(self, selector: Selector) -> list[str]:
        """The audited files SELECTOR accepts, in sorted order."""
        if selector not in self._selected:
            self._selected[selector] = [path for path in self.files if selector.accepts(path)]
        return self._selected[selector]

    def memo(self, key: str, build: Callable[[Repo], _T]) -> _T:
        """BUILD(self), computed once per repository under KEY and then reused."""
        if key not in self._memo:
            self._memo[key] = build(self)
        value: _T = self._memo[key]
        return value

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
        The listed paths, sorted, relative to ROOT (not yet checked to exist).
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
    return tuple(sorted(names))


def walk_files(root: Path, skipped: dict[str, str]) -> tuple[str, ...]:
    """Every file under ROOT outside :data:`SKIPPED_DIRS`, sorted, relative to ROOT.

    Symbolic links to folders are not followed, and folders deeper than :data:`MAX_DEPTH` are
    not entered; both are recorded in SKIPPED.

    Args:
        root: The folder to walk.
        skipped: Where folders left out are recorded, with their reason.

    Returns:
        POSIX paths relative to ROOT.
    """
    found: list[str] = []
    for folder, dirs, names in os.walk(root, onerror=lambda _: None):
        base = Path(folder).relative_to(root)
        kept = []
        for name in sorted(dirs):
            rel = (base / name).as_posix()
            if name in SKIPPED_DIRS:
                continue
            if (Path(folder) / name).is_symlink():
                skipped[rel] = _link_reason(root, root / rel) or "symlinked folder not followed"
            elif len(base.parts) + 1 >= MAX_DEPTH:
                skipped[rel] = "too deep"
            else:
                kept.append(name)
        dirs[:] = kept
        found += [(base / name).as_posix() for name in names]
    return tuple(sorted(found))


def _link_reason(root: Path, path: Path) -> str | None:
    """Why the symbolic link PATH cannot be followed, or ``None`` when it stays in ROOT."""
    try:
        target = path.resolve(strict=True)
    except (RuntimeError, OSError) as exc:
        if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40:  # ELOOP
            return "symlink loop"
        return "symlink loop" if "loop" in str(exc).lower() else "not a regular file"
    if target != root and root not in target.parents:
        return "symlink leaves the tree"
    return None


def vet(root: Path, names: tuple[str, ...], skipped: dict[str, str]) -> tuple[str, ...]:
    """The NAMES that are audited; the others are recorded in SKIPPED with their reason.

    A name is audited when it is at most :data:`MAX_DEPTH` folders deep, among the first
    :data:`MAX_FILES`, and a regular file or a link to one inside ROOT. Files too large to read
    stay listed (their presence is evidence) and are recorded as skipped.

    Args:
        root: The resolved root folder.
        names: Relative POSIX paths, sorted.
        skipped: Where the reasons are recorded.

    Returns:
        The audited names, sorted.
    """
    kept: list[str] = []
    for name in names:
        path = root / name
        if name.count("/") >= MAX_DEPTH:
            skipped[name] = "too deep"
            continue
        if len(kept) >= MAX_FILES:
            skipped[name] = "over the file limit"
            continue
        try:
            info = path.lstat()
        except OSError:
            continue  # deleted from the working tree but still in git's index
        if stat.S_ISLNK(info.st_mode):
            reason = _link_reason(root, path)
            if reason is not None:
                skipped[name] = reason
                continue
            try:
                info = path.stat()
            except OSError:
                skipped[name] = "unreadable"
                continue
        if stat.S_ISDIR(info.st_mode):
            if path.is_symlink():
                skipped[name] = "symlinked folder not followed"
            continue  # a submodule or a link to a folder
        if not stat.S_ISREG(info.st_mode):
            skipped[name] = "not a regular file"
            continue
        if info.st_size > MAX_FILE_BYTES:
            skipped[name] = "over 2 MB"
        kept.append(name)
    return tuple(kept)


def _read_bytes(path: Path, limit: int) -> bytes:
    """At most LIMIT bytes of the regular file PATH (raises OSError when it cannot be read)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(str(path))
        chunks = []
        left = limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(root: Path, name: str) -> tuple[str | None, str | None]:
    """The text of the audited file NAME under ROOT, undecodable bytes replaced.

    Args:
        root: The resolved root folder.
        name: The file, relative to ROOT.

    Returns:
        The text and ``None``; or ``None`` and the reason it was not read (one of
        :data:`SKIP_REASONS`).
    """
    path = root / name
    try:
        if path.is_symlink():
            reason = _link_reason(root, path)
            if reason is not None:
                return None, reason
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_size > MAX_FILE_BYTES:
            return None, "over 2 MB"
        data = _read_bytes(path, MAX_FILE_BYTES + 1)
    except OSError:
        return None, "unreadable"
    if len(data) > MAX_FILE_BYTES:
        return None, "over 2 MB"
    if b"\0" in data[:8192]:
        return None, "binary"
    return data.decode("utf-8", errors="replace"), None
