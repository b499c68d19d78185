"""Point-in-time customer features: one function, fed by whatever history a caller has.

A row's *history* is its customer's transactions strictly earlier than it and inside the window
(``state.window_days``), at most the newest ``state.max_events_per_customer`` of them. Every
behavioural feature is a function of that history and the row, so training (the file's own
earlier rows), batch scoring (the live state as of the batch start, then the batch's own earlier
rows) and the API (the live state, updated with every scored transaction) compute identical values
for the same transactions in the same order. The computation is vectorised with sorted keys and
``searchsorted``: ``key = customer * SPAN + seconds`` keeps customers apart, and "strictly
earlier" is the left insertion point of a row's own key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

HOUR, DAY = 3600, 86_400
SMALL_AMOUNT = 5.0  # card-testing charges: a few dollars, just before a large one
MAX_LEVELS = 30  # categorical levels learned from the data; rarer ones score as unseen
BEHAVIOURAL = [
    "txn_count_1h",
    "txn_count_24h",
    "txn_count_7d",
    "small_txn_count_24h",
    "amount_sum_24h",
    "amount_ratio_to_mean",
    "amount_zscore",
    "hours_since_last",
    "txn_count_window",
    "new_merchant",
]
OPTIONAL_NUMERIC = ("distance_from_home_km",)
OPTIONAL_CATEGORICAL = ("channel", "device_type")
# Which features each optional input column feeds: absent column, absent features.
NEEDS = {
    "distance_from_home_km": ["distance_from_home_km"],
    "channel": ["channel"],
    "device_type": ["device_type"],
}


# Per categorical column its levels' counts, and which optional numeric columns have values.
LevelCounts = tuple[dict[str, dict[str, int]], dict[str, bool]]


def level_counts(frame: pd.DataFrame) -> LevelCounts:
    """What :meth:`FeatureSpec.from_counts` needs of a table, or of one partition of it."""
    levels = {
        name: {str(k): int(v) for k, v in frame[name].dropna().astype(str).value_counts().items()}
        for name in ("category", *OPTIONAL_CATEGORICAL)
        if name in frame
    }
    present = {n: bool(frame[n].notna().any()) for n in OPTIONAL_NUMERIC if n in frame}
    return levels, present


def merge_counts(parts: list[LevelCounts]) -> LevelCounts:
    """The counts of a whole table from its partitions' counts."""
    levels: dict[str, dict[str, int]] = {}
    present: dict[str, bool] = {}
    for part_levels, part_present in parts:
        for name, counts in part_levels.items():
            merged = levels.setdefault(name, {})
            for level, count in counts.items():
                merged[level] = merged.get(level, 0) + count
        for name, flag in part_present.items():
            present[name] = present.get(name, False) or flag
    return levels, present


@dataclass(frozen=True)
class FeatureSpec:
    """The features a model uses: the optional columns the data has, the categorical levels seen
    in training, and the history window and bound."""

    window_days: int = 30
    max_events: int = 500
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    optional_numeric: tuple[str, ...] = ()

    @classmethod
    def learn(cls, frame: pd.DataFrame, window_days: int, max_events: int) -> FeatureSpec:
        """The spec of a training table: present optional columns and their frequent levels."""
        return cls.from_counts(level_counts(frame), window_days, max_events)

    @classmethod
    def from_counts(cls, counts: LevelCounts, window_days: int, max_events: int) -> FeatureSpec:
        """The spec from :func:`level_counts` of the whole table (or their :func:`merge_counts`)."""
        levels, present = counts
        categories = {}
        for name in ("category", *OPTIONAL_CATEGORICAL):
            if levels.get(name):
                frequent = sorted(levels[name].items(), key=lambda item: (-item[1], item[0]))[:MAX_LEVELS]
                categories[name] = tuple(sorted(level for level, _ in frequent))
        numeric = tuple(n for n in OPTIONAL_NUMERIC if present.get(n))
        return cls(window_days, max_events, categories, numeric)

    @property
    def window(self) -> int:
        """The history window in seconds."""
        return self.window_days * DAY

    @property
    def numeric(self) -> list[str]:
        """Numeric features, in matrix order."""
        return ["amount", "log_amount", "hour", *self.optional_numeric, *BEHAVIOURAL]

    @property
    def categorical(self) -> list[str]:
        """Categorical features, in matrix order."""
        return list(self.categories)

    @property
    def names(self) -> list[str]:
        """Every feature."""
        return self.numeric + self.categorical

    @property
    def monitored_numeric(self) -> list[str]:
        """What monitoring compares with the training reference (log_amount repeats amount)."""
        return [f for f in self.numeric if f != "log_amount"]

    @property
    def dropped(self) -> list[str]:
        """Features left out because the data lacks the column they need."""
        present = {*self.optional_numeric, *self.categories}
        return [f for column, features in NEEDS.items() if column not in present for f in features]

    @property
    def matrix_columns(self) -> list[str]:
        """The model matrix's columns: numeric features, then one-hot categoricals."""
        return self.numeric + [
            f"{name}={level}" for name, levels in self.categories.items() for level in levels
        ]

    @property
    def groups(self) -> list[tuple[str, slice]]:
        """Each feature and its columns in the matrix (one for numeric, the one-hot block else)."""
        result = [(name, slice(i, i + 1)) for i, name in enumerate(self.numeric)]
        at = len(self.numeric)
        for name, levels in self.categories.items():
            result.append((name, slice(at, at + len(levels))))
            at += len(levels)
        return result


