"""A check as the registry lists it: what it asks for, how much it weighs, and its probe."""

from __future__ import annotations

from dataclasses import dataclass

from mlscaffold._audit.probes import Probe
from mlscaffold._audit.repository import Repo
from mlscaffold._audit.results import Category, Check


@dataclass(frozen=True)
class CheckSpec:
    """One item of the production checklist.

    Attributes:
        id: Stable identifier, for example ``tests-present``.
        title: What the check asks for, in a few words.
        category: The area of the checklist it belongs to.
        weight: Its share of the score, relative to the other checks.
        fix: What to add or change to pass it.
        probe: Looks for the evidence in the repository.
    """

    id: str
    title: str
    category: Category
    weight: int
    fix: str
    probe: Probe

    def run(self, repo: Repo) -> Check:
        """Probe REPO and return the check's result.

        Args:
            repo: The audited repository.

        Returns:
            The result, with this check's id, title, category, fix and weight.
        """
        passed, evidence = self.probe(repo)
        return Check(
            id=self.id,
            title=self.title,
            category=self.category,
            passed=passed,
            evidence=evidence,
            fix=self.fix,
            weight=self.weight,
        )
