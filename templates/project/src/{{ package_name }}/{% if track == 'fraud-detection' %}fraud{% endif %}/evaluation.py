"""Fraud evaluation on the test period: every policy's metrics, slices and the plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.results import SliceResult
from . import plots
from .config import EvaluationConfig
from .metrics import pr_auc, recall_at_budget, savings


def policy_metrics(
    y: np.ndarray, scores: np.ndarray, amount: np.ndarray, threshold: float, ev: EvaluationConfig
) -> dict[str, float | None]:
    """Net savings, alert counts, precision and recall of one alerting policy, and its ranking."""
    result: dict[str, float | None] = dict(savings(y, scores, amount, threshold, ev.review_cost_per_alert))
    result.update(
        {
            "pr_auc": pr_auc(y, scores),
            "recall_at_budget": recall_at_budget(y, scores, ev.alert_budget_rate),
            "threshold": threshold,
        }
    )
    return result


def band_labels(amount: np.ndarray, bands: list[float]) -> tuple[np.ndarray, list[str]]:
    """Each amount's band label, and the labels in ascending order."""
    edges = [*sorted(bands), np.inf]
    labels = [
        f"${edges[i]:,.0f}+" if np.isinf(edges[i + 1]) else f"${edges[i]:,.0f}-${edges[i + 1]:,.0f}"
        for i in range(len(edges) - 1)
    ]
    which = np.clip(np.searchsorted(edges, amount, side="right") - 1, 0, len(labels) - 1)
    return np.asarray(labels)[which], labels


def slices(
    y: np.ndarray,
    scores: np.ndarray,
    amount: np.ndarray,
    channel: np.ndarray,
    threshold: float,
    ev: EvaluationConfig,
) -> list[SliceResult]:
    """The candidate's net savings, recall and PR-AUC per channel and per amount band."""
    bands, band_order = band_labels(amount, ev.amount_bands)
    result = []
    for by, values, order in (
        ("channel", channel, sorted(set(channel))),
        ("amount band", bands, [b for b in band_order if b in set(bands)]),
    ):
        for value in order:
            mask = values == value
            m = savings(y[mask], scores[mask], amount[mask], threshold, ev.review_cost_per_alert)
            result.append(
                SliceResult(
                    by=by,
                    value=str(value),
                    rows=int(mask.sum()),
                    positives=int(y[mask].sum()),
                    # Ranking quality is undefined in a slice without fraud.
                    metrics={
                        "pr_auc": pr_auc(y[mask], scores[mask]) if y[mask].any() else None,
                        "net_savings": m["net_savings"],
                        "recall": m["recall"],
                    },
                )
            )
    return result


def draw(
    y: np.ndarray,
    scores: dict[str, np.ndarray],
    amount: np.ndarray,
    threshold: float,
    ev: EvaluationConfig,
    reports: Path,
) -> list[tuple[str, str]]:
    """The PR curves, net savings by threshold and calibration plots; (file name, title) each."""
    model = scores["candidate"]
    named = {"model": model, "logistic regression": scores["logistic_regression"], "rules": scores["rules"]}
    plots.pr_curves(y, named, reports / "pr_curve.png")
    grid = np.unique(np.quantile(model, np.linspace(0.9, 1.0, 200)))
    net = np.array([savings(y, model, amount, t, ev.review_cost_per_alert)["net_savings"] for t in grid])
    plots.savings_curve(grid, net, threshold, reports / "savings_by_threshold.png")
    plots.calibration(y, model, reports / "calibration.png")
    return [
        ("pr_curve.png", "Precision-recall"),
        ("savings_by_threshold.png", "Net savings by threshold"),
        ("calibration.png", "Calibration"),
    ]
