"""The tools the checks recognise, as patterns on a command line or a hook.

A check asks whether CI (directly, or through a task or a hook, see :mod:`.tasks`) runs one of
these; the patterns match the tool's name where it is invoked (``pytest``, ``uv run ty check``,
``astral-sh/ruff-action``, a pre-commit hook's repository).
"""

from __future__ import annotations

import re

TEST_RUNNERS = re.compile(
    r"\bpytest\b|\bpy\.test\b|-m[ \t]+unittest\b|\bunittest[ \t]+discover\b"
    r"|\bhatch[ \t]+test\b|\bmanage\.py[ \t]+test\b|\bward[ \t]+test\b"
)
"""Test runners: pytest, unittest, ``hatch test``, Django's test command."""

LINTERS = re.compile(
    r"\bruff\b(?![ \t]+format\b|-format\b)|\bflake8\b|\bpylint\b|\bhatch[ \t]+fmt\b"
    r"|\bprospector\b|\bwemake-python-styleguide\b"
)
"""Linters: ruff (not its formatter alone), flake8, pylint, ``hatch fmt``."""

TYPE_CHECKERS = re.compile(
    r"\bmypy\b|\bbasedpyright\b|\bpyright\b|\bty(?:@[\w.]+)?[ \t]+check\b|\bpytype\b"
    r"|\bpyre[ \t]+check\b|\bpyrefly\b"
)
"""Type checkers: mypy, pyright, basedpyright, ty, pytype, pyre, pyrefly."""

SECRET_SCANNERS = re.compile(
    r"\bdetect-secrets\b|\bgitleaks\b|\btrufflehog\b|\bdetect-private-key\b|\bggshield\b"
)
"""Secret scanners: detect-secrets, gitleaks, trufflehog, pre-commit's detect-private-key."""

LINT_CONFIG = re.compile(r"^\[(?:tool\.(?:ruff|flake8|pylint)[^\]]*|flake8|pylint)\]", re.MULTILINE)
"""Linter sections of pyproject.toml, setup.cfg or tox.ini."""

LINT_CONFIG_FILES = ("ruff.toml", ".ruff.toml", ".flake8", ".pylintrc", "pylintrc")
"""Linter configuration files."""

TYPE_CONFIG = re.compile(
    r"^\[(?:tool\.(?:mypy|pyright|basedpyright|ty|pyrefly)[^\]]*|mypy[^\]]*)\]", re.MULTILINE
)
"""Type checker sections of pyproject.toml, setup.cfg or tox.ini."""

TYPE_CONFIG_FILES = (
    "mypy.ini",
    ".mypy.ini",
    "pyrightconfig.json",
    "ty.toml",
    ".ty.toml",
    "pyrefly.toml",
)
"""Type checker configuration files."""
