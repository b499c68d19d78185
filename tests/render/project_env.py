"""A virtualenv with a generated project's requirements, built once per machine, for its type check.

mypy checks a generated project against the libraries it imports (numpy, pandas, FastAPI, pydantic
and its mypy plugin, ...), so it runs in an environment that has them: the project's dependencies
and its ``dev`` extra, the environment the project's own ``make typecheck`` sees, without the
project itself (mypy reads its sources from ``src``).

Each distinct set of requirements gets one environment under the cache folder
(``$MLSCAFFOLD_TEST_CACHE``, else ``$XDG_CACHE_HOME/mlscaffold-tests``, else
``~/.cache/mlscaffold-tests``), built with uv, which links the installed files from its own cache,
and reused by every later run on the machine. A template change to the requirements gives a new
environment; the versions resolved when one was built stay fixed, so the check does not change
under it when a library publishes a release (the end-to-end tests install afresh). Concurrent
builds of one environment wait for each other, and one left half-built is built again.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

# Part of every environment's key: changing it rebuilds them all.
LAYOUT = 1
BUILD_TIMEOUT_S = 15 * 60
# Written last, so an environment without it is incomplete.
RECORD = "environment.json"
# Variables that would point a tool in a subprocess at another environment or configuration.
FOREIGN_VARIABLES = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "MYPYPATH", "MYPY_CACHE_DIR"}


class BuildError(Exception):
    """The environment could not be built; the message says what failed and how to fix it."""


def cache_root() -> Path:
    """Where the environments are kept."""
    configured = os.environ.get("MLSCAFFOLD_TEST_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mlscaffold-tests"


def clean_environment() -> dict[str, str]:
    """This process's environment less the variables that would redirect a subprocess's tools."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in FOREIGN_VARIABLES and not key.startswith("RUFF_")
    }
    env["NO_COLOR"] = "1"
    return env


def project_requirements(project: Path) -> list[str]:
    """The requirements of a generated project: its dependencies and its ``dev`` extra."""
    loaded = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    metadata = loaded["project"]
    dev = metadata.get("optional-dependencies", {}).get("dev", [])
    return sorted({*metadata.get("dependencies", []), *dev})


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) inside the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class ProjectEnvironment:
    """A built environment: its folder, its interpreter and its mypy caches."""

    root: Path

    @property
    def python(self) -> Path:
        """The environment's interpreter."""
        return self.root / "venv" / "bin" / "python"

    def mypy_cache(self, name: str) -> Path:
        """A mypy cache for project ``name``, valid for this environment's exact libraries."""
        return self.root / "mypy-cache" / name

    def is_complete(self) -> bool:
        """Whether the build finished and the interpreter it links to still exists."""
        return (self.root / RECORD).is_file() and self.python.resolve().is_file()


def _base_interpreter() -> str:
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable))


def environment_key(requirements: list[str]) -> str:
    """A short hash of what an environment is built from: the interpreter and the requirements."""
    identity = {
        "layout": LAYOUT,
        "python": sys.version,
        "interpreter": _base_interpreter(),
        "requirements": sorted(requirements),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def _uv() -> str:
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.is_file() else shutil.which("uv")
    if not found:
        raise BuildError("uv is not installed: install mlscaffold's test extra (`.[test]`)")
    return found


def run_clean(command: list[str], cwd: Path, timeout_s: float) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in ``cwd`` with :func:`clean_environment`, capturing its output as text.

    Raises:
        subprocess.TimeoutExpired: It ran longer than ``timeout_s``.
    """
    return subprocess.run(
        command,
        cwd=cwd,
        env=clean_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return run_clean(command, cwd, BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired as error:
        raise BuildError(f"`{' '.join(command)}` took more than {BUILD_TIMEOUT_S} s") from error


def _build(environment: ProjectEnvironment, requirements: list[str]) -> None:
    uv = _uv()
    root = environment.root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    listed = root / "requirements.txt"
    listed.write_text("\n".join(requirements) + "\n", encoding="utf-8")

    created = _run([uv, "venv", "--quiet", "--python", sys.executable, str(root / "venv")], root)
    if created.returncode != 0:
        raise BuildError(f"`uv venv` failed in {root}:\n{created.stderr}")
    install = [
        uv,
        "pip",
        "install",
        "--quiet",
        "--python",
        str(environment.python),
        "-r",
        str(listed),
    ]
    installed = _run(install, root)
    if installed.returncode != 0:
        # Without the package index, uv's own cache may hold every package already.
        offline = _run([*install, "--offline"], root)
        if offline.returncode != 0:
            raise BuildError(
                f"could not install the generated project's requirements into {root}:\n"
                f"{installed.stderr}\nand offline, from uv's cache only:\n{offline.stderr}\n"
                "the type check needs them once per machine: run the tests once with the package "
                "index reachable, or fix the requirement named above in the template's "
                "pyproject.toml.jinja or its track's `dependencies` macro"
            )
    frozen = _run([uv, "pip", "freeze", "--python", str(environment.python)], root)
    record = {"requirements": requirements, "installed": frozen.stdout.splitlines()}
    (root / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def ensure_environment(requirements: list[str]) -> ProjectEnvironment:
    """The environment for ``requirements``, built first if this machine has none yet.

    Raises:
        BuildError: uv could not build it.
    """
    name = f"typecheck-{environment_key(requirements)}"
    environment = ProjectEnvironment(cache_root() / name)
    with locked(cache_root() / f"{name}.lock"):
        if not environment.is_complete():
            _build(environment, requirements)
    return environment
