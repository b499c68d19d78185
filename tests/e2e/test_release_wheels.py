"""Releases reach users: a project made with one wheel is updated offline by the next wheel.

In a temporary clone of this repository, two releases are cut from two commits the way
docs/releasing.md says (registry entry, version, no tags), and a wheel is built from each. A
project generated with the first wheel, then edited and committed, is updated by a fresh virtual
environment holding only the second wheel, with no flag, no repository and no network for git.
The same update then works from a tagless clone (``--template-repo``), and a project recorded by
release 0.1.0 (naming a repository URL that does not exist) is brought along from the registry.

Wheels are built and installed with uv, which needs the package index for mlscaffold's
dependencies; marked ``slow``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.support import (
    ANSWERS_FILE,
    EXAMPLES,
    REPO_ROOT,
    append,
    commit_all,
    edit,
    generate_at,
    isolated_git,
    read_answers,
    release,
    sh,
)

pytestmark = pytest.mark.slow

OLD, NEW = "0.9.0", "0.10.0"
EXAMPLE = next(e for e in EXAMPLES if e.stem == "fraud-detection")
RUNBOOK_ADDITION = "\n## Taking template releases\nRun `mlscaffold update`, review, commit.\n"
CONFIG_EDIT = "# tuned by the team\n"
RELEASE_0_1_0 = "62651f19d3255f63e0470c6f09730e2d008e0af6"
LEGACY_URL = "https://github.com/mlscaffold/mlscaffold.git"
# What the working tree contributes to the clone: the product, without local caches.
PRODUCT = ("copier.yml", "templates", "generator", "pyproject.toml", "README.md", "examples")


def uv() -> str:
    candidate = Path(sys.executable).parent / "uv"
    found = str(candidate) if candidate.exists() else shutil.which("uv")
    if found is None:
        pytest.fail("uv is not installed; install the test extra: pip install -e '.[test]'")
    return found


def offline_env() -> dict[str, str]:
    """No outer virtualenv, no template repository from the environment, git without network."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "PYTHONPATH", "MLSCAFFOLD_TEMPLATE_REPO"}
    }
    env["GIT_ALLOW_PROTOCOL"] = "file"
    return env


