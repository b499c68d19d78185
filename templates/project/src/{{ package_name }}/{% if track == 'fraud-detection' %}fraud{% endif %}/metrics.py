"""Fraud metrics: ranking quality, recall within the review capacity, and money saved.

Net savings compares a policy with blocking nothing, under an explicit cost model: each caught
fraud saves its amount times the recovery rate; each alert costs a review; each false alarm also
costs the customer friction of a held payment. ``best_cut`` picks the cut that maximises it
within the team's review capacity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score

NEVER = 1.000001  # threshold above every probability: alert on nothing


@dataclass(frozen=True)
class CostModel:
    """What an alert costs and what catching a fraud saves."""

    review_cost: float
    friction_cost: float
    recovery_rate: float

    def gain(self, y: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Each transaction's net value if alerted on."""
        return np.where(y, amount * self.recovery_rate, -self.friction_cost) - self.review_cost


def pr_auc(y: np.ndarray, scores: np.ndarray) -> float:
    """Area under the precision-recall curve (average precision)."""
    return float(average_precision_score(y, scores)) if y.any() else 0.0


def recall_at_capacity(y: np.ndarray, scores: np.ndarray, max_alerts: int) -> float:
    """Share of frauds among the top ``max_alerts`` transactions by score."""
    if not y.any():
        return 0.0
    top = np.argsort(-scores, kind="stable")[: max(1, max_alerts)]
    return float(y[top].sum() / y.sum())


def savings(
    y: np.ndarray, alerts: np.ndarray, amount: np.ndarray, cost: CostModel, days: float = 1.0
) -> dict[str, float]:
    """Outcome of alerting on ``alerts`` (a boolean per transaction) over ``days`` days."""
    caught = float(amount[alerts & y].sum())
    false_alarms = float((alerts & ~y).sum())
    reviews = float(alerts.sum() * cost.review_cost)
    friction = false_alarms * cost.friction_cost
    fraud_total = float(amount[y].sum())
    recovered = caught * cost.recovery_rate
    return {
        "alerts": float(alerts.sum()),
        "alerts_per_day": float(alerts.sum()) / days,
        "alert_rate": float(alerts.mean()) if alerts.size else 0.0,
        "precision": float(y[alerts].mean()) if alerts.any() else 0.0,
        "recall": float((alerts & y).sum() / y.sum()) if y.any() else 0.0,
        "fraud_amount": fraud_total,
        "caught_amount": caught,
        "recovered_amount": recovered,
        "review_cost": reviews,
        "friction_cost": friction,
        "net_savings": recovered - reviews - friction,
        "loss_prevented": recovered / fraud_total if fraud_total else 0.0,
    }


def best_cut(
    ranking: np.ndarray, gain: np.ndarray, max_alerts: int | None = None, floor: float = -math.inf
) -> float:
    """The cut on ``ranking`` (alert on ``ranking >= cut``) with the largest total gain, alerting
    on at most ``max_alerts`` rows and never below ``floor``; ``NEVER`` if no cut pays."""
    order = np.argsort(-ranking, kind="stable")
    s, total = ranking[order], np.cumsum(gain[order])
    boundary = np.append(s[1:] != s[:-1], True)  # only cut between distinct values
    boundary &= s >= floor
    if max_alerts is not None:
        boundary[max(0, max_alerts) :] = False
    candidates = np.flatnonzero(boundary)
    if candidates.size == 0:
        return NEVER
    best = candidates[np.argmax(total[candidates])]
    return float(s[best]) if total[best] > 0 else NEVER


def best_threshold(
    y: np.ndarray, scores: np.ndarray, amount: np.ndarray, cost: CostModel, max_alerts: int | None = None
) -> float:
    """The score threshold that maximises net savings within ``max_alerts`` alerts."""
    return best_cut(scores, cost.gain(y, amount), max_alerts)


def daily_counts(seconds: np.ndarray, alerts: np.ndarray) -> np.ndarray:
    """Alerts per calendar day (UTC) over the days the data spans."""
    if not seconds.size:
        return np.zeros(0)
    day = (seconds // 86_400) - seconds.min() // 86_400
    return np.bincount(day, weights=alerts.astype(float), minlength=int(day.max()) + 1)
