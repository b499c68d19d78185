"""Evaluation plots, written as PNG into ``reports/``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_curve

from ..io.figures import figure


def pr_curves(y: np.ndarray, scores: dict[str, np.ndarray], path: Path) -> None:
    """Precision-recall curves of the model and the baselines on the test period."""
    with figure(path, (6, 4.5)) as ax:
        for name, s in scores.items():
            precision, recall, _ = precision_recall_curve(y, s)
            ax.plot(recall, precision, label=name)
        ax.axhline(y.mean(), color="grey", linestyle=":", label=f"fraud rate {y.mean():.2%}")
        ax.set(
            xlabel="recall",
            ylabel="precision",
            title="Precision-recall (test period)",
            xlim=(0, 1),
            ylim=(0, 1.02),
        )
        ax.legend(loc="upper right")


def savings_curve(
    thresholds: np.ndarray,
    net: np.ndarray,
    per_day: np.ndarray,
    chosen: float,
    capacity: float,
    path: Path,
) -> None:
    """Net savings and alerts per day by threshold, with the review capacity and the threshold
    chosen on the validation period."""
    with figure(path, (6.5, 4.5)) as ax:
        ax.plot(thresholds, net, color="#2c3e50", label="net savings")
        ax.axvline(chosen, color="#c0392b", linestyle="--", label=f"chosen threshold {chosen:.3f}")
        ax.axhline(0, color="grey", linestyle=":", label="block nothing")
        ax.set(
            xlabel="alert threshold",
            ylabel="net savings (USD)",
            title="Net savings by threshold (test period)",
        )
        ax.legend(loc="lower left")
        right = ax.twinx()
        right.plot(thresholds, per_day, color="#27ae60", alpha=0.7)
        right.axhline(capacity, color="#27ae60", linestyle="-.", label=f"review capacity {capacity:g}/day")
        right.set(ylabel="alerts per day", yscale="log")
        right.legend(loc="upper right")


def calibration(y: np.ndarray, scores: np.ndarray, path: Path, bins: int = 10) -> None:
    """Reliability diagram: mean predicted score against observed fraud rate per quantile bin."""
    edges = np.unique(np.quantile(scores, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, len(edges) - 2)
    predicted = [scores[which == b].mean() for b in range(len(edges) - 1) if (which == b).any()]
    observed = [y[which == b].mean() for b in range(len(edges) - 1) if (which == b).any()]
    with figure(path, (5, 5)) as ax:
        top = max(*predicted, *observed, 0.01)
        ax.plot([0, top], [0, top], color="grey", linestyle=":")
        ax.plot(predicted, observed, marker="o")
        ax.set(xlabel="mean predicted score", ylabel="observed fraud rate", title="Calibration (test period)")
