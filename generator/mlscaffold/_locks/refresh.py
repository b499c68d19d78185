"""Re-lock the template's stored locks: ``mlscaffold locks refresh``.

For each track and Python version, the project :func:`~mlscaffold._locks.layout.canonical_answers`
describes is rendered from the template as it is on disk, with its stored lock in place, and
``uv lock`` runs there: it keeps every pin that still satisfies ``pyproject.toml`` and resolves
only what changed (``--upgrade`` resolves everything anew, to the newest releases). ``uv export``
then writes the pip constraints, and both files go back into ``templates/locks/``.

uv runs with no configuration files and none of the ``UV_*`` settings that change a resolution
(indexes, ``exclude-newer``...), against PyPI only, so a lock names nothing of the machine that
made it. It needs a Python of each version the template offers; it finds them on PATH or among
its managed installs, and downloads one it lacks when it can.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from mlscaffold import _copier
from mlscaffold._locks import LockError
from mlscaffold._locks.layout import (
    EXPORT_ARGS,
    PYPI,
    STORED_NAME,
    Target,
    canonical_answers,
    targets,
)
from mlscaffold._locks.uv import require_uv, run_uv
from mlscaffold._template import Template, load_template

# Settings uv may keep from the environment: where its cache and Pythons are, and how it
# reaches the network. Every other UV_* variable is dropped.
_KEPT_UV_SETTINGS = frozenset(
    {
        "UV_CACHE_DIR",
        "UV_PYTHON_INSTALL_DIR",
        "UV_PYTHON_DOWNLOADS",
        "UV_OFFLINE",
        "UV_NATIVE_TLS",
        "UV_HTTP_TIMEOUT",
        "UV_CONCURRENT_DOWNLOADS",
    }
)
_JINJA_DELIMITERS = ("{{", "{%", "{#")


@dataclass(frozen=True)
class Refreshed:
    """What refreshing one stored lock did.

    Attributes:
        target: The track and Python version.
        status: ``created``, ``updated``, ``unchanged`` or ``failed``.
        detail: The number of locked packages, or why it failed.
        seconds: How long it took.
    """

    target: Target
    status: str
    detail: str
    seconds: float


def refresh_locks(
    template: Template | None = None,
    *,
    tracks: Iterable[str] = (),
    pythons: Iterable[str] = (),
    upgrade: bool = False,
    uv: str | None = None,
    progress: Callable[[Refreshed], None] | None = None,
) -> list[Refreshed]:
    """Re-lock the stored locks, all of them or those of the given tracks and Python versions.

    Args:
        template: The template (default: the one mlscaffold runs from).
        tracks: Only these tracks (default: every track).
        pythons: Only these Python versions (default: every ``python_version`` choice).
        upgrade: Resolve every package anew instead of keeping the pins that still fit.
        uv: The uv executable (default: found as :func:`~mlscaffold._locks.uv.find_uv` says).
        progress: Called with each result as soon as it is known.

    Returns:
        One result per lock, in template order. A failed lock leaves its stored files as they
        were; the others are written.

    Raises:
        LockError: uv is missing, or a track or Python version named is not the template's.
    """
    template = template or load_template()
    executable = require_uv(uv)
    chosen = _select(targets(template), set(tracks), set(pythons))
    results = []
    for target in chosen:
        started = time.monotonic()
        try:
            status, detail = _refresh_one(template, target, executable, upgrade=upgrade)
        except LockError as exc:
            status, detail = "failed", exc.message
        result = Refreshed(target, status, detail, round(time.monotonic() - started, 1))
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def _select(every: tuple[Target, ...], tracks: set[str], pythons: set[str]) -> list[Target]:
    for wanted, known, what in (
        (tracks, {t.track for t in every}, "track"),
        (pythons, {t.python for t in every}, "Python version"),
    ):
        unknown = sorted(wanted - known)
        if unknown:
            raise LockError(
                f"unknown {what} {', '.join(unknown)}: the template has {', '.join(sorted(known))}"
            )
    return [
        target
        for target in every
        if (not tracks or target.track in tracks) and (not pythons or target.python in pythons)
    ]


def _refresh_one(template: Template, target: Target, uv: str, *, upgrade: bool) -> tuple[str, str]:
    lock_file = target.lock_path(template.root)
    constraints_file = target.constraints_path(template.root)
    with tempfile.TemporaryDirectory(prefix="mlscaffold-lock-") as folder:
        project = Path(folder) / "project"
        project.mkdir()
        _copier.copy(
            template.root,
            project,
            data=canonical_answers(target),
            user_defaults={},
            prompt=False,
            vcs_ref="HEAD" if template.is_git_clone else None,
        )
        rendered = project / "uv.lock"
        if rendered.is_file() and not rendered.read_text(encoding="utf-8").strip():
            rendered.unlink()  # no lock stored yet: resolve from scratch
        env = uv_environment()
        lock_args = ["lock", "--default-index", PYPI, "--python", target.python]
        run_uv(uv, [*lock_args, *(["--upgrade"] if upgrade else [])], project, env=env)
        lock = rendered.read_text(encoding="utf-8")
        check_storable(lock, target)
        run_uv(uv, EXPORT_ARGS, project, env=env)
        constraints = (project / "constraints.txt").read_text(encoding="utf-8")
    existed = lock_file.is_file()
    changed = [
        (path, text)
        for path, text in ((lock_file, lock), (constraints_file, constraints))
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]
    for path, text in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    status = "unchanged" if not changed else ("updated" if existed else "created")
    return status, f"{lock.count(chr(10) + '[[package]]' + chr(10))} packages"


def uv_environment() -> dict[str, str]:
    """This process's environment without the settings that would change what uv resolves.

    ``UV_NO_CONFIG`` keeps uv from reading ``uv.toml`` files (the user's, the machine's).
    """
    kept = {
        key: value
        for key, value in os.environ.items()
        if (not key.startswith("UV_") or key in _KEPT_UV_SETTINGS)
        and key not in {"VIRTUAL_ENV", "CONDA_PREFIX"}
    }
    return kept | {"UV_NO_CONFIG": "1"}


def check_storable(lock: str, target: Target) -> None:
    """Refuse a lock the template cannot store and render.

    Raises:
        LockError: It has no entry for the stored project, names an index other than PyPI, or
            holds text Jinja would read as a tag.
    """
    own = f'\n[[package]]\nname = "{STORED_NAME}"\n'
    if own not in lock or '\nsource = { editable = "." }\n' not in lock:
        raise LockError(f"{target.label}: the lock has no entry for the project {STORED_NAME}")
    for delimiter in _JINJA_DELIMITERS:
        if delimiter in lock:
            raise LockError(f"{target.label}: the lock holds {delimiter!r}, which Jinja would read")
    others = {
        line.split('registry = "', 1)[1].split('"', 1)[0]
        for line in lock.splitlines()
        if 'registry = "' in line
    } - {PYPI}
    if others:
        raise LockError(
            f"{target.label}: the lock names indexes other than {PYPI}: {', '.join(sorted(others))}"
        )
