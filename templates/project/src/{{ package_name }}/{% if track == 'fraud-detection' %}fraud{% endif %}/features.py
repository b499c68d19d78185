"""Point-in-time customer features: each row sees only that customer's strictly earlier rows.

Every window is at most 30 days long, so the serving history (the last 30 days of each customer,
stored with the model) gives exactly the features training saw. The computation is vectorised with
sorted keys and ``searchsorted``: ``key = customer * SPAN + seconds`` keeps customers apart, and
"strictly earlier" is the left insertion point of a row's own key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .schema import CATEGORIES, CHANNELS, DEVICES

HOUR, DAY = 3600, 86_400
HISTORY_SECONDS = 30 * DAY
NUMERIC = [
    "amount",
    "log_amount",
    "hour",
    "distance_from_home_km",
    "txn_count_1h",
    "txn_count_24h",
    "txn_count_7d",
    "amount_sum_24h",
    "amount_ratio_to_mean_30d",
    "amount_zscore_30d",
    "hours_since_last",
    "txn_count_30d",
    "new_merchant_30d",
]
CATEGORICAL = {"channel": CHANNELS, "category": CATEGORIES, "device_type": DEVICES}
FEATURES = NUMERIC + list(CATEGORICAL)
# What monitoring compares with the training reference (log_amount repeats amount).
MONITORED_NUMERIC = [f for f in NUMERIC if f != "log_amount"]


# The canonical form the API writes (``2024-05-01T12:30:00Z``); whole seconds, UTC.
_CANONICAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_FEW = 64


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


def _window_start(keys: np.ndarray, start: np.ndarray, window: int) -> np.ndarray:
    """Index of the first row of the same customer inside ``(t - window, t)``."""
    return np.maximum(np.searchsorted(keys, keys - window, side="right"), start)


def behaviour(
    customers: np.ndarray, pairs: np.ndarray, seconds: np.ndarray, amount: np.ndarray
) -> dict[str, np.ndarray]:
    """Velocity and habit features, in input order, from integer customer and customer-merchant
    codes, epoch seconds and amounts. Pure numpy, shared by training, batch scoring and the API."""
    t = seconds - (seconds.min() if seconds.size else 0)
    span = int(t.max() if t.size else 0) + HISTORY_SECONDS + 1

    order = np.lexsort((t, customers))
    keys = customers[order] * span + t[order]
    t_sorted, amount_sorted = t[order], amount[order]
    own = np.searchsorted(keys, keys, side="left")  # rows strictly before this one, globally
    start = np.searchsorted(keys, customers[order] * span, side="left")  # first row of the customer
    csum = np.concatenate([[0.0], np.cumsum(amount_sorted)])
    csq = np.concatenate([[0.0], np.cumsum(amount_sorted**2)])

    def count(window: int) -> np.ndarray:
        return own - _window_start(keys, start, window)

    lo30 = _window_start(keys, start, HISTORY_SECONDS)
    n30 = own - lo30
    sum30 = csum[own] - csum[lo30]
    mean30 = np.divide(sum30, n30, out=np.zeros_like(sum30), where=n30 > 0)
    var30 = np.divide(csq[own] - csq[lo30], n30, out=np.zeros_like(sum30), where=n30 > 0) - mean30**2
    std30 = np.sqrt(np.clip(var30, 0, None))
    lo24 = _window_start(keys, start, DAY)
    previous = np.where(own > start, t_sorted[np.maximum(own - 1, 0)], -1)
    hours_since = np.where(previous >= 0, (t_sorted - previous) / HOUR, HISTORY_SECONDS / HOUR)

    pair_order = np.lexsort((t, pairs))
    pair_keys = pairs[pair_order] * span + t[pair_order]
    pair_prev = np.searchsorted(pair_keys, pair_keys, side="left") - 1
    same_pair = (pair_prev >= 0) & (pair_keys[np.maximum(pair_prev, 0)] // span == pair_keys // span)
    gap = t[pair_order] - t[pair_order][np.maximum(pair_prev, 0)]
    seen = np.empty(t.size, dtype=bool)
    seen[pair_order] = same_pair & (gap <= HISTORY_SECONDS)

    sorted_features = {
        "txn_count_1h": count(HOUR),
        "txn_count_24h": own - lo24,
        "txn_count_7d": count(7 * DAY),
        "amount_sum_24h": csum[own] - csum[lo24],
        "amount_ratio_to_mean_30d": np.where(n30 > 0, amount_sorted / np.maximum(mean30, 0.01), 1.0),
        "amount_zscore_30d": np.where(n30 > 1, (amount_sorted - mean30) / np.maximum(std30, 1.0), 0.0),
        "hours_since_last": hours_since,
        "txn_count_30d": n30,
    }
    result = {"new_merchant_30d": (~seen).astype(float)}
    for name, values in sorted_features.items():
        restored = np.empty(values.shape, dtype=float)
        restored[order] = values
        result[name] = restored
    return result


def assemble(
    frame: Mapping[str, Any], seconds: np.ndarray, behavioural: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """All features of ``frame``'s rows (a DataFrame or a dict of columns), given their
    behavioural features, as named columns."""
    amount = np.asarray(frame["amount"], dtype=float)
    columns = {
        "amount": amount,
        "log_amount": np.log1p(amount),
        "hour": ((seconds % DAY) // HOUR).astype(float),
        "distance_from_home_km": np.asarray(frame["distance_from_home_km"], dtype=float),
        **behavioural,
    }
    for name in CATEGORICAL:
        columns[name] = np.asarray(frame[name], dtype=object)
    return {name: columns[name] for name in FEATURES}


def build_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Features for every row of ``frame`` (any order), computed only from earlier rows."""
    seconds = to_seconds(frame["timestamp"])
    customers = pd.factorize(frame["customer_id"])[0].astype(np.int64)
    pairs = pd.factorize(frame["customer_id"].astype(str) + "|" + frame["merchant_id"].astype(str))[0]
    amount = frame["amount"].to_numpy(dtype=float)
    behavioural = behaviour(customers, pairs.astype(np.int64), seconds, amount)
    return pd.DataFrame(assemble(frame, seconds, behavioural), index=frame.index)


def to_matrix(features: Mapping[str, Any]) -> np.ndarray:
    """Numeric matrix for the models: numeric features, then one-hot categoricals.

    ``features`` is a DataFrame or a dict of columns, as long as it holds every feature. One-hot
    columns (rather than a model's native categorical support) keep single-row scoring fast.
    """
    columns = [np.asarray(features[name], dtype=float) for name in NUMERIC]
    for name, choices in CATEGORICAL.items():
        values = np.asarray(features[name], dtype=object)
        columns += [(values == choice).astype(float) for choice in choices]
    return np.column_stack(columns)


MATRIX_COLUMNS = NUMERIC + [f"{name}={choice}" for name, choices in CATEGORICAL.items() for choice in choices]
