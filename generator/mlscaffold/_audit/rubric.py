"""The ML Test Score (Breck et al., 2017): the 28 tests of the rubric, judged from the checks.

"The ML Test Score: A Rubric for ML Production Readiness and Technical Debt Reduction" lists
seven tests in each of four sections: data, model, infrastructure and monitoring. Each test earns
half a point when it is done manually (or documented) and one point when it is automated; a
section's score is the sum of its tests, and the final score is the lowest section score.

A file-reading audit can judge some tests and not others. Each :class:`Item` names the checks of
the audit (and, for a few, an extra file probe) that show it; the items marked
:attr:`Item.not_checkable` depend on measurements, data access or processes that files cannot
show, and the reason is given. The final score is reported over the checkable tests only, and
labelled so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mlscaffold._audit.probes import Probe, find
from mlscaffold._audit.repository import Repo
from mlscaffold._audit.selectors import SOURCE, TESTS, Selector, union

Section = Literal["Data", "Model", "Infrastructure", "Monitoring"]
"""The rubric's four sections."""

SECTIONS: tuple[Section, ...] = ("Data", "Model", "Infrastructure", "Monitoring")
"""The sections, in the paper's order."""

Status = Literal["automated", "manual", "missing", "not checkable"]
"""How an item stands: automated (1 point), manual or documented (0.5), missing (0), or not
judged because files cannot show it."""

_DEPLOY = Selector(
    "CI, deployment and infrastructure files",
    ("*.yml", "*.yaml", "*.tf", "*.toml", "*.json", "*.sh", "Makefile", "*.mk"),
)


@dataclass(frozen=True)
class Level:
    """One way an item is met, and the points it earns.

    Attributes:
        points: 1.0 for automated, 0.5 for manual or documented.
        checks: Audit check ids that must all pass.
        probe: A further file probe that must pass, if any.
    """

    points: float
    checks: tuple[str, ...] = ()
    probe: Probe | None = None


@dataclass(frozen=True)
class Item:
    """One test of the rubric.

    Attributes:
        id: ``D1``..``D7``, ``M1``..``M7``, ``I1``..``I7`` or ``O1``..``O7`` (monitoring).
        section: Its section.
        title: The paper's wording, abbreviated.
        levels: The ways it is met, best first.
        not_checkable: Why reading files cannot judge it; empty when it can.
    """

    id: str
    section: Section
    title: str
    levels: tuple[Level, ...] = ()
    not_checkable: str = ""


@dataclass(frozen=True)
class ItemResult:
    """How the repository stands on one rubric item.

    Attributes:
        item: The rubric item.
        status: Automated, manual, missing or not checkable.
        points: 1, 0.5 or 0 (0 when not checkable).
        evidence: The checks or file that show it, or why it is missing or not checkable.
    """

    item: Item
    status: Status
    points: float
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {
            "id": self.item.id,
            "section": self.item.section,
            "title": self.item.title,
            "status": self.status,
            "points": self.points,
            "evidence": self.evidence,
        }


def _probe(what: str, selector: Selector, pattern: str) -> Probe:
    return find(what, selector, pattern, re.MULTILINE | re.IGNORECASE)


