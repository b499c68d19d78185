"""Evaluation plots, written as PNG into ``reports/``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_curve

from ..io.figures import pyplot


def pr_curves(y: np.ndarray, scores: dict[str, np.ndarray], path: Path) -> None:
    """Precision-recall curves of the model and the baselines on the test period."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5))
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
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def savings_curve(thresholds: np.ndarray, net: np.ndarray, chosen: float, path: Path) -> None:
    """Net savings by threshold, with the threshold chosen on the validation period."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.plot(thresholds, net, color="#2c3e50")
    ax.axvline(chosen, color="#c0392b", linestyle="--", label=f"chosen threshold {chosen:.3f}")
    ax.axhline(0, color="grey", linestyle=":", label="block nothing")
    ax.set(
        xlabel="alert threshold", ylabel="net savings (USD)", title="Net savings by threshold (test period)"
    )
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def calibration(y: np.ndarray, scores: np.ndarray, path: Path, bins: int = 10) -> None:
    """Reliability diagram: mean predicted score against observed fraud rate per quantile bin."""
    plt = pyplot()
    edges = np.unique(np.quantile(scores, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, len(edges) - 2)
    predicted = [scores[which == b].mean() for b in range(len(edges) - 1) if (which == b).any()]
    observed = [y[which == b].mean() for b in range(len(edges) - 1) if (which == b).any()]
    fig, ax = plt.subplots(figsize=(5, 5))
    top = max(*predicted, *observed, 0.01)
    ax.plot([0, top], [0, top], color="grey", linestyle=":")
    ax.plot(predicted, observed, marker="o")
    ax.set(xlabel="mean predicted score", ylabel="observed fraud rate", title="Calibration (test period)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
