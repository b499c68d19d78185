"""Where the template keeps its locks, and which tracks and Python versions need one.

The locks live in ``templates/locks/<track>/python<version>.lock`` with the matching
``python<version>.constraints.txt``, outside the rendered folder: ``uv.lock.jinja`` and
``constraints.txt.jinja`` include them. Each is what uv wrote for the project that
:func:`canonical_answers` describes, so the lock's own entry carries :data:`STORED_NAME`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlscaffold._template import Template
from mlscaffold.errors import TemplateError

LOCKS_DIR = Path("templates") / "locks"
"""The folder of stored locks, relative to the template's root."""
STORED_PACKAGE = "locked_project"
"""The ``package_name`` of the project each stored lock was made for."""
STORED_NAME = "locked-project"
"""That project's distribution name, as uv writes it in the lock."""
PYPI = "https://pypi.org/simple"
"""The only index a stored lock may name: generated projects install from PyPI."""
EXPORT_ARGS = (
    "export",
    "--frozen",
    "--all-extras",
    "--no-emit-project",
    "--no-hashes",
    "--no-annotate",
    "--format",
    "requirements.txt",
    "--output-file",
    "constraints.txt",
)
"""The ``uv export`` that writes ``constraints.txt``, as the generated Makefile's ``lock`` runs it
(uv records the command in the file's header)."""


@dataclass(frozen=True)
class Target:
    """One lock the template stores: a track and a Python version.

    Attributes:
        track: The ``track`` answer.
        python: The ``python_version`` answer, for example ``3.11``.
    """

    track: str
    python: str

    @property
    def label(self) -> str:
        """``<track>, Python <version>``."""
        return f"{self.track}, Python {self.python}"

    def lock_path(self, root: Path) -> Path:
        """The stored ``uv.lock`` under the template's root."""
        return root / LOCKS_DIR / self.track / f"python{self.python}.lock"

    def constraints_path(self, root: Path) -> Path:
        """The stored ``constraints.txt`` under the template's root."""
        return root / LOCKS_DIR / self.track / f"python{self.python}.constraints.txt"


def python_versions(template: Template) -> tuple[str, ...]:
    """The choices of the ``python_version`` question in ``copier.yml``.

    Raises:
        TemplateError: The question or its choices are missing.
    """
    path = template.root / "copier.yml"
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"cannot read {path}: {exc}") from exc
    question = config.get("python_version") if isinstance(config, dict) else None
    choices = question.get("choices") if isinstance(question, dict) else None
    if not isinstance(choices, list) or not choices:
        raise TemplateError(f"{path}: the python_version question has no list of choices")
    return tuple(str(choice) for choice in choices)


def targets(template: Template) -> tuple[Target, ...]:
    """Every track with every Python version: the locks the template must store."""
    return tuple(
        Target(track, python)
        for track in template.track_names
        for python in python_versions(template)
    )


def canonical_answers(target: Target) -> dict[str, Any]:
    """The answers of the project a stored lock is made for (others take their defaults)."""
    return {
        "track": target.track,
        "python_version": target.python,
        "project_name": "Locked Project",
        "package_name": STORED_PACKAGE,
    }
