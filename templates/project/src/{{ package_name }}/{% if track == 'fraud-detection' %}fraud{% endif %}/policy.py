"""Decision policies: when a scored transaction goes to an analyst.

``threshold``: one score cut, chosen on the validation period to maximise net savings within the
team's review capacity. ``expected_loss``: alert when ``score x amount x recovery`` exceeds
``margin x (review cost + (1 - score) x friction cost)``, the expected cost of the alert; the margin
is 1 unless the capacity needs it higher. Both are fitted for every system and reported on the test
period; ``policy.kind`` says which serves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .config import Config
from .metrics import NEVER, CostModel, best_threshold

PolicyKind = Literal["threshold", "expected_loss"]
KINDS: tuple[PolicyKind, ...] = ("threshold", "expected_loss")


@dataclass(frozen=True)
class Policy:
    """A fitted decision rule; ``cut`` gives each transaction's score threshold."""

    kind: PolicyKind
    cost: CostModel
    threshold: float = NEVER
    margin: float = 1.0

    def cut(self, amount: np.ndarray) -> np.ndarray:
        """The score at or above which each transaction is alerted on."""
        amount = np.asarray(amount, dtype=float)
        if self.kind == "threshold":
            return np.full(amount.shape, self.threshold)
        c, f, r, m = self.cost.review_cost, self.cost.friction_cost, self.cost.recovery_rate, self.margin
        if math.isinf(m):
            return np.full(amount.shape, NEVER)
        return np.minimum(m * (c + f) / np.maximum(amount * r + m * f, 1e-12), NEVER)

    def alerts(self, scores: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Which transactions go to review."""
        return np.asarray(scores, dtype=float) >= self.cut(amount)

    def describe(self) -> str:
        """One line for logs and reports."""
        if self.kind == "threshold":
            return f"threshold policy (score >= {self.threshold:.4f})"
        return f"expected-loss policy (margin {self.margin:.3g})"


def cost_model(cfg: Config) -> CostModel:
    """The configured cost model."""
    ev = cfg.evaluation
    return CostModel(ev.review_cost_per_alert, ev.friction_cost_per_false_alarm, ev.recovery_rate)


def max_alerts(cfg: Config, days: float) -> int:
    """Alerts the team can review over ``days`` days."""
    return math.floor(cfg.evaluation.review_capacity_per_day * days)


def fit(kind: PolicyKind, y: np.ndarray, scores: np.ndarray, amount: np.ndarray, cfg: Config) -> Policy:
    """The policy of ``kind`` fitted on the validation period, within the review capacity."""
    cost, limit = cost_model(cfg), max_alerts(cfg, cfg.split.valid_days)
    if kind == "threshold":
        return Policy(kind, cost, threshold=best_threshold(y, scores, amount, cost, limit))
    c, f, r = cost.review_cost, cost.friction_cost, cost.recovery_rate
    # The margin at which each transaction stops being alerted on.
    flips = np.sort(scores * amount * r / np.maximum(c + (1 - scores) * f, 1e-12))[::-1]
    if limit <= 0:
        return Policy(kind, cost, margin=math.inf)
    if flips.size <= limit or flips[limit] < 1.0:
        return Policy(kind, cost, margin=1.0)
    above = flips[flips > flips[limit]]
    return Policy(kind, cost, margin=float(above.min()) if above.size else math.inf)
