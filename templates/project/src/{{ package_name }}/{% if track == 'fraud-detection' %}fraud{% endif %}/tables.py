"""The fraud tables on either engine: labelled transactions, their features, scored batches.

With the local engine the labelled transactions are one CSV file (``data/raw/transactions.csv``)
and every step computes in this process. With the Dask engine (``ENGINE=dask``) ``make data``
draws, validates and writes the days in parallel as Parquet parts, one per day
(``data/raw/transactions/``), and computes their point-in-time features on the workers, with each
customer's rows in one partition so that no window crosses a partition; the features are stored
as Parquet parts (``data/features/``). Later steps bring back only the rows and columns they use,
in the period's row order (``synth.ORDER``), so every figure equals the local engine's.

The functions given to the engine are the ones the local engine calls: ``simulate_day``,
``enforce``, ``build_features``, ``level_counts``, the scorer. Nothing is computed twice over.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.validation import enforce
from ..engine import Table, current
from ..engine.local import part_files, replace_folder
from ..errors import PipelineError
from ..io.files import sha256_file, write_text
from .config import Config
from .features import FeatureSpec, build_features, level_counts, merge_counts, to_seconds
from .schema import LABEL, LabeledTransaction
from .state import CustomerKeys, open_state, recent_rows
from .synth import ORDER, DayPlan, Population, simulate_day

SPEC_FILE = "spec.json"
_KEY_ORIGIN = 1_577_836_800  # 2020-01-01: keeps sort keys of any plausible date inside int64


def raw_parts(cfg: Config) -> Path:
    """The Dask engine's labelled transactions: Parquet parts, one per day."""
    return cfg.paths.data_dir / "raw" / "transactions"


def feature_parts(cfg: Config) -> Path:
    """The Dask engine's features of the labelled transactions, partitioned by customer."""
    return cfg.paths.data_dir / "features"


def write_day(
    pop: Population,
    day: DayPlan,
    *,
    start: pd.Timestamp,
    days: int,
    seed: int,
    shift: bool,
    folder: Path,
) -> tuple[int, int]:
    """Draw one day, validate it and write it as ``folder/part-<day>.parquet``; (rows, frauds)."""
    frame = simulate_day(pop, day, start=start, days=days, seed=seed, shift=shift)
    enforce(frame, LabeledTransaction, mode="reject", source=f"generated day {day.day}")
    frame.to_parquet(folder / f"part-{day.day:05d}.parquet", index=False)
    return len(frame), int(frame[LABEL].sum())


def draw_days(
    pop: Population,
    plans: list[DayPlan],
    *,
    start: pd.Timestamp,
    days: int,
    seed: int,
    shift: bool,
    target: Path,
) -> None:
    """Every day of a period drawn and written on the engine's workers, then put in place whole."""
    staged = target.with_name(target.name + ".partial")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    task = partial(write_day, pop, start=start, days=days, seed=seed, shift=shift, folder=staged)
    current().map(task, plans, what=f"drawing {len(plans)} days")
    replace_folder(staged, target)


def parts_hash(folder: Path) -> str:
    """A fingerprint of a folder of Parquet parts: its part files' names and bytes."""
    digest = hashlib.sha256()
    for part in part_files(folder):
        digest.update(part.name.encode())
        digest.update(sha256_file(part).encode())
    return digest.hexdigest()


def fraud_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The fraudulent rows of a partition."""
    return frame.loc[frame[LABEL].to_numpy(dtype=bool)]


def in_period_order(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Partitions' rows as one frame in the period's row order."""
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return frame.sort_values(ORDER, kind="stable").reset_index(drop=True) if len(frame) else frame


def write_batch(folder: Path, target: Path) -> pd.DataFrame:
    """The batch drawn into ``folder`` as one unlabelled CSV in time order; its frauds returned
    (for the chargeback feed). The parts are removed afterwards."""
    engine = current()
    table = engine.read_parquet(folder)
    engine.write_csv(engine.sort(table.drop(columns=[LABEL]), draw_order), target)
    frauds: pd.DataFrame = engine.reduce(table, fraud_rows, in_period_order)
    shutil.rmtree(folder, ignore_errors=True)
    return frauds


