"""The lockfiles the template ships: where they live, how they are refreshed, checked and used.

Every generated project carries a ``uv.lock`` that matches its ``pyproject.toml``, and a
``constraints.txt`` (``uv export`` of that lock) for installs with pip. What the lock holds
depends on the track (its dependencies and extras) and on the ``python_version`` answer (the
project's ``requires-python``); the project's name appears only in the project's own entry. So
the template stores one lock per track and Python version (:mod:`mlscaffold._locks.layout`),
rendered into each project with the project's name (``templates/locks/render.jinja``): a new
project gets its lock offline, in the time it takes to render.

- :mod:`mlscaffold._locks.refresh` re-locks every stored lock (``mlscaffold locks refresh``);
- :mod:`mlscaffold._locks.check` compares a project's lock with its ``pyproject.toml``, and
  :mod:`mlscaffold._locks.stored` every stored lock with the template's (``mlscaffold locks
  check``, and the tests);
- :mod:`mlscaffold._locks.project` completes a new project whose lock the template lacks.
"""

from __future__ import annotations

from mlscaffold.errors import MlscaffoldError


class LockError(MlscaffoldError):
    """A lock could not be made, read or refreshed (uv is missing or failed, a lock is stale)."""
