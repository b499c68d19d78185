"""Drift statistics between a reference sample and a new batch.

The population stability index (PSI) drives alerts because, unlike a p-value, it does not shrink
to zero as batches grow: PSI < 0.1 is stable, 0.1-0.25 a moderate shift, > 0.25 a major shift.
KS (continuous) and chi-squared (binned by value, categorical) p-values are reported beside it.

How a numeric column is binned decides what PSI can see:

- **By value** when the reference holds at most ``max_value_bins`` (20) distinct values: binary
  flags, small counts, ratings. Each value is a bin, and values the reference never had share an
  "other" bin, so a flag moving from 20 % to 60 % ones, or a new value, shows up.
- **By quantile** otherwise (10 bins of the reference). A value holding at least half a bin's share
  of the reference (5 % with 10 bins), such as a heavy zero mass, is a point mass and gets a bin of
  its own; the quantile bins are cut from the remaining values, in proportion to their share. A
  zero-inflated column going from 95 % to 50 % zeros is therefore a major shift, not PSI 0.

Small samples get two safeguards. A column whose reference has fewer than ``min_reference_rows``
(50) usable values is not judged: its result says "reference too small" and it never counts as
drift. Bins holding fewer than ``min_bin_count`` (10) reference rows are merged with their smaller
neighbour (never below two bins, so a rare flag keeps its own bin), and every share is smoothed by
half a count per bin, so an empty bin gives a finite PSI instead of a division by zero.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

QUANTILE_BINS = 10
MAX_VALUE_BINS = 20
MIN_REFERENCE_ROWS = 50
MIN_BIN_COUNT = 10
_SMOOTHING = 0.5  # pseudo-count added to every bin of both samples

Binning = Literal["values", "quantiles", "categories", "none"]


@dataclass(frozen=True)
class FeatureDrift:
    """Drift of one column.

    ``binning`` says how the bins were cut ("values", "quantiles" or "categories"; "none" when the
    column was not judged) and ``bins`` how many there were after sparse ones were merged.
    ``note`` is empty when the PSI is meaningful. Otherwise it says why the column was not judged
    (for example "reference too small: 12 rows, at least 50 needed"); ``psi`` is then 0 and
    ``status`` is "stable", so an unjudged column never raises a drift alert.
    """

    feature: str
    kind: Literal["numeric", "categorical"]
    psi: float
    p_value: float
    status: Literal["stable", "warn", "drift"]
    binning: Binning = "quantiles"
    bins: int = 0
    reference_rows: int = 0
    current_rows: int = 0
    note: str = ""

    @property
    def judged(self) -> bool:
        """Whether the samples were large enough for the PSI to mean something."""
        return not self.note

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


@dataclass(frozen=True)
class Bins:
    """The bins of a numeric column, cut on its reference sample.

    ``kind="values"``: ``values`` are the reference's distinct values (sorted) and one more bin,
    the last, takes any other value. ``kind="quantiles"``: ``values`` are the point masses and
    ``edges`` the interior quantile edges of the remaining values. ``groups`` maps each of these
    fine bins to its bin after sparse bins are merged; ``count`` is the number of merged bins.
    """

    kind: Literal["values", "quantiles"]
    values: np.ndarray
    edges: np.ndarray
    groups: np.ndarray
    count: int

    def assign(self, x: np.ndarray) -> np.ndarray:
        """The merged bin of every (finite) value in ``x``."""
        position = np.clip(np.searchsorted(self.values, x), 0, max(self.values.size - 1, 0))
        hit = self.values[position] == x if self.values.size else np.zeros(x.shape, dtype=bool)
        if self.kind == "values":
            fine = np.where(hit, position, self.values.size)
        else:
            fine = np.where(hit, position, self.values.size + np.searchsorted(self.edges, x, side="right"))
        return self.groups[fine]

    def counts(self, x: np.ndarray) -> np.ndarray:
        """Rows of ``x`` in each merged bin."""
        return np.bincount(self.assign(x), minlength=self.count).astype(float)


def _merge_sparse(counts: np.ndarray, min_count: int) -> np.ndarray:
    """Group labels (in order) after merging each sparse bin into its smaller neighbour."""
    sizes = [float(c) for c in counts]
    members = [[i] for i in range(len(sizes))]
    while len(sizes) > 2:
        i = int(np.argmin(sizes))
        if sizes[i] >= min_count:
            break
        right = i == 0 or (i < len(sizes) - 1 and sizes[i + 1] < sizes[i - 1])
        low = i if right else i - 1
        sizes[low : low + 2] = [sizes[low] + sizes[low + 1]]
        members[low : low + 2] = [members[low] + members[low + 1]]
    labels = np.empty(len(counts), dtype=np.int64)
    for label, group in enumerate(members):
        labels[group] = label
    return labels


def numeric_bins(
    reference: np.ndarray,
    *,
    bins: int = QUANTILE_BINS,
    max_value_bins: int = MAX_VALUE_BINS,
    min_bin_count: int = MIN_BIN_COUNT,
) -> Bins:
    """Cut bins on the finite values of ``reference``: by value if few, else by quantile."""
    reference = reference[np.isfinite(reference)]
    values, counts = np.unique(reference, return_counts=True)
    if values.size <= max_value_bins:
        groups = _merge_sparse(counts, min_bin_count)
        other = groups.max(initial=-1) + 1
        return Bins("values", values, np.empty(0), np.append(groups, other), int(other) + 1)
    masses = values[counts >= reference.size / (2 * bins)]
    mass_counts = counts[counts >= reference.size / (2 * bins)]
    rest = reference[~np.isin(reference, masses)]
    share = rest.size / reference.size
    interval_bins = max(1, round(bins * share))
    edges = (
        np.unique(np.quantile(rest, np.linspace(0, 1, interval_bins + 1)[1:-1])) if rest.size else np.empty(0)
    )
    interval_counts = np.bincount(np.searchsorted(edges, rest, side="right"), minlength=edges.size + 1)
    # Fine bins in value order: a point mass comes right after the interval that contains it.
    mass_interval = np.searchsorted(edges, masses, side="right")
    order_key = np.concatenate([mass_interval + 0.5, np.arange(edges.size + 1, dtype=float)])
    fine_counts = np.concatenate([mass_counts, interval_counts])
    order = np.argsort(order_key, kind="stable")
    groups = np.empty(order.size, dtype=np.int64)
    groups[order] = _merge_sparse(fine_counts[order], min_bin_count)
    return Bins("quantiles", masses, edges, groups, int(groups.max()) + 1)


def _psi_counts(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI of two count vectors over the same bins, each smoothed by half a count per bin."""
    expected = (reference + _SMOOTHING) / (reference.sum() + _SMOOTHING * reference.size)
    actual = (current + _SMOOTHING) / (current.sum() + _SMOOTHING * current.size)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def _numeric_counts(
    reference: np.ndarray, current: np.ndarray, bins: int, max_value_bins: int, min_bin_count: int
) -> tuple[Bins, np.ndarray, np.ndarray]:
    cut = numeric_bins(reference, bins=bins, max_value_bins=max_value_bins, min_bin_count=min_bin_count)
    return cut, cut.counts(reference), cut.counts(current)