_TUNING = _probe(
    "hyperparameter search (optuna, GridSearchCV, RandomizedSearchCV, hyperopt, Ray Tune)",
    SOURCE,
    r"\b(?:import[ \t]+optuna|from[ \t]+optuna|GridSearchCV|RandomizedSearchCV|HalvingGridSearchCV"
    r"|hyperopt|ray[ \t]+import[ \t]+tune|ray\.tune|keras_tuner|BayesSearchCV)\b",
)
_BASELINE = _probe(
    "baseline model compared in code", SOURCE, r"\bbaseline\b|\bDummy(?:Classifier|Regressor)\("
)
_SLICES = _probe(
    "metrics by data slice", union("source and tests", SOURCE, TESTS), r"\bslices?\b|\bsegments?_"
)
_FAIRNESS = _probe(
    "fairness evaluation (fairlearn, aif360, per-group metrics)",
    SOURCE,
    r"\b(?:fairlearn|aif360|MetricFrame|demographic_parity|equalized_odds)\b",
)
_MODEL_TESTS = _probe(
    "test exercising training", TESTS, r"\b(?:train\w*|fit)\(|\bdef[ \t]+test_\w*train"
)
_INTEGRATION = _probe(
    "pipeline or end-to-end test",
    Selector(
        "integration or end-to-end tests",
        ("*.py",),
        lambda p: (
            ("/e2e/" in f"/{p}" or "/integration/" in f"/{p}" or "pipeline" in p) and ("test" in p)
        ),
    ),
    r"^[ \t]*(?:async[ \t]+)?def[ \t]+test_",
)
_QUALITY_GATE = _probe(
    "quality gate before serving (a metric threshold that blocks promotion)",
    union("source and configuration", SOURCE, Selector("configs", ("*.yaml", "*.yml", "*.toml"))),
    r"\b(?:quality[_ -]?gate|min_(?:auc|roc_auc|accuracy|f1|precision|recall|score)"
    r"|promot(?:e|ion)_threshold|(?:block|refuse)s?[_ ]promotion|champion)\b|def[ \t]+\w*gate\w*\(",
)
_CANARY = _probe(
    "canary or gradual rollout in deployment files",
    _DEPLOY,
    r"\bcanary\b|--no-traffic\b|\btraffic[_-]?split\b|\bsetWeight\b|\bblue[-_]green\b",
)
_ROLLBACK = _probe(
    "automated rollback (a rollback task or workflow)",
    union("task and deployment files", _DEPLOY, SOURCE),
    r"^[ \t]*rollback[ \t]*:|def[ \t]+rollback\w*\(|\brollback\b.*\b(?:run|task|job)\b",
)
_ROLLBACK_DOC = _probe(
    "rollback procedure documented",
    Selector("docs", ("*.md",)),
    r"\broll(?:ing)?[ -]?back\b",
)
_DEPENDENCY_BOT = _probe(
    "dependency update notifications (Dependabot, Renovate)",
    Selector(
        "dependabot.yml, renovate.json",
        (".github/dependabot.y*ml", "renovate.json*", ".renovaterc*", ".github/renovate.json*"),
    ),
    r"\S",
)
_STALENESS = _probe(
    "scheduled retraining or model-age monitoring",
    union("CI files and source", Selector("workflows", (".github/workflows/*.y*ml",)), SOURCE),
    r"^[ \t]*-?[ \t]*cron[ \t]*:|\bmodel[_ ]age\b|\bstaleness\b",
)
_NUMERIC = _probe(
    "checks for NaN or infinite values",
    SOURCE,
    r"\b(?:isnan|isfinite|isinf|allow_nan|nan_to_num|detect_anomaly)\b",
)

ITEMS: tuple[Item, ...] = (
    Item(
        "D1",
        "Data",
        "Feature expectations are captured in a schema",
        (Level(1, ("data-validation",)),),
    ),
    Item(
        "D2",
        "Data",
        "All features are beneficial",
        not_checkable="needs feature-importance or ablation results measured on the data",
    ),
    Item(
        "D3",
        "Data",
        "No feature's cost is too much",
        not_checkable="needs latency, memory and upkeep costs measured per feature",
    ),
    Item(
        "D4",
        "Data",
        "Features adhere to meta-level requirements",
        not_checkable="which data sources and attributes are allowed is a policy outside the code",
    ),
    Item(
        "D5",
        "Data",
        "The data pipeline has appropriate privacy controls",
        not_checkable="access controls and PII handling live in the data platform, not the repo",
    ),
    Item(
        "D6",
        "Data",
        "New features can be added quickly",
        not_checkable="a property of the team's process, measured in time to ship a feature",
    ),
    Item(
        "D7",
        "Data",
        "All input feature code is tested",
        (Level(1, ("tests-in-ci", "coverage-floor")), Level(0.5, ("tests-present",))),
    ),
    Item("M1", "Model", "Model specs are reviewed and submitted", (Level(0.5, ("cards",)),)),
    Item(
        "M2",
        "Model",
        "Offline and online metrics correlate",
        not_checkable="needs offline metrics compared with live traffic outcomes",
    ),
    Item("M3", "Model", "All hyperparameters have been tuned", (Level(1, (), _TUNING),)),
    Item(
        "M4",
        "Model",
        "The impact of model staleness is known",
        not_checkable="needs models of several ages evaluated on the same recent data",
    ),
    Item(
        "M5",
        "Model",
        "A simpler model is not better",
        (Level(1, (), _BASELINE), Level(0.5, ("readme-results",))),
    ),
    Item(
        "M6",
        "Model",
        "Model quality is sufficient on important data slices",
        (Level(1, (), _SLICES),),
    ),
    Item(
        "M7",
        "Model",
        "The model is tested for considerations of inclusion",
        (Level(1, (), _FAIRNESS),),
    ),
    Item(
        "I1",
        "Infrastructure",
        "Training is reproducible",
        (
            Level(1, ("seeded", "dependencies-pinned", "run-log")),
            Level(0.5, ("seeded",)),
            Level(0.5, ("dependencies-pinned",)),
        ),
    ),
    Item(
        "I2",
        "Infrastructure",
        "Model specs are unit tested",
        (Level(1, ("tests-in-ci",), _MODEL_TESTS), Level(0.5, (), _MODEL_TESTS)),
    ),
    Item(
        "I3",
        "Infrastructure",
        "The ML pipeline is integration tested",
        (Level(1, ("tests-in-ci",), _INTEGRATION), Level(0.5, (), _INTEGRATION)),
    ),
    Item(
        "I4",
        "Infrastructure",
        "Model quality is validated before serving",
        (Level(1, (), _QUALITY_GATE), Level(0.5, ("readme-results",))),
    ),
    Item(
        "I5",
        "Infrastructure",
        "The model is debuggable",
        not_checkable="whether one example can be stepped through the model is shown by use, "
        "not by files",
    ),
    Item("I6", "Infrastructure", "Models are canaried before serving", (Level(1, (), _CANARY),)),
    Item(
        "I7",
        "Infrastructure",
        "Serving models can be rolled back",
        (
            Level(1, ("artifact-manifest",), _ROLLBACK),
            Level(0.5, ("runbook",), _ROLLBACK_DOC),
        ),
    ),
    Item(
        "O1",
        "Monitoring",
        "Dependency changes result in notification",
        (Level(1, (), _DEPENDENCY_BOT),),
    ),
    Item(
        "O2",
        "Monitoring",
        "Data invariants hold for inputs (training and serving)",
        (Level(1, ("data-validation", "serving-routes")), Level(0.5, ("data-validation",))),
    ),
    Item(
        "O3",
        "Monitoring",
        "Training and serving are not skewed",
        (Level(1, ("drift-monitoring",)),),
    ),
    Item("O4", "Monitoring", "Models are not too stale", (Level(1, (), _STALENESS),)),
    Item("O5", "Monitoring", "Models are numerically stable", (Level(1, (), _NUMERIC),)),
    Item(
        "O6",
        "Monitoring",
        "Computing performance has not regressed",
        (Level(1, ("load-test", "serving-routes")), Level(0.5, ("load-test",))),
    ),
    Item(
        "O7",
        "Monitoring",
        "Prediction quality has not regressed",
        (Level(0.5, ("drift-monitoring",)),),
    ),
)
"""The 28 tests of the rubric, in the paper's order."""


