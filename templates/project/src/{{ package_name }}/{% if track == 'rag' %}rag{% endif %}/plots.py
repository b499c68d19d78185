"""Evaluation plots, written as PNG into ``reports/``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io.figures import figure


def hit_by_k(curves: dict[str, dict[int, float]], path: Path) -> None:
    """Hit@k of each retriever for every k on the golden test split."""
    with figure(path, (6, 4.5)) as ax:
        for name, points in curves.items():
            ks = sorted(points)
            ax.plot(ks, [points[k] for k in ks], marker="o", label=name)
        ax.set(
            xlabel="k (chunks retrieved)",
            ylabel="hit@k",
            title="Hit@k on the golden test split",
            ylim=(0, 1.02),
        )
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")


def support_scores(answerable: np.ndarray, unanswerable: np.ndarray, threshold: float, path: Path) -> None:
    """Top retrieval score of answerable and unanswerable questions, with the refusal threshold."""
    with figure(path, (6, 4.5)) as ax:
        highest = max(float(np.max(answerable, initial=0)), float(np.max(unanswerable, initial=0)), threshold)
        top = highest * 1.05
        bins = np.linspace(0, top or 1.0, 25).tolist()
        ax.hist(answerable, bins=bins, alpha=0.6, label="answerable")
        ax.hist(unanswerable, bins=bins, alpha=0.6, label="not in the documents")
        ax.axvline(threshold, color="#c0392b", linestyle="--", label=f"refusal threshold {threshold:.3f}")
        ax.set(xlabel="normalised support", ylabel="questions", title="Support (golden test split)")
        ax.legend(loc="upper right")
