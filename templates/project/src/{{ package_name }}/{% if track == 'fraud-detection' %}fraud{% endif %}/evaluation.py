"""Fraud evaluation on the test period: every system's metrics under its policy, slices, plots."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.results import SliceResult
from . import plots
from .config import Config
from .features import to_seconds
from .metrics import daily_counts, pr_auc, recall_at_capacity, savings
from .models import FraudScorer
from .policy import Policy, cost_model, max_alerts
from .schema import LABEL

__all__ = ["Period", "draw", "max_alerts", "nothing", "policy_metrics", "slices", "unit_savings"]


@dataclass(frozen=True)
class Period:
    """The evaluated transactions: labels, amounts, times, channel, customers and length in days."""

    y: np.ndarray
    amount: np.ndarray
    seconds: np.ndarray
    channel: np.ndarray | None
    days: float
    customer: np.ndarray

    @classmethod
    def of(cls, cfg: Config, frame: pd.DataFrame) -> Period:
        """The test period of ``frame``."""
        channel = frame["channel"].fillna("missing").astype(str).to_numpy() if "channel" in frame else None
        return cls(
            frame[LABEL].to_numpy(dtype=bool),
            frame["amount"].to_numpy(dtype=float),
            to_seconds(frame["timestamp"]),
            channel,
            float(cfg.split.test_days),
            frame["customer_id"].astype(str).to_numpy(),
        )


def policy_metrics(
    period: Period, scores: np.ndarray, policy: Policy, cfg: Config
) -> dict[str, float | None]:
    """Net savings, alerts per day, precision and recall of one system under its policy, and its
    ranking quality."""
    alerts = policy.alerts(scores, period.amount)
    result: dict[str, float | None] = dict(
        savings(period.y, alerts, period.amount, cost_model(cfg), period.days)
    )
    daily = daily_counts(period.seconds, alerts)
    result.update(
        {
            "pr_auc": pr_auc(period.y, scores),
            "recall_at_capacity": recall_at_capacity(period.y, scores, max_alerts(cfg, period.days)),
            "peak_alerts_per_day": float(daily.max()) if daily.size else 0.0,
            "capacity_used": float(alerts.sum()) / period.days / cfg.evaluation.review_capacity_per_day,
        }
    )
    return result


def unit_savings(period: Period, alerts: np.ndarray, cfg: Config) -> list[float]:
    """Net savings per evaluation unit, for the gate's paired bootstrap.

    Each transaction contributes its gain if alerted on (else 0), under the cost model. A unit is
    a customer (``evaluation.bootstrap_unit``, default: the sum over their transactions, in order
    of first appearance, since one incident's transactions stand or fall together) or a single
    transaction. Values are scaled by the number of units, so their mean is the period's net
    savings and the bootstrap interval is in dollars of net savings over the period.
    """
    gain = np.where(alerts, cost_model(cfg).gain(period.y, period.amount), 0.0)
    if cfg.evaluation.bootstrap_unit == "customer":
        codes, uniques = pd.factorize(period.customer)
        gain = np.bincount(codes, weights=gain, minlength=len(uniques))
    return [round(float(v), 2) for v in gain * gain.size]


def nothing(period: Period, cfg: Config) -> dict[str, float | None]:
    """Blocking nothing: the zero of net savings; its PR-AUC is the fraud rate."""
    none = np.zeros(period.y.size, dtype=bool)
    result: dict[str, float | None] = dict(
        savings(period.y, none, period.amount, cost_model(cfg), period.days)
    )
    result |= {
        "pr_auc": float(period.y.mean()),
        "recall_at_capacity": 0.0,
        "peak_alerts_per_day": 0.0,
        "capacity_used": 0.0,
    }
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


def slices(period: Period, scores: np.ndarray, policy: Policy, cfg: Config) -> list[SliceResult]:
    """The candidate's net savings, recall and PR-AUC per channel and per amount band."""
    y, amount = period.y, period.amount
    alerts = policy.alerts(scores, amount)
    bands, band_order = band_labels(amount, cfg.evaluation.amount_bands)
    groups: list[tuple[str, np.ndarray, list[str]]] = []
    if period.channel is not None:
        groups.append(("channel", period.channel, sorted(set(period.channel))))
    groups.append(("amount band", bands, [b for b in band_order if b in set(bands)]))
    result = []
    for by, values, order in groups:
        for value in order:
            mask = values == value
            m = savings(y[mask], alerts[mask], amount[mask], cost_model(cfg), period.days)
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
    period: Period, scores: dict[str, np.ndarray], main: FraudScorer, cfg: Config, reports: Path
) -> list[tuple[str, str]]:
    """The PR curves, net savings by threshold (with the capacity) and calibration plots."""
    y, amount, model = period.y, period.amount, scores["candidate"]
    named = {"model": model, "logistic regression": scores["logistic_regression"], "rules": scores["rules"]}
    plots.pr_curves(y, named, reports / "pr_curve.png")
    grid = np.unique(np.quantile(model, np.linspace(0.9, 1.0, 200)))
    cost = cost_model(cfg)
    outcomes = [savings(y, model >= t, amount, cost, period.days) for t in grid]
    plots.savings_curve(
        grid,
        np.array([o["net_savings"] for o in outcomes]),
        np.array([o["alerts_per_day"] for o in outcomes]),
        main.threshold,
        cfg.evaluation.review_capacity_per_day,
        reports / "savings_by_threshold.png",
    )
    plots.calibration(y, model, reports / "calibration.png")
    return [
        ("pr_curve.png", "Precision-recall"),
        ("savings_by_threshold.png", "Net savings and alerts per day by threshold"),
        ("calibration.png", "Calibration"),
    ]