@dataclass(frozen=True)
class RubricScore:
    """The repository's ML Test Score over the checkable items.

    Attributes:
        items: Every item's result, in the paper's order.
    """

    items: tuple[ItemResult, ...]

    def section(self, section: Section) -> float:
        """The section's score: the sum of its items' points."""
        return sum(r.points for r in self.items if r.item.section == section)

    def checkable(self, section: Section | None = None) -> int:
        """How many items (of SECTION, or in all) a file-reading audit can judge."""
        return sum(
            1
            for r in self.items
            if r.status != "not checkable" and (section is None or r.item.section == section)
        )

    @property
    def final(self) -> float:
        """The paper's final score: the lowest section score (over checkable items)."""
        return min(self.section(s) for s in SECTIONS)

    def to_dict(self) -> dict[str, Any]:
        """The score as JSON-ready data: final, per section, and every item."""
        return {
            "final": self.final,
            "label": LABEL,
            "checkable": self.checkable(),
            "total": len(self.items),
            "sections": {
                s: {"score": self.section(s), "checkable": self.checkable(s), "of": 7}
                for s in SECTIONS
            },
            "items": [r.to_dict() for r in self.items],
        }


LABEL = (
    "ML Test Score (Breck et al., 2017), over the items checkable by reading files: "
    "0.5 per manual or documented test, 1 per automated test; final = lowest section"
)
"""How the report names the score."""


def score_rubric(repo: Repo, passed: Mapping[str, str]) -> RubricScore:
    """Judge every rubric item from the passed checks and the items' own file probes.

    Args:
        repo: The audited repository.
        passed: The id of each passed check, with its evidence.

    Returns:
        Every item's result.
    """
    results = []
    for item in ITEMS:
        if item.not_checkable:
            results.append(ItemResult(item, "not checkable", 0, item.not_checkable))
            continue
        result: ItemResult | None = None
        misses: list[str] = []
        for level in item.levels:
            missing = [c for c in level.checks if c not in passed]
            evidence = [f"{c}: {passed[c].split(';')[0]}" for c in level.checks if c in passed]
            if level.probe is not None and not missing:
                ok, found = level.probe(repo)
                if ok:
                    evidence.append(found)
                else:
                    misses.append(found)
                    continue
            if missing:
                misses.append("needs check " + ", ".join(missing))
                continue
            status: Status = "automated" if level.points >= 1 else "manual"
            result = ItemResult(item, status, level.points, "; ".join(evidence))
            break
        results.append(result or ItemResult(item, "missing", 0, "; ".join(dict.fromkeys(misses))))
    return RubricScore(tuple(results))
