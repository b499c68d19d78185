"""Scoring against customer state: the API's path and batch scoring's, one feature function.

The API (:class:`LiveScorer`) reads each customer's history from the live state, computes the
features, stores the transactions it scored, and scores. Batch scoring (:func:`score_batch`) reads
the live state as of the batch's first transaction, replays the batch in time order on top of it
(point-in-time features over history plus the batch) and leaves the live state unchanged. So a
batch scored by ``make predict`` gets exactly the scores and decisions the API gives when it
receives the same transactions in time order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..engine import current
from ..errors import PipelineError
from .config import Config
from .features import to_seconds
from .models import FraudScorer, Reason
from .state import CustomerKeys, SQLiteState, open_state, seed, state_path


@dataclass(frozen=True)
class Verdicts:
    """Features, scores, review decisions and reasons of scored transactions, in input order."""

    features: dict[str, np.ndarray]
    scores: np.ndarray
    alerts: np.ndarray
    reasons: list[list[Reason]]


def judge(scorer: FraudScorer, features: dict[str, np.ndarray], amount: Any) -> Verdicts:
    """Score features, apply the serving policy, explain the reviews."""
    scores = scorer.score_features(features)
    alerts = scorer.alerts(scores, amount)
    flagged = np.flatnonzero(alerts)
    reasons: list[list[Reason]] = [[] for _ in range(scores.size)]
    for row, why in zip(flagged, scorer.reasons(features, flagged), strict=True):
        reasons[row] = why
    return Verdicts(features, scores, alerts, reasons)


def ensure_state(cfg: Config) -> None:
    """Create the live state from the training data's last window when there is none yet."""
    if state_path(cfg).is_file():
        return
    from . import data

    try:
        frame, _ = data.load_labeled(cfg)
    except PipelineError:
        frame = None
    if frame is not None:
        seed(cfg, frame)
    else:
        open_state(cfg).close()


class LiveScorer:
    """The API's scorer: history from the live state, and every scored transaction added to it."""

    def __init__(self, scorer: FraudScorer, state: SQLiteState, keys: CustomerKeys) -> None:
        self.scorer, self.state, self.keys = scorer, state, keys

    def score(self, columns: Mapping[str, Any]) -> Verdicts:
        """Score a request's transactions (columns) and add them to their customers' history."""
        keys = self.keys(columns["customer_id"])
        with self.state.session() as session:
            history = session.history(keys)
            features = self.scorer.features(columns, keys, history)
            session.add(
                keys,
                columns["transaction_id"],
                to_seconds(columns["timestamp"]),
                np.asarray(columns["amount"], dtype=float),
                columns["merchant_id"],
            )
        return judge(self.scorer, features, columns["amount"])

    def close(self) -> None:
        """Release the state file."""
        self.state.close()


def score_batch(cfg: Config, scorer: FraudScorer, frame: pd.DataFrame) -> Verdicts:
    """Score a file from the live state as of its first transaction (read only). On the Dask
    engine the rows are scored on the workers, each customer's rows in one partition."""
    ensure_state(cfg)
    start = int(to_seconds(frame["timestamp"]).min()) if len(frame) else 0
    engine = current()
    if engine.kind == "local" or not len(frame):
        return _score_rows(cfg, scorer, start, frame)
    table = engine.number_rows(engine.from_pandas(frame, cfg.engine.partition_rows), ROW)
    scored = engine.to_pandas(
        engine.map_partitions(_scored_part, engine.by_key(table, "customer_id"), cfg, scorer, start)
    )
    scored = scored.sort_values(ROW).reset_index(drop=True)
    return Verdicts(
        {name: scored[name].to_numpy() for name in scorer.spec.names},
        scored["_score"].to_numpy(dtype=float),
        scored["_alert"].to_numpy(dtype=bool),
        list(scored["_reasons"]),
    )


ROW = "_row"


def _score_rows(cfg: Config, scorer: FraudScorer, start: int, frame: pd.DataFrame) -> Verdicts:
    """Score rows against the live state's history before ``start``."""
    keys = CustomerKeys(cfg.prediction_log.hash_key_env)(frame["customer_id"].to_numpy())
    store = open_state(cfg)
    try:
        with store.session(write=False) as session:
            history = session.history(keys, before=start)
    finally:
        store.close()
    return judge(scorer, scorer.features(frame, keys, history), frame["amount"].to_numpy(dtype=float))


def _scored_part(frame: pd.DataFrame, cfg: Config, scorer: FraudScorer, start: int) -> pd.DataFrame:
    """One partition's verdicts as columns, with its rows' positions (``ROW``)."""
    columns: dict[str, Any] = {ROW: frame[ROW].to_numpy()}
    if len(frame):
        verdicts = _score_rows(cfg, scorer, start, frame)
        columns |= {name: verdicts.features[name] for name in scorer.spec.names}
        columns |= {"_score": verdicts.scores, "_alert": verdicts.alerts, "_reasons": verdicts.reasons}
    else:
        columns |= {
            name: np.zeros(0, dtype=object if name in scorer.spec.categories else float)
            for name in scorer.spec.names
        }
        columns |= {
            "_score": np.zeros(0),
            "_alert": np.zeros(0, dtype=bool),
            "_reasons": np.zeros(0, dtype=object),
        }
    return pd.DataFrame(columns)
