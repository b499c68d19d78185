"""Container checks: a hardened, multi-stage Dockerfile and a .dockerignore."""

from __future__ import annotations

import re

from mlscaffold._audit.probes import Result, exists
from mlscaffold._audit.repository import Repo, hit_at
from mlscaffold._audit.spec import CheckSpec


def dockerfile(repo: Repo) -> Result:
    """The Dockerfile has several stages, ends as a non-root user and declares a HEALTHCHECK.

    Args:
        repo: The audited repository.

    Returns:
        Pass with the USER and HEALTHCHECK lines and the stage count, or every problem found.
    """
    path = next((p for p in ("Dockerfile", "docker/Dockerfile") if repo.exists(p)), None)
    text = repo.text(path) if path else None
    if path is None or text is None:
        return False, "no Dockerfile found"
    stages = list(re.finditer(r"^\s*FROM\s", text, re.MULTILINE | re.IGNORECASE))
    users = list(re.finditer(r"^\s*USER\s+(\S+)", text, re.MULTILINE | re.IGNORECASE))
    health = re.search(r"^\s*HEALTHCHECK\s+(?!NONE\b)", text, re.MULTILINE | re.IGNORECASE)
    problems = []
    if len(stages) < 2:
        problems.append("single stage (one FROM)")
    if not users or users[-1].group(1).split(":")[0] in {"root", "0"}:
        problems.append("no non-root USER")
    if health is None:
        problems.append("no HEALTHCHECK")
    if problems:
        return False, f"{path}: {', '.join(problems)}"
    assert health is not None
    return True, (
        f"{hit_at(path, text, users[-1].start())}; {hit_at(path, text, health.start()).where} "
        f"HEALTHCHECK; {len(stages)} stages"
    )


DOCKERFILE = CheckSpec(
    id="dockerfile",
    title="Dockerfile: multi-stage, non-root, healthcheck",
    category="docker",
    weight=2,
    fix="Write a multi-stage Dockerfile whose runtime stage ends with `USER <non-root user>` "
    "and declares a HEALTHCHECK that calls /health.",
    probe=dockerfile,
)
"""The image is small, runs without root, and reports its own health."""

DOCKERIGNORE = CheckSpec(
    id="dockerignore",
    title=".dockerignore",
    category="docker",
    weight=1,
    fix="Add .dockerignore listing .git, .venv, .env, data/ and reports/.",
    probe=exists(".dockerignore", ".dockerignore"),
)
"""The build context leaves out history, environments, secrets and data."""
