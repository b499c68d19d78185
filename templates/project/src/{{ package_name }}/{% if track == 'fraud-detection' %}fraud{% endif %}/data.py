"""The fraud-detection data: the source (synthetic or your own file), its validation and periods."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.profile import summarize
from ..core.results import DataProfile
from ..core.track import DataOutcome
from ..core.validation import enforce
from ..engine import Table, current
from ..engine.local import part_files
from ..errors import PipelineError
from ..io.files import sha256_file, write_csv
from ..io.tables import read_csv, validated
from ..io.workspace import Workspace
from .config import Config
from .features import FeatureSpec, build_features, to_seconds
from .labels import FEED_AGE_DAYS, labels_path
from .metrics import pr_auc
from .schema import LABEL, LabeledTransaction
from .state import seed, state_path
from .synth import chargebacks, make_population, plan, simulate
from .tables import (
    KEEP,
    between,
    collect,
    count_rows,
    draw_days,
    drawn,
    drawn_rows,
    feature_parts,
    learn_spec,
    legit_share,
    max_seconds,
    parts_hash,
    raw_parts,
    raw_table,
    remove_local_copies,
    sampled,
    scores_of,
    seed_recent,
    store_features,
    stored_features,
    write_batch,
)

IDS = {"transaction_id": str, "customer_id": str, "merchant_id": str}
SHIFT_AMOUNT = 1.8  # the shifted batch of your own data: the same rows, amounts inflated


def raw_path(cfg: Config) -> Path:
    """The labelled transactions: your file, or the synthetic one ``make data`` writes."""
    source = cfg.data.source
    if source.kind != "synthetic" and source.path is not None:
        return source.path
    return cfg.paths.data_dir / "raw" / "transactions.csv"


def read_source(cfg: Config) -> pd.DataFrame:
    """The source table with the schema's column names (``data.source.column_map`` applied);
    columns the schema does not know are left out."""
    source, path = cfg.data.source, raw_path(cfg)
    ours_to_theirs = {ours: theirs for theirs, ours in source.column_map.items()}
    if source.kind == "parquet":
        try:
            found = importlib.util.find_spec("pyarrow") is not None
        except ValueError:  # imported, then removed
            found = False
        if not found:
            raise PipelineError(
                "data.source.kind is 'parquet', which needs pyarrow: make setup EXTRAS=dev,parquet"
            )
        if not path.is_file():
            raise PipelineError(f"training data not found at {path} (data.source.path)")
        frame = pd.read_parquet(path)
        for name in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[name]):
                stamps = frame[name].dt.tz_localize("UTC") if frame[name].dt.tz is None else frame[name]
                frame[name] = stamps.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        dtype = {ours_to_theirs.get(name, name): kind for name, kind in IDS.items()}
        frame = read_csv(path, "training data", dtype=dtype)
    frame = frame.rename(columns=source.column_map)
    if source.kind != "synthetic":
        frame = frame[[c for c in frame.columns if c in LabeledTransaction.model_fields]]
        for name in IDS:
            if name in frame:
                frame[name] = frame[name].astype(str)
    return frame


def load_labeled(cfg: Config) -> tuple[pd.DataFrame, str]:
    """The training table, validated against the schema, and its fingerprint."""
    path = raw_path(cfg)
    if cfg.data.source.kind == "synthetic" and not path.is_file() and raw_parts(cfg).is_dir():
        raise PipelineError(
            f"{raw_parts(cfg)} holds the data `ENGINE=dask make data` wrote, and the local engine reads "
            f"{path}: run this step with ENGINE=dask, or `make data` again without it"
        )
    frame = validated(
        read_source(cfg),
        LabeledTransaction,
        source=path,
        mode=cfg.data.on_invalid,
        quarantine=Workspace.of(cfg).quarantine,
    )
    frame[LABEL] = frame[LABEL].astype(str).str.lower().isin({"true", "1"})
    return frame, sha256_file(path)


def spec_of(cfg: Config, frame: pd.DataFrame) -> FeatureSpec:
    """The features this data supports, with the configured history window."""
    return FeatureSpec.learn(frame, cfg.state.window_days, cfg.state.max_events_per_customer)


def boundaries(cfg: Config, newest: int) -> tuple[int, int]:
    """Where the validation and the test periods start, given the newest transaction's time."""
    test_start = newest - cfg.split.test_days * 86_400
    return test_start - cfg.split.valid_days * 86_400, test_start