@dataclass(frozen=True)
class Events:
    """Transactions as the state keeps them: customer key, time, amount, merchant."""

    customer: np.ndarray
    seconds: np.ndarray
    amount: np.ndarray
    merchant: np.ndarray

    @classmethod
    def empty(cls) -> Events:
        """No history."""
        return cls(
            np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=object)
        )

    def __len__(self) -> int:
        return int(self.seconds.size)


# The canonical form the API writes (``2024-05-01T12:30:00Z``); whole seconds, UTC.
_CANONICAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_FEW = 64
_FEW_ROWS = 8  # window sums over at most this many rows are added in Python


def to_seconds(timestamps: Any) -> np.ndarray:
    """UTC epoch seconds of ISO-8601 strings or datetimes.

    A few canonical strings (an API request) are converted by numpy directly: pandas' parser
    costs most of a millisecond per call whatever the size. Anything else goes through pandas.
    """
    few = isinstance(timestamps, list) and len(timestamps) <= _FEW
    if few and all(isinstance(t, str) and _CANONICAL.fullmatch(t) for t in timestamps):
        return np.array([t[:-1] for t in timestamps], dtype="datetime64[s]").astype(np.int64)
    parsed = pd.to_datetime(timestamps, utc=True, format="ISO8601")
    return parsed.to_numpy(dtype="datetime64[s]").astype(np.int64)


