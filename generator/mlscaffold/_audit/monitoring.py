"""Monitoring checks: feature drift is computed, and a test proves the drift alert fires."""

from __future__ import annotations

import re

from mlscaffold._audit.probes import Result, all_of, any_of, find
from mlscaffold._audit.repository import Repo, hit_at
from mlscaffold._audit.selectors import SOURCE, TESTS
from mlscaffold._audit.spec import CheckSpec

_DRIFT = re.compile(r"drift", re.IGNORECASE)
_ALERT = re.compile(r"alert", re.IGNORECASE)


def drift_alert_tested(repo: Repo) -> Result:
    """A test file mentions both drift and an alert.

    Args:
        repo: The audited repository.

    Returns:
        Pass with the first alert line of such a test file, or what was not found.
    """
    for path in repo.select(TESTS):
        text = repo.text(path)
        if text and _DRIFT.search(text):
            found = _ALERT.search(text)
            if found:
                return True, f"{hit_at(path, text, found.start()).where} tests the drift alert"
    return False, "no test file mentions both drift and an alert"


DRIFT_MONITORING = CheckSpec(
    id="drift-monitoring",
    title="Drift monitored, alert tested",
    category="monitoring",
    weight=2,
    fix="Compute per-feature drift (PSI or KS) against the training reference, alert past a "
    "threshold, and add a test that injects drift and asserts the alert fires.",
    probe=all_of(
        any_of(
            find(
                "drift statistic (PSI, KS, chi2)",
                SOURCE,
                r"\b(?:psi|population_stability\w*|ks_2samp|kolmogorov\w*|chi2_contingency)\b",
                re.MULTILINE | re.IGNORECASE,
            ),
            find("drift detection", SOURCE, r"def \w*drift\w*\("),
            find(
                "drift library (evidently, nannyml, alibi-detect, whylogs)",
                SOURCE,
                r"^[ \t]*(?:from|import)[ \t]+(?:evidently|nannyml|alibi_detect|whylogs)\b",
            ),
        ),
        drift_alert_tested,
    ),
)
"""Drift in the served data raises an alert, and a test shows that it does."""
