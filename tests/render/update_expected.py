"""Regenerate the expected file list of every example: ``python tests/render/update_expected.py``.

Each ``tests/render/expected/<example>.txt`` lists, one per line, the files a project rendered
from ``examples/<example>.yml`` must contain, no more and no fewer. A change to the template that
adds, removes or renames files needs this script rerun and the diff of those lists reviewed with
the template change: the list is the reviewer's view of what a generated repository holds.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EXPECTED_DIR = Path(__file__).resolve().parent / "expected"


def render_example(example: Path, dest: Path) -> Path:
    """Render ``example`` (an answers file) into ``dest`` the way ``mlscaffold new`` does."""
    from mlscaffold._new import create_project

    return create_project(dest, answers_file=example, defaults=True)


def project_files(root: Path) -> list[str]:
    """Every file under ``root`` (symlinks included), as sorted POSIX paths relative to it."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() or path.is_symlink()
    )


def expected_path(example: Path) -> Path:
    """Where the expected file list of ``example`` is kept."""
    return EXPECTED_DIR / f"{example.stem}.txt"


def read_expected(example: Path) -> list[str]:
    """The checked-in file list of ``example``."""
    return expected_path(example).read_text(encoding="utf-8").splitlines()


def main() -> int:
    """Render every example and rewrite its expected file list."""
    sys.path.insert(0, str(REPO_ROOT / "generator"))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Path(tmp) / "copier-settings.yml"
        settings.write_text("{}\n", encoding="utf-8")
        os.environ["COPIER_SETTINGS_PATH"] = str(settings)
        EXPECTED_DIR.mkdir(exist_ok=True)
        for example in sorted((REPO_ROOT / "examples").glob("*.yml")):
            project = render_example(example, Path(tmp) / example.stem)
            files = project_files(project)
            expected_path(example).write_text("\n".join(files) + "\n", encoding="utf-8")
            print(f"{expected_path(example).relative_to(REPO_ROOT)}: {len(files)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
