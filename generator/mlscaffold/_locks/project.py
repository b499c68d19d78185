"""A new project's lock: checked when the template stored one, made when it did not.

``uv.lock.jinja`` renders the lock stored for the project's track and Python version, renamed to
the project. Two cases need more than rendering:

- the project's name is also the name of a library it installs (a package called ``click``): the
  lock would hold two packages of one name, and the project could not be installed; the answer is
  refused before anything is created;
- the template stores no lock for the track and Python version (the file renders empty): ``uv
  lock`` makes one, from uv's cache first and then from the package index; where uv is missing
  or fails, the project is created without ``uv.lock`` and ``constraints.txt``, and the note
  returned says so and how to add them.
"""

from __future__ import annotations

import re
from pathlib import Path

from mlscaffold._locks import LockError
from mlscaffold._locks.layout import EXPORT_ARGS
from mlscaffold._locks.uv import find_uv, run_uv
from mlscaffold.errors import AnswersError

LOCK = "uv.lock"
CONSTRAINTS = "constraints.txt"
ONLINE_TIMEOUT_S = 120.0
"""Longest `new` waits for ``uv lock`` to resolve from the package index."""
_PACKAGE_NAME = re.compile(r'^\[\[package\]\]\nname = "([^"]+)"\n', re.MULTILINE)
_OWN_SOURCE = '\nsource = { editable = "." }\n'


def complete_lock(project: Path, *, uv: str | None = None) -> str | None:
    """Check or make the lock of the project rendered in ``project``.

    Args:
        project: The rendered project (before it is moved into place).
        uv: The uv executable for a lock the template did not store (default: found as
            :func:`~mlscaffold._locks.uv.find_uv` says).

    Returns:
        ``None`` when the project has its lock (or the template ships none at all); otherwise
        a note for the user saying why there is no lock and what to run.

    Raises:
        AnswersError: The project's name is the name of a library in its lock.
    """
    lock = project / LOCK
    if not lock.is_file():
        return None
    text = lock.read_text(encoding="utf-8")
    if text.strip():
        refuse_name_clash(text)
        return None
    lock.unlink()
    executable = find_uv(uv)
    if executable is None:
        reason = "uv is not installed"
    else:
        try:
            _lock(executable, project)
        except LockError as exc:
            reason = _first_error(exc.message)
        else:
            refuse_name_clash((project / LOCK).read_text(encoding="utf-8"))
            return None
    (project / CONSTRAINTS).unlink(missing_ok=True)
    return (
        "the project has no uv.lock or constraints.txt: the template stores no lock for its "
        f"track and Python version, and `uv lock` failed ({reason}); `make setup` needs them, "
        "so run `make lock` in the project once that is fixed (it needs uv and the package index)"
    )


def refuse_name_clash(lock_text: str) -> None:
    """Refuse a lock in which a library has the project's own name.

    Raises:
        AnswersError: It does; the message names the library and how to choose another name.
    """
    blocks = lock_text.split("\n[[package]]\n")[1:]
    own = [b.split('"', 2)[1] for b in blocks if _OWN_SOURCE in b and b.startswith('name = "')]
    if len(own) != 1:
        return
    names = _PACKAGE_NAME.findall(lock_text)
    if names.count(own[0]) > 1:
        package = own[0].replace("-", "_")
        raise AnswersError(
            f"package name '{package}' is also the name of a library the project installs "
            f"({own[0]}); choose another (for example '{package}_ml')"
        )


def _first_error(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    errors = [line.removeprefix("error:").strip() for line in lines if line.startswith("error:")]
    return errors[0] if errors else lines[-1]


def _lock(uv: str, project: Path) -> None:
    """``uv lock`` (offline from uv's cache, else from the index), then the pip constraints."""
    offline = ["lock", "--offline", "--no-python-downloads"]
    try:
        run_uv(uv, offline, project)
    except LockError:
        run_uv(uv, ["lock", "--no-python-downloads"], project, timeout=ONLINE_TIMEOUT_S)
    run_uv(uv, list(EXPORT_ARGS), project)
