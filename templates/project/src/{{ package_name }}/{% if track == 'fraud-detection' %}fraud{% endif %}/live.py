"""Scoring against customer state: the API's path and batch scoring's, one feature function.

The API (:class:`LiveScorer`) reads each customer's history from the live state, computes the
features, stores the transactions it scored, and scores. Batch scoring (:func:`score_batch`) reads
the live state as of the batch's first transaction, replays the batch in time order on top of it
(point-in-time features over history plus the batch) and leaves the live state unchanged. So a
batch scored by ``make predict`` gets exactly the scores and decisions the API gives when it
receives the same transactions in time order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..engine import Table, current
from ..errors import PipelineError
from .config import Config
from .features import to_seconds
from .models import FraudScorer, Reason
from .state import CustomerKeys, SQLiteState, open_state, seed, state_path
from .tables import raw_parts, raw_table, scratch, seed_recent


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

    if current().kind != "local" and raw_parts(cfg).is_dir():
        seed_recent(cfg, raw_table(cfg))
        return
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
    """Score a file from the live state as of its first transaction (read only), in one frame."""
    ensure_state(cfg)
    if not len(frame):
        return _score_rows(cfg, scorer, 0, frame)
    engine = current()
    table = engine.number_rows(engine.from_pandas(frame, cfg.engine.partition_rows), ROW)
    scored, _ = _scored_table(cfg, scorer, table, len(frame), cfg.engine.partition_rows, text=False)
    ordered = engine.to_pandas(scored).sort_values(ROW).reset_index(drop=True)
    return Verdicts(
        {name: ordered[FEATURE + name].to_numpy() for name in scorer.spec.names},
        ordered[SCORE].to_numpy(dtype=float),
        ordered[ALERT].to_numpy(dtype=bool),
        list(ordered[REASONS]),
    )


ROW = "_row"  # each row's number in the batch: its place in the output
FEATURE, SCORE, ALERT, REASONS = "_feature:", "_score", "_alert", "_reasons"


def scored_parts(
    cfg: Config, scorer: FraudScorer, table: Table, rows: int, part_rows: int
) -> Iterator[pd.DataFrame]:
    """A batch's rows (numbered by ``ROW``, ``rows`` of them) with their features, score, alert
    and reasons (as text), in row order, in parts of at most about ``part_rows`` rows.

    From the live state as of the batch's first transaction (read only). On the Dask engine each
    customer's rows are scored in one partition on the workers and the parts come back one at a
    time, so no process holds the whole batch.
    """
    ensure_state(cfg)
    engine = current()
    scored, end = _scored_table(cfg, scorer, table, rows, part_rows, text=True)
    yield from engine.ordered_parts(scored, ROW, end=end, part_rows=part_rows, scratch=scratch(cfg))


def _scored_table(
    cfg: Config, scorer: FraudScorer, table: Table, rows: int, part_rows: int, *, text: bool
) -> tuple[Table, int]:
    """The rows with their verdicts, each customer's in one partition of about ``part_rows``
    rows, and one past the largest row number."""
    engine = current()
    start, end = engine.reduce(table, _span, _spans)
    by_customer = engine.by_key(table, "customer_id", max(1, -(-rows // part_rows)))
    return engine.map_partitions(_scored_part, by_customer, cfg, scorer, start, text), end


def _span(frame: pd.DataFrame) -> tuple[int | None, int]:
    """A part's first transaction (seconds) and one past its largest row number."""
    if not len(frame):
        return None, 0
    return int(to_seconds(frame["timestamp"]).min()), int(frame[ROW].max()) + 1


def _spans(parts: list[tuple[int | None, int]]) -> tuple[int, int]:
    starts = [first for first, _ in parts if first is not None]
    return min(starts, default=0), max((end for _, end in parts), default=0)


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


def _scored_part(
    frame: pd.DataFrame, cfg: Config, scorer: FraudScorer, start: int, text: bool
) -> pd.DataFrame:
    """One partition's rows with their verdicts as columns (features prefixed by ``FEATURE``),
    the reasons as text when ``text`` (so that the rows can be shuffled)."""
    if len(frame):
        verdicts = _score_rows(cfg, scorer, start, frame)
        features, scores, alerts = verdicts.features, verdicts.scores, verdicts.alerts
        reasons = np.empty(len(frame), dtype=object)
        for row, why in enumerate(verdicts.reasons):
            reasons[row] = "; ".join(r.text() for r in why) if text else why
    else:
        features = {
            name: np.zeros(0, dtype=object if name in scorer.spec.categories else float)
            for name in scorer.spec.names
        }
        scores, alerts, reasons = np.zeros(0), np.zeros(0, dtype=bool), np.zeros(0, dtype=object)
    return frame.assign(
        **{FEATURE + name: values for name, values in features.items()},
        **{SCORE: scores, ALERT: alerts, REASONS: reasons},
    )