def draw_order(frame: pd.DataFrame) -> np.ndarray:
    """A distinct int64 per drawn row that sorts like ``synth.ORDER``: its second, then its day
    and place in the day's draw (which its transaction id spells)."""
    ids = frame["transaction_id"].astype(str)
    day = ids.str.slice(4, 8).astype(np.int64).to_numpy()
    draw = ids.str.slice(8).astype(np.int64).to_numpy()
    return (to_seconds(frame["timestamp"]) - _KEY_ORIGIN) * 2**32 + day * 2**22 + draw


def scratch(cfg: Config) -> Path:
    """Where the engine keeps a computed table while this process reads it part by part."""
    return cfg.paths.data_dir / "scratch"


def raw_table(cfg: Config) -> Table:
    """The labelled transactions as an engine table (the Dask engine's Parquet parts)."""
    folder = raw_parts(cfg)
    if not folder.is_dir():
        raise PipelineError(
            f"no Parquet parts in {folder}: the Dask engine reads what `ENGINE=dask make data` writes; "
            "run it first"
        )
    table = current().read_parquet(folder)
    return table


def learn_spec(cfg: Config, table: Table) -> FeatureSpec:
    """The feature spec of the whole table, from per-partition counts."""
    counts = current().reduce(table, level_counts, merge_counts)
    return FeatureSpec.from_counts(counts, cfg.state.window_days, cfg.state.max_events_per_customer)


KEEP = [*ORDER, "customer_id", LABEL]


