"""File selectors: which of the audited files a check reads, described for its evidence.

A :class:`Selector` matches relative POSIX paths against glob patterns, optionally narrowed by a
predicate. The selectors several categories share (workflows, source, tests, README, ...) are
defined here once.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Selector:
    """A set of files, by glob patterns on their relative path, described for evidence.

    Attributes:
        description: How the evidence names the set, for example ``README.md``.
        patterns: Glob patterns matched against the whole relative path.
        where: A further condition a matching path must meet, if any.
    """

    description: str
    patterns: tuple[str, ...]
    where: Callable[[str], bool] | None = None

    def accepts(self, path: str) -> bool:
        """Whether PATH belongs to the set.

        Args:
            path: A POSIX path relative to the audited root.

        Returns:
            True when a pattern matches PATH and the further condition, if any, holds.
        """
        name_ok = any(fnmatch.fnmatchcase(path, pattern) for pattern in self.patterns)
        return name_ok and (self.where is None or self.where(path))


def is_test_file(path: str) -> bool:
    """Whether PATH is test code: under a tests folder, a ``test_*``/``*_test.py`` or conftest.

    Args:
        path: A POSIX path relative to the audited root.

    Returns:
        True for test files.
    """
    parts = PurePosixPath(path).parts
    name = parts[-1]
    return (
        "tests" in parts[:-1]
        or "test" in parts[:-1]
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def union(description: str, *selectors: Selector) -> Selector:
    """The files any of SELECTORS accepts.

    Args:
        description: How the evidence names the combined set.
        *selectors: The sets to combine.

    Returns:
        A selector accepting a path when one of SELECTORS does.
    """
    patterns = tuple(pattern for s in selectors for pattern in s.patterns)
    return Selector(description, patterns, lambda path: any(s.accepts(path) for s in selectors))


def files(*names: str) -> Selector:
    """The files at exactly the relative paths NAMES.

    Args:
        *names: Relative paths, also used as the description.

    Returns:
        A selector for those paths.
    """
    return Selector(", ".join(names), names)


WORKFLOWS = Selector(
    "GitHub Actions workflows",
    (".github/workflows/*.yml", ".github/workflows/*.yaml"),
    lambda p: p.count("/") == 2,
)
"""GitHub Actions workflow files."""

CI_FILES = Selector(
    "CI files (GitHub Actions, GitLab CI)",
    (".github/workflows/*.yml", ".github/workflows/*.yaml", ".gitlab-ci.yml", ".gitlab/*.yml"),
)
"""Every CI definition file."""

NOTEBOOKS = Selector("notebooks", ("*.ipynb",))
"""Jupyter notebooks."""

SOURCE = Selector("Python source outside tests", ("*.py",), lambda p: not is_test_file(p))
"""Python files that are not test code."""

TESTS = Selector(
    "test_*.py files",
    ("*.py",),
    lambda p: PurePosixPath(p).name.startswith("test_") or p.endswith("_test.py"),
)
"""Test modules, wherever they are (``tests/``, ``backend/app/tests/``, next to the code)."""

TOOL_CONFIGS = Selector(
    "pyproject.toml, setup.cfg, tox.ini",
    ("pyproject.toml", "setup.cfg", "tox.ini"),
)
"""The files Python tools read their settings from."""

README = Selector("README.md", ("README.md", "readme.md", "Readme.md", "README.markdown"))
"""The repository's README."""

MAKEFILE = Selector("Makefile", ("Makefile", "makefile", "GNUmakefile"))

TASK_FILES = Selector(
    "task files (Makefile, justfile, mise.toml, noxfile.py, tox.ini, pyproject.toml...)",
    (
        "Makefile",
        "*/Makefile",
        "justfile",
        "Justfile",
        "*mise.toml",
        "noxfile.py",
        "tox.ini",
        "tox.toml",
        "pyproject.toml",
        "*/pyproject.toml",
        "tasks.py",
        "Taskfile.y*ml",
        "package.json",
    ),
)
"""The files task runners read their tasks from."""
"""The repository's Makefile."""

CONFIG_FILES = Selector(
    "configuration files (YAML, TOML, JSON)",
    ("*.yaml", "*.yml", "*.toml", "*.json", "*.cfg", "*.ini"),
    lambda p: not p.startswith(".github/") and not is_test_file(p),
)
"""Configuration files outside workflows and tests."""
