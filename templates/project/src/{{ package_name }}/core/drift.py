"""Drift statistics between a reference sample and a new batch.

The population stability index (PSI) drives alerts because, unlike a p-value, it does not shrink
to zero as batches grow: PSI < 0.1 is stable, 0.1-0.25 a moderate shift, > 0.25 a major shift.
KS (numeric) and chi-squared (categorical) p-values are reported beside it for context.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

_EPS = 1e-4


@dataclass(frozen=True)
class FeatureDrift:
    """Drift of one column."""

    feature: str
    kind: Literal["numeric", "categorical"]
    psi: float
    p_value: float
    status: Literal["stable", "warn", "drift"]

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON reports."""
        return asdict(self)


@dataclass(frozen=True)
class Check:
    """One data-quality or live-metric check of a monitored batch, with its configured limit."""

    check: str
    value: str
    limit: str
    ok: bool

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON reports."""
        return asdict(self)


def _psi(expected: np.ndarray, actual: np.ndarray) -> float:
    expected = np.clip(expected, _EPS, None)
    actual = np.clip(actual, _EPS, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def numeric_psi(reference: np.ndarray, current: np.ndarray, bins: int = 10) -> float:
    """PSI over quantile bins of the reference (robust to skewed features)."""
    reference = reference[np.isfinite(reference)]
    current = current[np.isfinite(current)]
    if reference.size == 0 or current.size == 0:
        return 0.0
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)))
    if edges.size < 2:
        return 0.0 if np.all(current == edges[0]) else float("inf")
    edges[0], edges[-1] = -np.inf, np.inf
    ref_share = np.histogram(reference, edges)[0] / reference.size
    cur_share = np.histogram(current, edges)[0] / current.size
    return _psi(ref_share, cur_share)


def categorical_psi(reference: pd.Series, current: pd.Series) -> tuple[float, float]:
    """PSI and chi-squared p-value over the union of categories."""
    ref_counts = reference.astype(str).value_counts()
    cur_counts = current.astype(str).value_counts()
    categories = ref_counts.index.union(cur_counts.index)
    ref = ref_counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    cur = cur_counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    psi = _psi(ref / ref.sum(), cur / cur.sum())
    table = np.vstack([ref, cur])
    table = table[:, table.sum(axis=0) > 0]
    from scipy import stats  # loaded here: scipy.stats takes about a second to import

    p_value = float(stats.chi2_contingency(table)[1]) if table.shape[1] > 1 else 1.0
    return psi, p_value


def _status(psi: float, warn: float, alert: float) -> Literal["stable", "warn", "drift"]:
    if psi >= alert:
        return "drift"
    return "warn" if psi >= warn else "stable"


def compare(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    numeric: list[str],
    categorical: list[str],
    psi_warn: float,
    psi_alert: float,
) -> list[FeatureDrift]:
    """Drift of every listed column, worst first."""
    from scipy import stats  # loaded here: scipy.stats takes about a second to import

    results = []
    for column in numeric:
        ref = reference[column].to_numpy(dtype=float)
        cur = current[column].to_numpy(dtype=float)
        psi = numeric_psi(ref, cur)
        p_value = float(stats.ks_2samp(ref[np.isfinite(ref)], cur[np.isfinite(cur)]).pvalue)
        results.append(FeatureDrift(column, "numeric", psi, p_value, _status(psi, psi_warn, psi_alert)))
    for column in categorical:
        psi, p_value = categorical_psi(reference[column], current[column])
        results.append(FeatureDrift(column, "categorical", psi, p_value, _status(psi, psi_warn, psi_alert)))
    return sorted(results, key=lambda d: d.psi, reverse=True)
