"""Check every lock the template stores against the ``pyproject.toml`` it renders beside it.

For each track and Python version, ``pyproject.toml.jinja``, ``uv.lock.jinja`` and
``constraints.txt.jinja`` are rendered with a Jinja environment set up as Copier sets up its own
(sandboxed, the same filters, the template's root as the loader's root, trailing newlines kept),
for a project whose name differs from the stored one, so that renaming the project's entry is
checked too. Rendering these files alone takes a fraction of a second where rendering whole
projects would take seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlscaffold._locks.check import compare, compare_constraints
from mlscaffold._locks.layout import Target, canonical_answers, targets
from mlscaffold._template import Template, load_template

CHECK_PACKAGE = "zz_checked_project"
"""The package name the check renders with: it sorts after every locked library."""
_FILES = ("pyproject.toml", "uv.lock", "constraints.txt")


def render_files(
    template: Template, target: Target, answers: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """``pyproject.toml``, ``uv.lock`` and ``constraints.txt`` as rendered for ``target``.

    Args:
        template: The template.
        target: The track and Python version.
        answers: Answers over :func:`~mlscaffold._locks.layout.canonical_answers` (the other
            questions get placeholder answers: they do not change either file's dependencies).
    """
    from jinja2 import FileSystemLoader
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(
        loader=FileSystemLoader(str(template.root)),
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        keep_trailing_newline=True,
    )
    context = {
        "description": "A project",
        "author_name": "A team",
        **canonical_answers(target),
        **(answers or {}),
    }
    project = Path("templates") / "project"
    return {
        name: environment.get_template((project / f"{name}.jinja").as_posix()).render(context)
        for name in _FILES
    }


def check_stored(template: Template | None = None) -> dict[Target, list[str]]:
    """Every stored lock's problems, by track and Python version (an empty list: it matches)."""
    template = template or load_template()
    found = {}
    for target in targets(template):
        if not target.lock_path(template.root).is_file():
            found[target] = [
                f"no lock is stored for {target.label} "
                f"({target.lock_path(template.root).relative_to(template.root)}); run "
                "`mlscaffold locks refresh`"
            ]
            continue
        files = render_files(template, target, {"package_name": CHECK_PACKAGE})
        found[target] = compare(files["pyproject.toml"], files["uv.lock"]) + compare_constraints(
            files["uv.lock"], files["constraints.txt"]
        )
    return found