def run(
    *args: str | Path, cwd: Path, ok: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=offline_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode in ok, (
        f"{args} exited {completed.returncode}:\n{completed.stdout}\n{completed.stderr}"
    )
    return completed


def set_version(clone: Path, version: str) -> None:
    init = clone / "generator" / "mlscaffold" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    init.write_text(
        re.sub(r'__version__ = "[^"]+"', f'__version__ = "{version}"', text), encoding="utf-8"
    )


def build_wheel(clone: Path, out: Path) -> Path:
    run(uv(), "build", "--wheel", "--out-dir", out, clone, cwd=clone)
    (wheel,) = out.glob("mlscaffold-*.whl")
    return wheel


def install(wheel: Path, venv: Path) -> Path:
    run(uv(), "venv", "--quiet", "--python", sys.executable, venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    run(uv(), "pip", "install", "--quiet", "--python", python, wheel, cwd=venv.parent)
    return venv / "bin" / "mlscaffold"


@dataclass(frozen=True)
class Releases:
    clone: Path
    old_cli: Path
    new_cli: Path
    new_wheel: Path


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Releases]:
    root = tmp_path_factory.mktemp("releases")
    with isolated_git(root):
        clone = root / "mlscaffold"
        sh("git", "clone", "--quiet", "--no-local", REPO_ROOT, clone, cwd=root)
        for name in PRODUCT:
            source, target = REPO_ROOT / name, clone / name
            if source.is_dir():
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(
                    source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                )
            else:
                shutil.copy2(source, target)
        # Release N: the template as it is here.
        set_version(clone, OLD)
        release(clone, OLD)
        old_wheel = build_wheel(clone, root / "dist-old")
        # Release N+1: the runbook gains a section and the README's title line changes.
        project = clone / "templates" / "project"
        append(project / "docs" / "runbook.md.jinja", RUNBOOK_ADDITION)
        readme = project / "README.md.jinja"
        first = readme.read_text(encoding="utf-8").splitlines()[0]
        edit(readme, first + "\n", first + " (template " + NEW + ")\n")
        set_version(clone, NEW)
        release(clone, NEW)
        new_wheel = build_wheel(clone, root / "dist-new")
        yield Releases(
            clone=clone,
            old_cli=install(old_wheel, root / "venv-old"),
            new_cli=install(new_wheel, root / "venv-new"),
            new_wheel=new_wheel,
        )


def made_with_the_old_wheel(releases: Releases, where: Path) -> Path:
    """A project made with release N's wheel, committed, then edited and committed."""
    where.mkdir()
    run(releases.old_cli, "new", "proj", "--answers-file", EXAMPLE, "--defaults", cwd=where)
    project = where / "proj"
    assert read_answers(project)["_commit"] == f"v{OLD}"
    sh("git", "init", "--quiet", cwd=project)
    commit_all(project, "Create project with mlscaffold")
    append(project / "configs" / "config.yaml", CONFIG_EDIT)
    first = (project / "README.md").read_text(encoding="utf-8").splitlines()[0]
    edit(project / "README.md", first + "\n", first + " for the risk team\n")
    commit_all(project, "Team edits")
    return project


def assert_updated(project: Path, output: str) -> None:
    assert f"v{OLD} -> v{NEW}" in output
    assert (project / "configs" / "config.yaml").read_text(encoding="utf-8").endswith(CONFIG_EDIT)
    assert (project / "docs" / "runbook.md").read_text(encoding="utf-8").endswith(RUNBOOK_ADDITION)
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "<<<<<<< before updating" in readme
    assert "for the risk team" in readme
    assert f"(template {NEW})" in readme
    assert "README.md" in output[output.index("Conflicts:") :]
    assert read_answers(project)["_commit"] == f"v{NEW}"


def test_installed_wheel_updates_offline_with_no_flag(releases: Releases, tmp_path: Path) -> None:
    with isolated_git(tmp_path):
        project = made_with_the_old_wheel(releases, tmp_path / "work")
        start = sh("git", "rev-parse", "HEAD", cwd=project)

        listed = run(releases.new_cli, "releases", cwd=project)
        dry = run(releases.new_cli, "update", "--dry-run", cwd=project, ok=(3,))
        untouched = sh("git", "status", "--porcelain", cwd=project)
        done = run(releases.new_cli, "update", cwd=project, ok=(3,))

    assert f" * v{OLD}" in listed.stdout
    assert f"v{NEW}" in listed.stdout
    assert "releases bundled with mlscaffold" in listed.stdout
    assert "Dry run: nothing was changed." in dry.stdout
    assert "README.md" in dry.stdout[dry.stdout.index("Conflicts:") :]
    assert untouched == ""
    assert sh("git", "rev-parse", "HEAD", cwd=project) == start
    assert_updated(project, done.stdout)


def test_the_same_update_works_from_a_tagless_clone(releases: Releases, tmp_path: Path) -> None:
    with isolated_git(tmp_path):
        tagless = tmp_path / "tagless"
        sh("git", "clone", "--quiet", "--no-tags", releases.clone, tagless, cwd=tmp_path)
        assert sh("git", "tag", cwd=tagless) == ""
        project = made_with_the_old_wheel(releases, tmp_path / "work")

        done = run(releases.new_cli, "update", "--template-repo", tagless, cwd=project, ok=(3,))

    assert_updated(project, done.stdout)
    assert read_answers(project)["_src_path"] == str(tagless)


def test_project_of_release_0_1_0_is_taken_from_the_registry(
    releases: Releases, tmp_path: Path
) -> None:
    with isolated_git(tmp_path):
        answers = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
        project = generate_at(releases.clone, tmp_path / "legacy", RELEASE_0_1_0, answers)
        # What mlscaffold 0.1.0 wrote: a URL that does not exist and its release tag.
        recorded = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8"))
        recorded.update({"_src_path": LEGACY_URL, "_commit": "v0.1.0"})
        (project / ANSWERS_FILE).write_text(yaml.safe_dump(recorded), encoding="utf-8")
        commit_all(project, "Answers file as mlscaffold 0.1.0 wrote it")

        done = run(releases.new_cli, "update", cwd=project, ok=(0, 3))

    assert f"v0.1.0 -> v{NEW}" in done.stdout
    after = read_answers(project)
    assert after["_commit"] == f"v{NEW}"
    assert after["_src_path"] != LEGACY_URL
    assert (project / "docs" / "runbook.md").read_text(encoding="utf-8").endswith(RUNBOOK_ADDITION)


def test_wheel_from_a_shallow_clone_is_refused_with_the_fix(
    releases: Releases, tmp_path: Path
) -> None:
    shallow = tmp_path / "shallow"
    sh("git", "clone", "--quiet", "--depth", "1", f"file://{releases.clone}", shallow, cwd=tmp_path)

    failed = run(
        uv(), "build", "--wheel", "--out-dir", tmp_path / "dist", shallow, cwd=tmp_path, ok=(1, 2)
    )

    message = failed.stdout + failed.stderr
    assert "shallow clone" in message
    assert "git fetch --unshallow" in message
    assert list((tmp_path / "dist").glob("*.whl")) == []
