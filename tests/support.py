"""Helpers shared by the test layers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
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


def sh(*args: str | Path, cwd: Path) -> str:
    """Run a command in ``cwd``, assert that it succeeded, and return its stdout."""
    completed = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, f"{args}: {completed.stderr}"
    return completed.stdout


def commit_all(repo: Path, message: str) -> None:
    """Commit every change in ``repo``."""
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "--quiet", "--no-verify", "-m", message, cwd=repo)


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in a text file with ``new``."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path: Path, text: str) -> None:
    """Add ``text`` at the end of a text file."""
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@contextmanager
def isolated_git(folder: Path) -> Iterator[None]:
    """Git without the user's configuration, with a test identity, inside the block."""
    config = folder / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", str(config))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for role in ("AUTHOR", "COMMITTER"):
            patch.setenv(f"GIT_{role}_NAME", "Test User")
            patch.setenv(f"GIT_{role}_EMAIL", "test@example.com")
        yield


def template_repository_at(dest: Path, tag: str = "v0.1.0") -> Path:
    """A git repository of this checkout's template (copier.yml and templates/), tagged ``tag``."""
    import shutil

    dest.mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "copier.yml", dest / "copier.yml")
    shutil.copytree(
        REPO_ROOT / "templates",
        dest / "templates",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    sh("git", "init", "--quiet", cwd=dest)
    commit_all(dest, f"Template {tag}")
    sh("git", "tag", tag, cwd=dest)
    return dest


def generate_at(template_repo: Path, dest: Path, tag: str, answers: dict[str, str]) -> Path:
    """Render ``template_repo`` at ``tag`` the way ``mlscaffold new`` does, then commit it."""
    import copier

    from mlscaffold._new import stamp_answers
    from mlscaffold._template import TEMPLATE_REPO_ENV

    copier.run_copy(
        str(template_repo),
        dest,
        data=answers,
        vcs_ref=tag,
        defaults=True,
        quiet=True,
        unsafe=False,
        settings=copier.Settings(),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TEMPLATE_REPO_ENV, str(template_repo))
        stamp_answers(dest / ANSWERS_FILE, ANSWERS_FILE, commit=tag, version=tag.lstrip("v"))
    sh("git", "init", "--quiet", cwd=dest)
    commit_all(dest, "Create project with mlscaffold")
    return dest


MAKE_TIMEOUT_S = 30 * 60


def project_environment() -> dict[str, str]:
    """The environment for a generated project's make targets: uv on PATH, no outer virtualenv."""
    env = {
        key: value
        for key, value in os.environ.items()
        # A user's machine writes bytecode caches; without them every step re-compiles its imports.
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE"}
    }
    # uv comes with the test extra, next to this interpreter; the Makefile uses it when found.
    uv_dirs = [Path(sys.executable).parent]
    found = shutil.which("uv")
    if found:
        uv_dirs.append(Path(found).parent)
    env["PATH"] = os.pathsep.join([*(str(d) for d in uv_dirs), env.get("PATH", "")])
    return env


def run_make(
    project: Path,
    target: str,
    variables: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> None:
    """Run ``make TARGET [NAME=VALUE ...]`` in a generated project.

    The test fails with make's output if the target fails.
    """
    completed = subprocess.run(
        ["make", target, *(f"{name}={value}" for name, value in (variables or {}).items())],
        cwd=project,
        env=env or project_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=MAKE_TIMEOUT_S,
        check=False,
    )
    assert completed.returncode == 0, (
        f"`make {target}` failed with exit code {completed.returncode} in {project}\n"
        f"--- stdout ---\n{completed.stdout}\n--- stderr ---\n{completed.stderr}"
    )
