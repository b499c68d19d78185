"""Running the audit: every check of the registry against one repository."""

from __future__ import annotations

from pathlib import Path

from mlscaffold._audit.registry import CHECKS
from mlscaffold._audit.repository import Repo
from mlscaffold._audit.results import AuditReport
from mlscaffold._audit.rubric import score_rubric
from mlscaffold.errors import AuditError


def audit_repository(path: Path) -> AuditReport:
    """Score the repository in PATH against the production checklist.

    Files are only read; nothing in the repository is imported or run.

    Args:
        path: The repository's root folder.

    Returns:
        Every check's result and the score.

    Raises:
        AuditError: PATH does not exist or is not a folder.
    """
    if not path.exists():
        raise AuditError(f"{path} does not exist; pass the folder of the repository to audit")
    if not path.is_dir():
        raise AuditError(f"{path} is not a folder; pass the root folder of the repository to audit")
    repo = Repo.open(path.resolve())
    checks = tuple(spec.run(repo) for spec in CHECKS)
    rubric = score_rubric(repo, {c.id: c.evidence for c in checks if c.passed})
    return AuditReport(path.resolve(), checks, rubric, dict(sorted(repo.skipped.items())))
