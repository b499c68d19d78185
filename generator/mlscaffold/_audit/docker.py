"""Container checks: a hardened, multi-stage Dockerfile and a .dockerignore."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from mlscaffold._audit.probes import Result, exists
from mlscaffold._audit.repository import Repo, hit_at
from mlscaffold._audit.spec import CheckSpec


def dockerfile(repo: Repo) -> Result:
    """A Dockerfile (or Containerfile) has stages, ends as a non-root user, has a HEALTHCHECK.

    Args:
        repo: The audited repository.

    Returns:
        Pass with the USER and HEALTHCHECK lines and the stage count, or every problem found.
    """
    candidates = container_files(repo)
    if not candidates:
        return False, "no Dockerfile or Containerfile found"
    results = [_judge(path, repo.text(path) or "") for path in candidates]
    return next((r for r in results if r[0]), results[0])


def container_files(repo: Repo) -> list[str]:
    """Dockerfiles and Containerfiles, at most three folders down, the root's first."""
    found = [
        path
        for path in repo.files
        if path.count("/") <= 3
        and (
            PurePosixPath(path).name in {"Dockerfile", "Containerfile"}
            or PurePosixPath(path).name.startswith(("Dockerfile.", "Containerfile."))
            or path.endswith(".Dockerfile")
        )
    ]
    return sorted(found, key=lambda p: (p.count("/"), p))


def _judge(path: str, text: str) -> Result:
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
    probe=exists(".dockerignore", ".dockerignore", ".containerignore", under="*/.dockerignore"),
)
"""The build context leaves out history, environments, secrets and data."""