def features_part(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """One partition's features (each customer's rows all in it), with the columns that place,
    label and group them."""
    features = build_features(frame, spec).reset_index(drop=True)
    for name in spec.categorical:  # text, so that Parquet stores it as such
        features[name] = features[name].astype(str)
    return pd.concat([frame[KEEP].reset_index(drop=True), features], axis=1)


def feature_table(table: Table, spec: FeatureSpec) -> Table:
    """Point-in-time features of a table of transactions, computed by customer partition."""
    engine = current()
    return engine.map_partitions(features_part, engine.by_key(table, "customer_id"), spec)


def store_features(cfg: Config, table: Table, spec: FeatureSpec) -> Table:
    """Compute and store the features of the labelled transactions; the stored table."""
    engine = current()
    folder = feature_parts(cfg)
    engine.write_parquet(feature_table(table, spec), folder)
    write_text(folder / SPEC_FILE, _spec_text(spec))
    return engine.read_parquet(folder)


def _spec_text(spec: FeatureSpec) -> str:
    return json.dumps(asdict(spec), sort_keys=True)


def stored_features(cfg: Config, spec: FeatureSpec) -> Table:
    """The stored features when they were computed with ``spec``; else computed afresh."""
    marker = feature_parts(cfg) / SPEC_FILE
    if marker.is_file() and marker.read_text(encoding="utf-8") == _spec_text(spec):
        return current().read_parquet(feature_parts(cfg))
    return feature_table(raw_table(cfg), spec)


def max_seconds(table: Table) -> int:
    """The newest transaction's time."""
    return int(current().reduce(table, _newest, _latest))


def _latest(parts: list[int]) -> int:
    return max(parts, default=0)


def _newest(frame: pd.DataFrame) -> int:
    return int(to_seconds(frame["timestamp"]).max()) if len(frame) else 0


def between(frame: pd.DataFrame, low: int | None, high: int | None) -> pd.DataFrame:
    """Rows with ``low <= time < high`` (either bound may be open)."""
    seconds = to_seconds(frame["timestamp"])
    keep = np.ones(len(frame), dtype=bool)
    if low is not None:
        keep &= seconds >= low
    if high is not None:
        keep &= seconds < high
    return frame.loc[keep]


def sampled(frame: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """Every fraud, and a seeded share ``share`` of the other rows, decided per transaction id
    (so the same rows whatever the partitioning)."""
    if share >= 1.0:
        return frame
    return frame.loc[frame[LABEL].to_numpy(dtype=bool) | drawn(frame["transaction_id"], share, seed)]


def drawn(ids: pd.Series, share: float, seed: int) -> np.ndarray:
    """Which rows a seeded share ``share`` of them keeps, decided per transaction id."""
    hashed = pd.util.hash_pandas_object(ids, index=False, hash_key=f"{seed:016d}")
    return np.asarray((hashed.to_numpy() / 2.0**64) < share)


def drawn_rows(frame: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """The rows :func:`drawn` keeps."""
    return frame.loc[drawn(frame["transaction_id"], share, seed)]


SCORE = "_score:"  # the prefix of the score columns :func:`scored_by` adds, one per scorer


def scored_by(frame: pd.DataFrame, scorers: Mapping[str, Any]) -> pd.DataFrame:
    """The partition with each scorer's score of its rows, as ``_score:<name>``."""
    return frame.assign(
        **{
            f"{SCORE}{name}": scorer.score_features(frame) if len(frame) else np.zeros(0)
            for name, scorer in scorers.items()
        }
    )


def scores_of(
    table: Table, scorers: Mapping[str, Any], columns: list[str]
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Some columns of a table, here, in the period's row order, and each scorer's scores of its
    rows (``score_features``, by name), computed where the rows are: never the feature matrix."""
    engine = current()
    frame = collect(
        engine.map_partitions(scored_by, table, dict(scorers)), [*columns, *(SCORE + n for n in scorers)]
    )
    return frame, {name: frame.pop(SCORE + name).to_numpy(dtype=float) for name in scorers}


def legit_share(sample_rows: int, rows: int, frauds: int) -> float:
    """The share of non-fraud rows :func:`sampled` keeps so that about ``sample_rows`` rows are
    kept in all (1.0 when every row fits); at least half of the sample is non-fraud."""
    if rows <= sample_rows:
        return 1.0
    legit = max(rows - frauds, 1)
    return min(1.0, max(sample_rows - frauds, sample_rows // 2) / legit)


def collect(table: Table, columns: list[str]) -> pd.DataFrame:
    """Some columns of a table, here, in the period's row order."""
    frame = current().to_pandas(table, list(dict.fromkeys([*columns, *ORDER])))
    return frame.sort_values(ORDER, kind="stable").reset_index(drop=True)


def count_rows(table: Table) -> tuple[int, int]:
    """Rows and frauds of a table."""
    rows, frauds = current().reduce(table, _count, _sum_pairs)
    return int(rows), int(frauds)


def _count(frame: pd.DataFrame) -> tuple[int, int]:
    return len(frame), int(frame[LABEL].to_numpy(dtype=bool).sum())


def _sum_pairs(parts: list[tuple[int, int]]) -> tuple[int, int]:
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


def remove_local_copies(*paths: Path) -> None:
    """Drop files another engine wrote for the same data, so no step reads a stale copy."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def seed_recent(cfg: Config, table: Table) -> int:
    """Fill the live state from each customer's newest window, partition by partition (the
    rows :func:`state.seed` keeps of the whole table); the rows stored, 0 if it held some."""
    engine = current()
    store = open_state(cfg)
    try:
        if store.count():
            return 0
        recent = engine.map_partitions(
            recent_rows, engine.by_key(table, "customer_id"), store.window, store.keep
        )
        keys = CustomerKeys(cfg.prediction_log.hash_key_env)
        stored = 0
        for part in engine.partitions(recent, scratch=scratch(cfg)):
            if not len(part):
                continue
            with store.session() as session:
                session.add(
                    keys(part["customer_id"].to_numpy()),
                    part["transaction_id"].astype(str).tolist(),
                    part["_s"].to_numpy(),
                    part["amount"].to_numpy(dtype=float),
                    part["merchant_id"].astype(str).tolist(),
                )
            stored += len(part)
        return stored
    finally:
        store.close()