def check_periods(frauds: dict[str, int]) -> None:
    """Every period needs a few frauds for its figures to mean anything."""
    for name, count in frauds.items():
        if count < 5:
            raise PipelineError(
                f"the {name} period has fewer than 5 frauds; use more data (data.rows, data.days) "
                "or shorter periods (split.valid_days, split.test_days)"
            )


def split(cfg: Config, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boolean masks for the train, validation and test periods (by time, never shuffled)."""
    seconds = to_seconds(frame["timestamp"])
    valid_start, test_start = boundaries(cfg, int(seconds.max()))
    masks = (seconds < valid_start, (seconds >= valid_start) & (seconds < test_start), seconds >= test_start)
    names = ("train", "validation", "test")
    check_periods({n: int(frame.loc[m, LABEL].sum()) for n, m in zip(names, masks, strict=True)})
    return masks


REFERENCE_ROWS = 20_000  # validation rows, about, that the drift reference describes


@dataclass(frozen=True)
class TrainingSets:
    """The training period's features and labels, in the period's row order, and the validation
    period's, on request."""

    spec: FeatureSpec
    train: pd.DataFrame
    data_hash: str
    available_train_rows: int
    seed_state: Callable[[], int]
    # The validation period's labels and amounts, and each scorer's scores (by name).
    validation: Callable[[Mapping[str, Any]], tuple[pd.DataFrame, dict[str, np.ndarray]]]
    # The features of about REFERENCE_ROWS validation rows, drawn per transaction id.
    reference: Callable[[], pd.DataFrame]
    # Per training row, when ``train`` is a sample: 1 for a fraud, 1 / the share kept for the
    # rest, so the weighted sample has the period's class balance; None when it is the whole period.
    weights: np.ndarray | None = None

    def without_train(self) -> TrainingSets:
        """The same sets but an empty training frame: once the model matrix is built, the frame
        need not take memory while the models fit."""
        return replace(self, train=pd.DataFrame(columns=self.train.columns))


def training_sets(cfg: Config) -> TrainingSets:
    """What training fits on. On the local engine: the whole table in memory. On the Dask engine:
    the stored features, of which only the training period (when it has more than
    ``engine.sample_rows`` rows, a seeded sample of about that many: every fraud and a share of
    the rest, weighted back to the period's balance) comes here; the validation period is scored
    on the workers, and only its labels, amounts, scores and the reference rows come back."""
    if current().kind == "local":
        frame, data_hash = load_labeled(cfg)
        spec = spec_of(cfg, frame)
        features = build_features(frame, spec)
        features[LABEL] = frame[LABEL].to_numpy()
        train_mask, valid_mask, _ = split(cfg, frame)
        valid = features.loc[valid_mask].reset_index(drop=True)
        share = min(1.0, REFERENCE_ROWS / max(len(valid), 1))
        reference = drawn(frame.loc[valid_mask, "transaction_id"], share, cfg.seed)
        return TrainingSets(
            spec,
            features.loc[train_mask].reset_index(drop=True),
            data_hash,
            int(train_mask.sum()),
            lambda: seed(cfg, frame),
            lambda scorers: (valid, {name: s.score_features(valid) for name, s in scorers.items()}),
            lambda: valid.loc[reference, spec.names].reset_index(drop=True),
        )
    engine = current()
    table = raw_table(cfg)
    spec = learn_spec(cfg, table)
    stored = stored_features(cfg, spec)
    valid_start, test_start = boundaries(cfg, max_seconds(stored))
    periods = {
        "train": engine.map_partitions(between, stored, None, valid_start),
        "validation": engine.map_partitions(between, stored, valid_start, test_start),
        "test": engine.map_partitions(between, stored, test_start, None),
    }
    counted = {name: count_rows(part) for name, part in periods.items()}
    check_periods({name: frauds for name, (_, frauds) in counted.items()})
    available, available_frauds = counted["train"]
    share = legit_share(cfg.engine.sample_rows, available, available_frauds)
    train = collect(engine.map_partitions(sampled, periods["train"], share, cfg.seed), [LABEL, *spec.names])
    weights = None
    if share < 1.0:
        weights = np.where(train[LABEL].to_numpy(dtype=bool), 1.0, 1.0 / share)
    valid = periods["validation"]
    drawn_share = min(1.0, REFERENCE_ROWS / max(counted["validation"][0], 1))
    return TrainingSets(
        spec,
        train,
        parts_hash(raw_parts(cfg)),
        available,
        lambda: seed_recent(cfg, table),
        lambda scorers: scores_of(valid, scorers, [LABEL, "amount"]),
        lambda: collect(engine.map_partitions(drawn_rows, valid, drawn_share, cfg.seed), spec.names)[
            spec.names
        ],
        weights,
    )


def test_period(cfg: Config, spec: FeatureSpec) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The test period's transactions and features (from the whole history), and the fingerprint,
    in this process (the local engine; :func:`test_scores` serves both engines)."""
    frame, data_hash = load_labeled(cfg)
    features = build_features(frame, spec)
    _, _, test = split(cfg, frame)
    return frame.loc[test], features.loc[test], data_hash


def test_scores(
    cfg: Config, spec: FeatureSpec, scorers: Mapping[str, Any]
) -> tuple[pd.DataFrame, dict[str, np.ndarray], str]:
    """The test period's transactions, each scorer's scores of them (``score_features``, by
    name) and the fingerprint. On the Dask engine the workers score their partitions, and only
    the columns an evaluation reads and the scores come here, never the feature matrix."""
    if current().kind == "local":
        frame, features, data_hash = test_period(cfg, spec)
        return frame, {name: s.score_features(features) for name, s in scorers.items()}, data_hash
    engine = current()
    stored = stored_features(cfg, spec)
    _, test_start = boundaries(cfg, max_seconds(stored))
    test = engine.map_partitions(between, stored, test_start, None)
    read = [name for name in ("amount", "channel") if name in stored.columns]
    frame, scores = scores_of(test, scorers, [*KEEP, *read])
    return frame, scores, parts_hash(raw_parts(cfg))


def separability(frame: pd.DataFrame, features: pd.DataFrame, spec: FeatureSpec) -> dict[str, float]:
    """Each feature's PR-AUC on its own: how much a single feature gives the answer away.

    A numeric feature ranks in whichever direction is better; a categorical one by its levels'
    fraud rates in this same data (an optimistic upper bound).
    """
    y = frame[LABEL].to_numpy(dtype=bool)
    return separability_of(lambda name: (y, features[name]), spec)


def separability_of(
    feature: Callable[[str], tuple[np.ndarray, pd.Series]], spec: FeatureSpec
) -> dict[str, float]:
    """:func:`separability` from a function giving each feature's labels and values."""
    result = {}
    for name in spec.numeric:
        y, series = feature(name)
        values = np.nan_to_num(series.to_numpy(dtype=float), nan=-1.0)
        result[name] = max(pr_auc(y, values), pr_auc(y, -values))
    for name in spec.categorical:
        y, series = feature(name)
        codes = pd.Series(series, copy=False).astype("category").cat.codes.to_numpy()
        rates = np.bincount(codes, weights=y) / np.maximum(np.bincount(codes), 1)
        result[name] = pr_auc(y, rates[codes])
    return dict(sorted(result.items(), key=lambda item: -item[1]))


def profile(
    cfg: Config,
    main: pd.DataFrame,
    data_hash: str,
    batch_rows: int,
    separable: dict[str, float],
    spec: FeatureSpec,
) -> DataProfile:
    """The data card's facts."""
    return profile_of(cfg, main, list(main.columns), data_hash, batch_rows, separable, spec)


def profile_of(
    cfg: Config,
    table: Table,
    columns: list[str],
    data_hash: str,
    batch_rows: int,
    separable: dict[str, float],
    spec: FeatureSpec,
) -> DataProfile:
    """:func:`profile` of a table of either engine, a column at a time by reductions."""
    synthetic = cfg.data.source.kind == "synthetic"
    description = (
        "Synthetic card transactions generated by `make data` with a fixed seed: customers with "
        "spending habits, usual merchants and channel mixes, and injected fraud incidents. Some "
        "fraud stands out (online bursts at new merchants, amounts far above habit, card-present "
        "use far from home); some overlaps legitimate behaviour by design (account takeover on a "
        "known device and merchant, small test charges before a large one, friendly fraud)."
        if synthetic
        else f"Your transactions from {raw_path(cfg)} ({cfg.data.source.kind}), mapped onto the schema."
    )
    summaries = {summary.name: summary for summary in summarize(table, columns)}
    label, stamps = summaries[LABEL], summaries["timestamp"]
    facts = {
        "File": str(raw_path(cfg) if current().kind == "local" else raw_parts(cfg)),
        "sha256": data_hash,
        "Rows": f"{label.rows:,}",
        "Customers": f"{summaries['customer_id'].distinct:,}",
        "Merchants": f"{summaries['merchant_id'].distinct:,}",
        "Fraud rate": f"{label.true / max(label.rows, 1):.3%}",
        "Period": f"{stamps.first} to {stamps.last}",
        "Monitoring batches": (
            f"{batch_rows:,} rows each over the {cfg.data.batch_days} days after the period (clean, "
            f"shifted); their chargebacks as reported {FEED_AGE_DAYS} days after the batches start"
            if synthetic
            else f"the last {cfg.data.batch_days} days of the file (clean) and the same rows with "
            f"amounts x{SHIFT_AMOUNT:g} (shifted)"
        ),
        "Single-feature PR-AUC": ", ".join(f"{name} {value:.3f}" for name, value in separable.items()),
        "Features dropped (column absent)": ", ".join(spec.dropped) or "none",
    }
    if synthetic:
        facts["Seed"] = str(cfg.seed)
    caveats = [
        "Single-feature PR-AUC near the fraud rate means a feature alone says little; near 1 it "
        "gives the answer away.",
        "Training labels here are complete; real chargeback labels arrive weeks late and some "
        "frauds are never confirmed, so live precision is known only later (`make labels`).",
    ]
    if synthetic:
        caveats.insert(
            0, "Synthetic data: patterns are plausible but simplified; real fraud adapts to the model."
        )
    if spec.dropped:
        caveats.append(f"The data has no column for {', '.join(spec.dropped)}: those features are left out.")
    profiled = [summaries[name].profile() for name in columns]
    return DataProfile(description=description, facts=facts, columns=profiled, caveats=caveats)


def _outputs(cfg: Config) -> list[Path]:
    ws = Workspace.of(cfg)
    return [
        ws.clean_batch,
        ws.shifted_batch,
        cfg.paths.data_dir / "raw" / "transactions.csv",
        labels_path(cfg),
    ]


def generate(cfg: Config, rows: int | None) -> DataOutcome:
    """Generate (or read) the training data and write two monitoring batches, validated.

    Your own file is only read, never written: ``make data`` refuses a source path that is one of
    the files it writes.
    """
    ws, d = Workspace.of(cfg), cfg.data
    synthetic = d.source.kind == "synthetic"
    if synthetic and current().kind != "local":
        return _generate_on_engine(cfg, rows)
    remove_local_copies(raw_parts(cfg), feature_parts(cfg))
    if not synthetic and raw_path(cfg).resolve() in {p.resolve() for p in _outputs(cfg)}:
        raise PipelineError(
            f"data.source.path {raw_path(cfg)} is a file `make data` writes; keep your data elsewhere"
        )
    if synthetic:
        n_rows = rows or d.rows
        batch_rows = _batch_rows(cfg, n_rows)
        population = make_population(max(50, int(n_rows / 1000 * d.customers_per_1k_rows)), cfg.seed)
        start = pd.Timestamp(datetime.combine(d.start, time(), tzinfo=timezone.utc))
        main = simulate(
            population, rows=n_rows, start=start, days=d.days, fraud_rate=d.fraud_rate, seed=cfg.seed
        )
        enforce(main, LabeledTransaction, mode="reject", source="generated training data")
        write_csv(main, raw_path(cfg))
        after = start + timedelta(days=d.days)
        feeds = []
        for offset, (path, shift) in enumerate(((ws.clean_batch, False), (ws.shifted_batch, True)), start=1):
            batch = simulate(
                population,
                rows=batch_rows,
                start=after,
                days=d.batch_days,
                fraud_rate=d.fraud_rate,
                seed=cfg.seed + offset,
                shift=shift,
            )
            write_csv(batch.drop(columns=[LABEL]), path)
            # The batches' outcomes arrive late: the chargebacks reported by the feed's extraction.
            as_of = after + timedelta(days=FEED_AGE_DAYS)
            feeds.append(chargebacks(batch, as_of=as_of, seed=cfg.seed + 100 + offset))
        write_csv(pd.concat(feeds).sort_values("reported_at", kind="stable"), labels_path(cfg))
        # The live state belongs to the data it was built from: a regenerated world starts afresh.
        _fresh_state(cfg)
    else:
        main, _ = load_labeled(cfg)
        seconds = to_seconds(main["timestamp"])
        tail = main.loc[seconds >= seconds.max() - d.batch_days * 86_400].drop(columns=[LABEL])
        batch_rows = len(tail)
        write_csv(tail, ws.clean_batch)
        shifted = tail.assign(amount=np.round(np.minimum(tail["amount"] * SHIFT_AMOUNT, 50_000.0), 2))
        write_csv(shifted, ws.shifted_batch)
    data_hash = sha256_file(raw_path(cfg))
    spec = spec_of(cfg, main)
    separable = separability(main, build_features(main, spec), spec)
    return DataOutcome(
        summary=(
            f"{'wrote' if synthetic else 'read'} {len(main):,} transactions ({main[LABEL].mean():.2%} fraud) "
            f"{'to' if synthetic else 'from'} {raw_path(cfg)} and wrote batches to {ws.clean_batch.parent}"
        ),
        data_hash=data_hash,
        profile=profile(cfg, main, data_hash, batch_rows, separable, spec),
        metrics={
            "rows": float(len(main)),
            "fraud_rate": float(main[LABEL].mean()),
            **{f"pr_auc_alone.{name}": round(value, 6) for name, value in separable.items()},
        },
    )


def _fresh_state(cfg: Config) -> None:
    """The live state belongs to the data it was built from: a regenerated world starts afresh."""
    for suffix in ("", "-wal", "-shm"):
        path = state_path(cfg)
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _batch_rows(cfg: Config, n_rows: int) -> int:
    # Batches keep the training data's daily rate unless told otherwise: per-customer velocity
    # features would drift just because a batch is sparser, not because the world changed.
    d = cfg.data
    return d.batch_rows or max(500, round(n_rows / d.days * d.batch_days))


def _generate_on_engine(cfg: Config, rows: int | None) -> DataOutcome:
    """:func:`generate` for synthetic data on the Dask engine: every day drawn, validated and
    written by the workers, features computed by customer partition; the same rows, batches and
    facts as the local engine, without the whole table in one process."""
    ws, d = Workspace.of(cfg), cfg.data
    n_rows = rows or d.rows
    batch_rows = _batch_rows(cfg, n_rows)
    population = make_population(max(50, int(n_rows / 1000 * d.customers_per_1k_rows)), cfg.seed)
    start = pd.Timestamp(datetime.combine(d.start, time(), tzinfo=timezone.utc))
    draw = partial(draw_days, population, shift=False)
    draw(plan(n_rows, d.days, d.fraud_rate), start=start, days=d.days, seed=cfg.seed, target=raw_parts(cfg))
    remove_local_copies(raw_path(cfg))
    after = start + timedelta(days=d.days)
    feeds = []
    for offset, (path, shift) in enumerate(((ws.clean_batch, False), (ws.shifted_batch, True)), start=1):
        folder = path.with_name(f".{path.stem}.parts")
        draw_days(
            population,
            plan(batch_rows, d.batch_days, d.fraud_rate),
            start=after,
            days=d.batch_days,
            seed=cfg.seed + offset,
            shift=shift,
            target=folder,
        )
        frauds = write_batch(folder, path)
        feeds.append(
            chargebacks(frauds, as_of=after + timedelta(days=FEED_AGE_DAYS), seed=cfg.seed + 100 + offset)
        )
    write_csv(pd.concat(feeds).sort_values("reported_at", kind="stable"), labels_path(cfg))
    _fresh_state(cfg)
    table = raw_table(cfg)
    data_hash = parts_hash(raw_parts(cfg))
    spec = learn_spec(cfg, table)
    features = store_features(cfg, table, spec)
    separable = separability_of(lambda name: _labelled(features, name, spec), spec)
    n, frauds_total = count_rows(table)
    columns = [str(name) for name in table.columns]
    return DataOutcome(
        summary=(
            f"wrote {n:,} transactions ({frauds_total / n:.2%} fraud) to {raw_parts(cfg)} as "
            f"{len(part_files(raw_parts(cfg)))} daily parts and wrote batches to {ws.clean_batch.parent}"
        ),
        data_hash=data_hash,
        profile=profile_of(cfg, table, columns, data_hash, batch_rows, separable, spec),
        metrics={
            "rows": float(n),
            "fraud_rate": float(frauds_total / n),
            **{f"pr_auc_alone.{name}": round(value, 6) for name, value in separable.items()},
        },
    )


def _labelled(features: Table, name: str, spec: FeatureSpec) -> tuple[np.ndarray, pd.Series]:
    """A feature's values and the labels; a categorical one comes as categories (a small code a
    row), not as a column of text."""
    engine = current()
    columns = engine.map_partitions(_categories, features[[name, LABEL]], name in spec.categorical)
    frame = engine.to_pandas(columns)
    return frame[LABEL].to_numpy(dtype=bool), frame[name].reset_index(drop=True)


def _categories(frame: pd.DataFrame, categorical: bool) -> pd.DataFrame:
    return frame.astype({frame.columns[0]: "category"}) if categorical else frame
