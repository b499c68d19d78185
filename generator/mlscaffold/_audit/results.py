"""What an audit finds: each check's result, the report holding them, and its score."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mlscaffold._audit.report import check_to_dict, report_to_dict

if TYPE_CHECKING:
    from mlscaffold._audit.rubric import RubricScore

Category = Literal[
    "testing",
    "quality",
    "ci",
    "data",
    "training",
    "artifacts",
    "serving",
    "monitoring",
    "docs",
    "docker",
    "security",
]
"""The area of the checklist a check belongs to."""


@dataclass(frozen=True)
class Check:
    """The result of one check.

    Attributes:
        id: Stable identifier, for example ``tests-present``.
        title: What the check asks for, in a few words.
        category: The area of the checklist it belongs to.
        passed: Whether the repository meets it.
        evidence: Where it was found (``path:line``), or what was looked for and not found.
        fix: What to add or change to pass it.
        weight: Its share of the score, relative to the other checks.
    """

    id: str
    title: str
    category: Category
    passed: bool
    evidence: str
    fix: str
    weight: int

    def to_dict(self) -> dict[str, Any]:
        """The check as JSON-ready data."""
        return check_to_dict(self)


@dataclass(frozen=True)
class AuditReport:
    """Every check's result for one repository.

    Attributes:
        path: The audited folder.
        checks: The results, in checklist order.
        rubric: The ML Test Score items judged from the checks, when computed.
        skipped: Each file not read, with its reason.
    """

    path: Path
    checks: tuple[Check, ...]
    rubric: RubricScore | None = None
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        """How many checks passed."""
        return sum(check.passed for check in self.checks)

    @property
    def total(self) -> int:
        """How many checks ran."""
        return len(self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        """The checks that failed."""
        return tuple(check for check in self.checks if not check.passed)

    @property
    def skipped_summary(self) -> str:
        """``N files (reason: count, ...)``, or an empty string when nothing was skipped."""
        if not self.skipped:
            return ""
        counts: dict[str, int] = {}
        for reason in self.skipped.values():
            counts[reason] = counts.get(reason, 0) + 1
        parts = ", ".join(f"{reason}: {n}" for reason, n in sorted(counts.items()))
        return f"{len(self.skipped)} files ({parts})"

    @property
    def score(self) -> float:
        """Weighted share of passed checks, 0-100, rounded down to one decimal."""
        return weighted_score(self.checks)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data: score, passed, total, checks, ML Test Score, skipped."""
        return report_to_dict(self)


def weighted_score(checks: Sequence[Check]) -> float:
    """The weighted share of passed CHECKS, 0-100, rounded down to one decimal.

    Rounding down keeps 100 for a repository that passes every check.

    Args:
        checks: The results to score.

    Returns:
        The score; 0 when there is nothing to weigh.
    """
    total = sum(check.weight for check in checks)
    if not total:
        return 0.0
    earned = sum(check.weight for check in checks if check.passed)
    return math.floor(1000 * earned / total) / 10