def _codes(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Integer codes of values (a dictionary for a request, pandas for a file)."""
    if len(values) <= 4 * _FEW:
        seen: dict[Any, int] = {}
        return np.array([seen.setdefault(v, len(seen)) for v in values], dtype=np.int64)
    return pd.factorize(np.asarray(values, dtype=object))[0].astype(np.int64)


def _window_start(keys: np.ndarray, start: np.ndarray, window: int) -> np.ndarray:
    """Index of the first row of the same customer inside ``(t - window, t)``."""
    return np.maximum(np.searchsorted(keys, keys - window, side="right"), start)


def _window_sums(
    values: list[np.ndarray], lo: np.ndarray, own: np.ndarray, wanted: np.ndarray | None = None
) -> list[np.ndarray]:
    """Per row (of the ``wanted`` rows, if given; others are 0), the sum of each sorted array over
    ``[lo, own)``, added newest first.

    Summed directly rather than as differences of running totals: the result then depends only on
    the rows inside the window, never on how much history precedes it, so a customer's features
    are bit-identical whether their older transactions were pruned or not. A request's few rows
    are summed in Python, in the same order and so to the same bits.
    """
    n = own - lo
    totals = [np.zeros(n.size) for _ in values]
    active = np.flatnonzero((n > 0) if wanted is None else (n > 0) & wanted)
    if active.size <= _FEW_ROWS:
        for total, value in zip(totals, values, strict=True):
            for row in active.tolist():
                acc = 0.0
                for v in value[lo[row] : own[row]][::-1].tolist():
                    acc += v
                total[row] = acc
        return totals
    back = 1
    while active.size:
        at = own[active] - back
        for total, value in zip(totals, values, strict=True):
            total[active] += value[at]
        back += 1
        active = active[n[active] >= back]
    return totals


def behaviour(
    customers: np.ndarray,
    pairs: np.ndarray,
    seconds: np.ndarray,
    amount: np.ndarray,
    *,
    window: int,
    max_events: int,
    wanted: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Velocity and habit features, in input order, from integer customer and customer-merchant
    codes, epoch seconds and amounts; each row sees only its history (see the module). With
    ``wanted`` (a mask in input order), the amount sums are computed for those rows only and the
    other rows' amount features are not meaningful."""
    t = seconds - (seconds.min() if seconds.size else 0)
    span = int(t.max() if t.size else 0) + window + 1

    # Ties within a second are ordered by amount, so sums add the same values in the same order
    # whichever rows arrived first.
    order = np.lexsort((amount, t, customers))
    keys = customers[order] * span + t[order]
    t_sorted, amount_sorted = t[order], amount[order]
    own = np.searchsorted(keys, keys, side="left")  # rows strictly before this one, globally
    start = np.searchsorted(keys, customers[order] * span, side="left")  # first row of the customer
    first = np.maximum(_window_start(keys, start, window), own - max_events)  # the history: [first, own)
    csmall = np.concatenate([[0], np.cumsum(amount_sorted < SMALL_AMOUNT)])

    def lo(span_seconds: int) -> np.ndarray:
        return np.maximum(_window_start(keys, start, span_seconds), first)

    n = own - first
    lo24 = lo(DAY)
    needed = None if wanted is None else wanted[order]
    total, squares = _window_sums([amount_sorted, amount_sorted**2], first, own, needed)
    (sum24,) = _window_sums([amount_sorted], lo24, own, needed)
    mean = np.divide(total, n, out=np.zeros_like(total), where=n > 0)
    var = np.divide(squares, n, out=np.zeros_like(total), where=n > 0) - mean**2
    std = np.sqrt(np.clip(var, 0, None))
    # Hours since the previous transaction in the history; the window's length when there is none,
    # so the value is capped at the window everywhere.
    previous = t_sorted[np.maximum(own - 1, 0)]
    hours_since = np.where(own > first, (t_sorted - previous) / HOUR, window / HOUR)

    position = np.empty(t.size, dtype=np.int64)
    position[order] = np.arange(t.size)
    pair_order = np.lexsort((t, pairs))
    pair_keys = pairs[pair_order] * span + t[pair_order]
    pair_prev = np.searchsorted(pair_keys, pair_keys, side="left") - 1
    same_pair = (pair_prev >= 0) & (pair_keys[np.maximum(pair_prev, 0)] // span == pair_keys // span)
    previous_row = pair_order[np.maximum(pair_prev, 0)]
    in_history = position[previous_row] >= first[position[pair_order]]
    seen = np.empty(t.size, dtype=bool)
    seen[pair_order] = same_pair & in_history

    sorted_features = {
        "txn_count_1h": own - lo(HOUR),
        "txn_count_24h": own - lo24,
        "txn_count_7d": own - lo(7 * DAY),
        "small_txn_count_24h": csmall[own] - csmall[lo24],
        "amount_sum_24h": sum24,
        "amount_ratio_to_mean": np.where(n > 0, amount_sorted / np.maximum(mean, 0.01), 1.0),
        "amount_zscore": np.where(n > 1, (amount_sorted - mean) / np.maximum(std, 1.0), 0.0),
        "hours_since_last": hours_since,
        "txn_count_window": n,
    }
    result = {"new_merchant": (~seen).astype(float)}
    for name, values in sorted_features.items():
        restored = np.empty(values.shape, dtype=float)
        restored[order] = values
        result[name] = restored
    return result


def compute(
    spec: FeatureSpec, frame: Mapping[str, Any], keys: Sequence[Any] | np.ndarray, history: Events
) -> dict[str, np.ndarray]:
    """Every feature of ``frame``'s rows (a DataFrame or a dict of columns) as named columns.

    ``keys`` are the rows' customer keys, as ``history`` names customers; ``history`` holds the
    transactions known before (in any order: a history row later than a frame row is not seen by
    it). The frame's own earlier rows count too, as if replayed through a store in time order.
    """
    seconds = to_seconds(frame["timestamp"])
    merchants = np.asarray(frame["merchant_id"], dtype=object)
    all_customers = np.concatenate([history.customer, np.asarray(keys, dtype=object)])
    all_merchants = np.concatenate([history.merchant, merchants])
    customers = _codes(all_customers)
    pairs = _codes(customers * (int(all_merchants.size) + 1) + _codes(all_merchants))
    behavioural = behaviour(
        customers,
        pairs,
        np.concatenate([history.seconds, seconds]),
        np.concatenate([history.amount, np.asarray(frame["amount"], dtype=float)]),
        window=spec.window,
        max_events=spec.max_events,
        wanted=np.arange(len(history) + len(seconds)) >= len(history) if len(history) else None,
    )
    amount = np.asarray(frame["amount"], dtype=float)
    columns: dict[str, np.ndarray] = {
        "amount": amount,
        "log_amount": np.log1p(amount),
        "hour": ((seconds % DAY) // HOUR).astype(float),
        **{name: values[len(history) :] for name, values in behavioural.items()},
    }
    for name in spec.optional_numeric:
        columns[name] = np.asarray(frame[name], dtype=float)
    for name in spec.categories:
        values = np.asarray(frame[name], dtype=object)
        columns[name] = np.array(
            ["missing" if v is None or pd.isna(v) else str(v) for v in values], dtype=object
        )
    return {name: columns[name] for name in spec.names}


def build_features(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """Features for every row of a table (any order), computed only from its earlier rows."""
    return pd.DataFrame(
        compute(spec, frame, frame["customer_id"].to_numpy(), Events.empty()), index=frame.index
    )


def to_matrix(spec: FeatureSpec, features: Mapping[str, Any]) -> np.ndarray:
    """Numeric matrix for the models: numeric features, then one-hot categoricals (an unseen level
    is all zeros). One-hot columns keep single-row scoring fast."""
    columns = [np.asarray(features[name], dtype=float) for name in spec.numeric]
    for name, levels in spec.categories.items():
        values = np.asarray(features[name], dtype=object)
        columns += [(values == level).astype(float) for level in levels]
    return np.column_stack(columns)
