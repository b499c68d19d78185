"""Helpers shared by the test layers."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO_ROOT / "examples").glob("*.yml"))
ANSWERS_FILE = ".copier-answers.yml"


def list_files(root: Path) -> list[str]:
    """Every file under ``root`` (symlinks included), as sorted POSIX paths relative to it."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() or path.is_symlink()
    )


def staging_dirs(parent: Path, dest_name: str) -> list[str]:
    """Staging folders for ``dest_name`` left in ``parent``."""
    pattern = re.compile(re.escape(f".{dest_name}.mlscaffold-") + r"\d+-[0-9a-f]+")
    return [p.name for p in parent.iterdir() if pattern.fullmatch(p.name)]


def read_answers(project: Path) -> dict[str, object]:
    """The project's answers file as a mapping."""
    loaded = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded
