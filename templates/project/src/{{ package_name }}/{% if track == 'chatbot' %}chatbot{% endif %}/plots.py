"""Evaluation plots, written as PNG into ``reports/``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io.figures import figure


def confusion(matrix: np.ndarray, labels: list[str], path: Path) -> None:
    """The confusion matrix of intents (rows: true, columns: predicted), row-normalised."""
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    with figure(path, (8, 7)) as ax:
        ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        for i in range(len(labels)):
            for j in range(len(labels)):
                if matrix[i, j]:
                    color = "white" if shares[i, j] > 0.5 else "black"
                    ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center", fontsize=7, color=color)
        ax.set(xlabel="predicted", ylabel="true", title="Intents on the test split (held-out families)")


def reliability(confidence: np.ndarray, correct: np.ndarray, path: Path, bins: int = 10) -> None:
    """Accuracy against confidence in equal-width bins: the diagonal is perfect calibration."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges) - 1, 0, bins - 1)
    centres, accuracy, counts = [], [], []
    for b in range(bins):
        inside = which == b
        if inside.any():
            centres.append(float(confidence[inside].mean()))
            accuracy.append(float(correct[inside].mean()))
            counts.append(int(inside.sum()))
    with figure(path) as ax:
        ax.plot([0, 1], [0, 1], linestyle="--", color="#999999", label="perfectly calibrated")
        ax.plot(centres, accuracy, marker="o", label="intent model")
        for x, y, n in zip(centres, accuracy, counts, strict=True):
            ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
        ax.set(
            xlabel="confidence",
            ylabel="share correct",
            title="Reliability (test split)",
            xlim=(0, 1),
            ylim=(0, 1.02),
        )
        ax.legend(loc="upper left")


def costs(values: dict[str, float], path: Path) -> None:
    """Cost per conversation of each system."""
    with figure(path, (6, 3.5)) as ax:
        names = list(values)
        ax.barh(names, [values[n] for n in names], color=["#2e86c1", "#aab7b8", "#d5dbdb"][: len(names)])
        ax.set(xlabel="USD per conversation", title="Cost per scripted conversation")
        ax.invert_yaxis()
