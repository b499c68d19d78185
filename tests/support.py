"""Helpers shared by the test layers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
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


def release(repo: Path, version: str, *, tag: bool = False, notes: str = "") -> str:
    """Cut release ``version`` of the template repository ``repo`` as docs/releasing.md says.

    Everything in the work tree is committed as the release's template, then the registry
    (``templates/releases.yml``) gains an entry naming that commit, in a second commit. With
    ``tag``, the release commit is also tagged ``v<version>`` (tags only mirror the registry).

    Returns:
        The release's commit.
    """
    commit_all(repo, f"Template {version}")
    commit = sh("git", "rev-parse", "HEAD", cwd=repo).strip()
    registry = repo / "templates" / "releases.yml"
    entries = yaml.safe_load(registry.read_text(encoding="utf-8")) if registry.is_file() else []
    entries = [
        *(entries or []),
        {
            "version": version,
            "commit": commit,
            "date": "2026-12-01",
            "notes": notes or f"release {version}",
        },
    ]
    registry.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    commit_all(repo, f"Release {version}")
    if tag:
        sh("git", "tag", f"v{version}", commit, cwd=repo)
    return commit


def template_repository_at(dest: Path, version: str = "0.1.0", *, tag: bool = True) -> Path:
    """A git repository of this checkout's template (copier.yml and templates/), released.

    Its registry lists only its own release ``version`` (this checkout's registry names commits
    of this repository's history, which the new repository does not have).
    """
    dest.mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "copier.yml", dest / "copier.yml")
    shutil.copytree(
        REPO_ROOT / "templates",
        dest / "templates",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "releases.yml"),
    )
    sh("git", "init", "--quiet", cwd=dest)
    release(dest, version, tag=tag)
    return dest


TINY_COPIER_YML = """\
_subdirectory: templates/project
_answers_file: .copier-answers.yml
_templates_suffix: .jinja
project_name:
  type: str
  help: Project name
  default: ML Project
package_name:
  type: str
  help: Python package name
  default: "{{ project_name | lower | regex_replace('[^a-z0-9]+', '_') | trim('_') }}"
track:
  type: str
  help: What kind of ML project
  choices:
    "fraud-detection: card fraud": fraud-detection
    "rag: question answering": rag
description:
  type: str
  help: One-line description
  default: A project
"""

TINY_FILES = {
    "{{ _copier_conf.answers_file }}.jinja": (
        "# Answers used to generate this project.\n{{ _copier_answers | to_nice_yaml }}"
    ),
    "README.md.jinja": "# {{ project_name }}\n\n{{ description }}.\n\nRun `make all`.\n",
    "docs/runbook.md.jinja": "# Runbook for {{ project_name }}\n\nRoll back.\n",
    "docs/risk_checklist.md.jinja": "# Risk checklist\n\n- [ ] No personal data in artifacts.\n",
    "configs/config.yaml": "seed: 7\nmodel: baseline\n",
    "src/{{ package_name }}/__init__.py": '"""The package."""\n',
    "src/{{ package_name }}/core/drift.py": '"""Drift checks."""\n\nLIMIT = 0.2\n',
    "src/{{ package_name }}/core/{% if track == 'rag' %}retrieval.py{% endif %}": (
        '"""Retrieval."""\n'
    ),
}


def tiny_template_at(
    dest: Path,
    version: str = "0.1.0",
    *,
    tag: bool = True,
    files: Mapping[str, str] | None = None,
) -> Path:
    """A released git repository of a small template with the shape of mlscaffold's.

    It has the same questions (project name, derived package name, track, description), a
    Jinja-named package folder, a track-only file and a few docs, so updates, renames and
    conflicts can be tested in well under a second per render. ``files`` adds template files
    (path under ``templates/project`` -> text) to the first release.
    """
    dest.mkdir(parents=True)
    (dest / "copier.yml").write_text(TINY_COPIER_YML, encoding="utf-8")
    project = dest / "templates" / "project"
    for relative, text in {**TINY_FILES, **(files or {})}.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (dest / "templates" / "migrations.yml").write_text("[]\n", encoding="utf-8")
    sh("git", "init", "--quiet", cwd=dest)
    release(dest, version, tag=tag)
    return dest


def generate_at(
    template_repo: Path, dest: Path, ref: str, answers: dict[str, str], *, label: str = ""
) -> Path:
    """Render ``template_repo`` at ``ref`` the way ``mlscaffold new`` does, then commit it.

    The answers file records ``label`` as the template version (default: ``ref``).
    """
    import copier

    from mlscaffold._answers import stamp_answers

    copier.run_copy(
        str(template_repo),
        dest,
        data=answers,
        vcs_ref=ref,
        defaults=True,
        quiet=True,
        unsafe=False,
        settings=copier.Settings(),
    )
    stamp_answers(
        dest / ANSWERS_FILE,
        ANSWERS_FILE,
        src=str(template_repo),
        commit=label or ref,
        version=(label or ref).lstrip("v"),
    )
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
