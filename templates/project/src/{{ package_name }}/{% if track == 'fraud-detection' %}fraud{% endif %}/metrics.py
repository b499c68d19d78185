"""Fraud metrics: ranking quality, recall within an alert budget, and money saved.

Net savings compares a policy with blocking nothing: each alert costs a review, and each caught
fraud saves its amount. ``best_threshold`` picks the cut that maximises it.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import average_precision_score

NEVER = 1.000001  # threshold above every probability: alert on nothing


def pr_auc(y: np.ndarray, scores: np.ndarray) -> float:
    """Area under the precision-recall curve (average precision)."""
    return float(average_precision_score(y, scores)) if y.any() else 0.0


def recall_at_budget(y: np.ndarray, scores: np.ndarray, budget_rate: float) -> float:
    """Share of frauds among the top ``budget_rate`` of transactions by score."""
    if not y.any():
        return 0.0
    k = max(1, math.ceil(len(scores) * budget_rate))
    top = np.argsort(-scores, kind="stable")[:k]
    return float(y[top].sum() / y.sum())


def savings(
    y: np.ndarray, scores: np.ndarray, amount: np.ndarray, threshold: float, review_cost: float
) -> dict[str, float]:
    """Outcome of alerting on ``scores >= threshold``."""
    alerts = scores >= threshold
    caught = float(amount[alerts & y].sum())
    cost = float(alerts.sum() * review_cost)
    fraud_total = float(amount[y].sum())
    return {
        "alerts": float(alerts.sum()),
        "alert_rate": float(alerts.mean()) if alerts.size else 0.0,
        "precision": float(y[alerts].mean()) if alerts.any() else 0.0,
        "recall": float((alerts & y).sum() / y.sum()) if y.any() else 0.0,
        "fraud_amount": fraud_total,
        "caught_amount": caught,
        "review_cost": cost,
        "net_savings": caught - cost,
        "loss_prevented": caught / fraud_total if fraud_total else 0.0,
    }


def best_threshold(y: np.ndarray, scores: np.ndarray, amount: np.ndarray, review_cost: float) -> float:
    """The threshold that maximises net savings on this data (``NEVER`` if no cut pays)."""
    order = np.argsort(-scores, kind="stable")
    s, gain = scores[order], np.where(y[order], amount[order], 0.0) - review_cost
    total = np.cumsum(gain)
    boundary = np.append(s[1:] != s[:-1], True)  # only cut between distinct scores
    candidates = np.flatnonzero(boundary)
    if candidates.size == 0:
        return NEVER
    best = candidates[np.argmax(total[candidates])]
    return float(s[best]) if total[best] > 0 else NEVER
