"""The built wheel carries the template and its releases; an installed mlscaffold works anywhere.

Builds the wheel with uv and installs it into a fresh virtualenv, so it needs the package index
for mlscaffold's dependencies; marked ``slow``.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.support import EXAMPLES, REPO_ROOT, list_files, read_answers

BUNDLE = "mlscaffold/_bundled"

pytestmark = pytest.mark.slow


def _uv() -> str:
    candidate = Path(sys.executable).parent / "uv"
    found = str(candidate) if candidate.exists() else shutil.which("uv")
    if found is None:
        pytest.fail("uv is not installed; install the test extra: pip install -e '.[test]'")
    return found


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    completed = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, f"{args} failed:\n{completed.stdout}\n{completed.stderr}"
    return completed


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(_uv(), "build", "--wheel", "--out-dir", out, REPO_ROOT, cwd=REPO_ROOT)
    (built,) = out.glob("mlscaffold-*.whl")
    return built


def test_wheel_holds_the_package_and_the_whole_template(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    assert "mlscaffold/cli.py" in names
    assert "mlscaffold/_template/copier.yml" in names
    template_files = {
        f"mlscaffold/_template/templates/{relative}"
        for relative in list_files(REPO_ROOT / "templates")
        if "__pycache__" not in relative
    }
    assert template_files - names == set()


def _release_versions() -> list[str]:
    entries = yaml.safe_load((REPO_ROOT / "templates" / "releases.yml").read_text("utf-8"))
    return [str(entry["version"]) for entry in entries]


def test_wheel_carries_every_release_and_the_identity_of_its_template(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        bundled = {name for name in names if name.startswith(f"{BUNDLE}/")}
        versions = _release_versions()

        assert versions, "templates/releases.yml lists no release"
        assert bundled == {
            f"{BUNDLE}/index.yml",
            f"{BUNDLE}/template.yml",
            *(f"{BUNDLE}/{version}.tar.gz" for version in versions),
        }
        index = yaml.safe_load(archive.read(f"{BUNDLE}/index.yml"))
        assert [str(entry["version"]) for entry in index] == versions
        identity = yaml.safe_load(archive.read(f"{BUNDLE}/template.yml"))
        assert isinstance(identity["label"], str)
        assert identity["label"]
        for version in versions:
            data = gzip.decompress(archive.read(f"{BUNDLE}/{version}.tar.gz"))
            with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                members = tar.getnames()
            # A release is the template's two parts at the release's commit.
            assert "copier.yml" in members, version
            assert any(m.startswith("templates/project/") for m in members), version


def test_installed_mlscaffold_works_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run(_uv(), "venv", "--python", sys.executable, venv, cwd=tmp_path)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    # Compiled like pip compiles: the template's .py files then have bytecode caches beside them.
    _run(_uv(), "pip", "install", "--compile-bytecode", "--python", python, wheel, cwd=tmp_path)
    mlscaffold = python.parent / "mlscaffold"
    example = EXAMPLES[0]

    version = _run(mlscaffold, "--version", cwd=tmp_path)
    _run(mlscaffold, "new", "proj", "--answers-file", example, cwd=tmp_path)

    assert "mlscaffold" in version.stdout
    proj = tmp_path / "proj"
    stray = [p for p in proj.rglob("*") if p.name == "__pycache__" or p.suffix == ".pyc"]
    assert stray == []
    # The answers file names the installed template it was rendered from, and the version the
    # wheel's bundle says that template is, so that `mlscaffold update` can take it further.
    answers = read_answers(tmp_path / "proj")
    with zipfile.ZipFile(wheel) as archive:
        identity = yaml.safe_load(archive.read(f"{BUNDLE}/template.yml"))
    assert answers["_commit"] == identity["label"]
    assert Path(str(answers["_src_path"])).parts[-2:] == ("mlscaffold", "_template")
    assert Path(str(answers["_src_path"])).is_relative_to(venv.resolve())