def numeric_psi(
    reference: np.ndarray,
    current: np.ndarray,
    bins: int = QUANTILE_BINS,
    *,
    max_value_bins: int = MAX_VALUE_BINS,
    min_bin_count: int = MIN_BIN_COUNT,
) -> float:
    """PSI of a numeric column, binned by value or by quantile as :func:`numeric_bins` decides."""
    reference = reference[np.isfinite(reference)]
    current = current[np.isfinite(current)]
    if reference.size == 0 or current.size == 0:
        return 0.0
    _, ref_counts, cur_counts = _numeric_counts(reference, current, bins, max_value_bins, min_bin_count)
    return _psi_counts(ref_counts, cur_counts)


def _category_counts(reference: pd.Series, current: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    ref_counts = reference.astype(str).value_counts()
    cur_counts = current.astype(str).value_counts()
    categories = ref_counts.index.union(cur_counts.index)
    ref = ref_counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    cur = cur_counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    return ref, cur


def _chi2_p_value(ref: np.ndarray, cur: np.ndarray) -> float:
    from scipy import stats  # loaded here: scipy.stats takes about a second to import

    table = np.vstack([ref, cur])
    table = table[:, table.sum(axis=0) > 0]
    return float(stats.chi2_contingency(table)[1]) if table.shape[1] > 1 else 1.0


def categorical_psi(reference: pd.Series, current: pd.Series) -> tuple[float, float]:
    """PSI and chi-squared p-value over the union of categories."""
    ref, cur = _category_counts(reference, current)
    return _psi_counts(ref, cur), _chi2_p_value(ref, cur)


def _status(psi: float, warn: float, alert: float) -> Literal["stable", "warn", "drift"]:
    if psi >= alert:
        return "drift"
    return "warn" if psi >= warn else "stable"


def _unjudged(
    column: str, kind: Literal["numeric", "categorical"], n_ref: int, n_cur: int, minimum: int
) -> FeatureDrift | None:
    if n_ref < minimum:
        note = f"reference too small: {n_ref} rows, at least {minimum} needed"
    elif n_cur == 0:
        note = "no usable values in the batch"
    else:
        return None
    return FeatureDrift(column, kind, 0.0, 1.0, "stable", "none", 0, n_ref, n_cur, note)


def compare(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    numeric: list[str],
    categorical: list[str],
    psi_warn: float,
    psi_alert: float,
    min_reference_rows: int = MIN_REFERENCE_ROWS,
    max_value_bins: int = MAX_VALUE_BINS,
    min_bin_count: int = MIN_BIN_COUNT,
    quantile_bins: int = QUANTILE_BINS,
) -> list[FeatureDrift]:
    """Drift of every listed column, worst first; columns too small to judge come last.

    ``min_reference_rows``: fewer usable reference values than this and the column is reported
    as "reference too small" instead of judged. ``max_value_bins``: numeric columns with at most
    this many distinct reference values are binned by value. ``min_bin_count``: bins with fewer
    reference rows are merged with a neighbour. ``quantile_bins``: bins of a continuous column.
    """
    from scipy import stats  # loaded here: scipy.stats takes about a second to import

    results = []
    for column in numeric:
        ref = reference[column].to_numpy(dtype=float)
        cur = current[column].to_numpy(dtype=float)
        ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
        unjudged = _unjudged(column, "numeric", ref.size, cur.size, min_reference_rows)
        if unjudged:
            results.append(unjudged)
            continue
        cut, ref_counts, cur_counts = _numeric_counts(ref, cur, quantile_bins, max_value_bins, min_bin_count)
        psi = _psi_counts(ref_counts, cur_counts)
        if cut.kind == "values":
            p_value = _chi2_p_value(ref_counts, cur_counts)
        else:
            p_value = float(stats.ks_2samp(ref, cur).pvalue)
        status = _status(psi, psi_warn, psi_alert)
        results.append(
            FeatureDrift(
                column,
                "numeric",
                psi,
                p_value,
                status,
                binning=cut.kind,
                bins=cut.count,
                reference_rows=ref.size,
                current_rows=cur.size,
            )
        )
    for column in categorical:
        ref_column, cur_column = reference[column], current[column]
        unjudged = _unjudged(column, "categorical", len(ref_column), len(cur_column), min_reference_rows)
        if unjudged:
            results.append(unjudged)
            continue
        ref_counts, cur_counts = _category_counts(ref_column, cur_column)
        psi, p_value = _psi_counts(ref_counts, cur_counts), _chi2_p_value(ref_counts, cur_counts)
        status = _status(psi, psi_warn, psi_alert)
        results.append(
            FeatureDrift(
                column,
                "categorical",
                psi,
                p_value,
                status,
                binning="categories",
                bins=ref_counts.size,
                reference_rows=len(ref_column),
                current_rows=len(cur_column),
            )
        )
    return sorted(results, key=lambda d: (d.judged, d.psi), reverse=True)
