"""Every example renders cleanly: no Jinja left, the answers recorded, exactly the expected files.

When the template gains, loses or renames files, rerun ``python tests/render/update_expected.py``
and review the change to ``tests/render/expected/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pytest_copie.plugin import Copie

from mlscaffold import __version__
from mlscaffold._releases.bundle import IDENTITY, write_bundle
from mlscaffold._releases.locate import rendered_identity
from mlscaffold._template import load_template
from tests.render.update_expected import project_files, read_expected
from tests.support import ANSWERS_FILE, EXAMPLES, REPO_ROOT, read_answers

# `{{`, `{%` or `{#` left by a missed `.jinja` suffix or a typo. `${{` is GitHub Actions syntax
# and `${#` is bash, both legitimate in a rendered file.
JINJA_LEFTOVER = re.compile(r"(?<!\$)\{[{%#]")


@pytest.fixture(scope="module", params=EXAMPLES, ids=[e.stem for e in EXAMPLES])
def example(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path


@pytest.fixture(scope="module")
def project(example: Path, rendered_examples: dict[str, Path]) -> Path:
    """The example, rendered as ``mlscaffold new`` does (shared with the other layers)."""
    return rendered_examples[example.stem]


def _answers(example: Path) -> dict[str, object]:
    loaded = yaml.safe_load(example.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_there_is_an_example_per_track() -> None:
    tracks = {_answers(example)["track"] for example in EXAMPLES}
    assert tracks == set(load_template().track_names)


def test_no_jinja_left_in_text_files(project: Path) -> None:
    leftovers = []
    for relative in project_files(project):
        path = project / relative
        if path.is_symlink():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if JINJA_LEFTOVER.search(line):
                leftovers.append(f"{relative}:{number}: {line.strip()}")
        if JINJA_LEFTOVER.search(relative):
            leftovers.append(f"{relative}: in the file name")
    assert leftovers == []


def test_answers_file_records_the_answers_and_version(example: Path, project: Path) -> None:
    answers = read_answers(project)

    for key, value in _answers(example).items():
        assert answers[key] == value
    assert answers["_mlscaffold_version"] == __version__
    # Where the template was rendered from (this clone) and which version it holds.
    assert answers["_src_path"] == str(load_template().root)
    assert answers["_commit"] == rendered_identity(load_template()).label


def test_file_set_matches_the_expected_list(example: Path, project: Path) -> None:
    expected_file = Path("tests/render/expected") / f"{example.stem}.txt"
    if not (REPO_ROOT / expected_file).is_file():
        pytest.fail(f"{expected_file} is missing: run python tests/render/update_expected.py")

    assert project_files(project) == read_expected(example), (
        f"the rendered files differ from {expected_file}; if the template change is intended, "
        "run python tests/render/update_expected.py and review the diff"
    )


# Run from a clone, copier renders uncommitted template edits and says so.
@pytest.mark.filterwarnings("ignore::copier.errors.DirtyLocalWarning")
def test_copier_alone_renders_the_same_files(example: Path, project: Path, copie: Copie) -> None:
    # `copier copy <repository>` must work too: copier.yml sits at the repository root.
    result = copie.copy(extra_answers=_answers(example), template_dir=REPO_ROOT)

    assert result.exit_code == 0, result.exception
    assert result.project_dir is not None
    assert project_files(result.project_dir) == project_files(project)
    answers = yaml.safe_load((result.project_dir / ANSWERS_FILE).read_text(encoding="utf-8"))
    assert answers["track"] == _answers(example)["track"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site folder laid out like an installed wheel (see pyproject.toml and hatch_build.py).

    The package, with the template in ``mlscaffold/_template`` and the releases bundle in
    ``mlscaffold/_bundled``.
    """
    site = tmp_path_factory.mktemp("site")
    package = site / "mlscaffold"
    shutil.copytree(
        REPO_ROOT / "generator" / "mlscaffold",
        package,
        ignore=shutil.ignore_patterns("__pycache__", "_bundled"),
    )
    shutil.copytree(REPO_ROOT / "templates", package / "_template" / "templates")
    shutil.copy2(REPO_ROOT / "copier.yml", package / "_template" / "copier.yml")
    write_bundle(REPO_ROOT, package / "_bundled")
    return site


@pytest.mark.process
def test_installed_layout_renders_the_same_files(
    example: Path, project: Path, installed: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "out" / example.stem

    completed = subprocess.run(
        [sys.executable, "-m", "mlscaffold", "new", str(dest), "--answers-file", str(example)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(installed)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert project_files(dest) == project_files(project)
    # The installed template was rendered, and its version is the one its bundle records.
    answers = read_answers(dest)
    identity = yaml.safe_load((installed / "mlscaffold" / "_bundled" / IDENTITY).read_text())
    assert answers["_src_path"] == str((installed / "mlscaffold" / "_template").resolve())
    assert answers["_commit"] == identity["label"] == rendered_identity(load_template()).label
