"""The fraud-detection track: what the shared lifecycle asks of it, and nothing else.

Data: seeded synthetic card transactions (or your own file) and two monitoring batches. Training:
the candidate and two baselines (logistic regression, rules) on the same point-in-time features,
each with both decision policies fitted on the validation period within the review capacity.
Evaluation: net savings under the configured cost model on the test period. Serving: features
from the live customer state, which every scored transaction updates.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.drift import Check
from ..core.results import Evaluation, Metric, ModelInfo, Plot, SystemResult
from ..core.track import Bundle, Command, DataOutcome, MonitorView, Scored, TrainOutcome
from ..engine import Table, current
from ..io.tables import read_csv, validated, validated_table
from ..io.workspace import Workspace
from ..monitoring.predlog import recorder
from . import data, evaluation, labels, routes
from .config import Config
from .features import to_matrix
from .live import ALERT, FEATURE, REASONS, ROW, SCORE, score_batch, scored_parts
from .metrics import pr_auc
from .models import (
    Fitted,
    FraudScorer,
    RulesBaseline,
    compatible,
    fit_weighted,
    make_candidate,
    make_logistic_baseline,
    monitored,
    reference_row,
)
from .policy import KINDS, fit
from .routes import FraudService
from .schema import LABEL, Transaction

PART_ROWS = 20_000  # on Dask, batch-scored rows per scoring partition and per output part
LOG_RECORDS = 5_000  # batch-scored rows per write to the prediction log


def _reviews(part: pd.DataFrame) -> int:
    return int((part["decision"] == "review").sum())


class FraudTrack:
    """Card-transaction fraud scoring with a cost-based, capacity-bounded review policy."""

    name = "fraud-detection"
    model_kind = "fraud-model"
    baselines_kind = "fraud-baselines"
    libraries = ("lightgbm",)
    record_schema = Transaction
    predictions_file = "predictions.csv"
    title = routes.TITLE
    description = routes.DESCRIPTION
    router = routes.router
    load_path = routes.LOAD_PATH
    commands: tuple[Command[Config], ...] = (labels.COMMAND,)

    def make_data(self, cfg: Config, rows: int | None) -> DataOutcome:
        """Generate (or read) the training data and write two monitoring batches, validated."""
        return data.generate(cfg, rows)

    def train(self, cfg: Config) -> TrainOutcome:
        """Fit the candidate and the baselines on the training period; policies on validation."""
        sets = data.training_sets(cfg)
        spec, train = sets.spec, sets.train
        y_train, x_train = train[LABEL].to_numpy(dtype=bool), to_matrix(spec, train)
        typical, train_rows = reference_row(spec, train), len(train)
        del train
        sets = sets.without_train()
        estimators: dict[str, Any] = {
            "candidate": make_candidate(cfg.model, cfg.seed),
            "logistic_regression": make_logistic_baseline(cfg.seed),
            "rules": RulesBaseline(spec),
        }
        for estimator in estimators.values():
            fit_weighted(estimator, x_train, y_train, sets.weights)
        del x_train
        valid, valid_scores = sets.validation({n: Fitted(e, spec) for n, e in estimators.items()})
        y_valid, amount_valid = valid[LABEL].to_numpy(dtype=bool), valid["amount"].to_numpy(dtype=float)
        scorers: dict[str, FraudScorer] = {}
        metrics: dict[str, float] = {
            "train_rows": float(train_rows),
            "train_rows_available": float(sets.available_train_rows),
        }
        for name, estimator in estimators.items():
            scores = valid_scores[name]
            policies = {kind: fit(kind, y_valid, scores, amount_valid, cfg) for kind in KINDS}
            scorers[name] = FraudScorer(estimator, spec, policies, cfg.policy.kind, typical)
            metrics |= {
                f"{name}.valid_pr_auc": pr_auc(y_valid, scores),
                f"{name}.threshold": policies["threshold"].threshold,
                f"{name}.expected_loss_margin": min(policies["expected_loss"].margin, 1e9),
            }
        candidate = scorers.pop("candidate")
        reference = sets.reference()
        for name in spec.categorical:  # the same column type whichever engine read the data
            reference[name] = reference[name].astype(str)
        reference["score"] = candidate.score_features(reference)
        seeded = sets.seed_state()
        sampled = train_rows < sets.available_train_rows
        return TrainOutcome(
            summary=(
                f"trained {cfg.model.kind} ({candidate.policy.describe()}) and baselines on "
                f"{train_rows:,} rows"
                + (
                    f" (every fraud and a seeded, reweighted share of the rest of the "
                    f"{sets.available_train_rows:,} training-period rows, engine.sample_rows)"
                    if sampled
                    else ""
                )
                + (f"; live state started with {seeded:,} recent transactions" if seeded else "")
            ),
            data_hash=sets.data_hash,
            candidate={
                "scorer": candidate,
                "reference": reference,
                "training": {
                    "rows": train_rows,
                    "available": sets.available_train_rows,
                    "frauds": int(y_train.sum()),
                },
            },
            manifest={"train_rows": train_rows, "train_rows_available": sets.available_train_rows},
            baselines=dict(scorers),
            metrics=metrics,
        )

    def evaluate(self, cfg: Config, candidate: Bundle, baselines: Bundle) -> Evaluation:
        """Every system's net savings, alerts per day and ranking on the test period, slices, plots."""
        ev = cfg.evaluation
        main: FraudScorer = candidate["scorer"]
        scorers: dict[str, FraudScorer] = {"candidate": main, **baselines}
        frame, scores, data_hash = data.test_scores(cfg, main.spec, scorers)
        period = evaluation.Period.of(cfg, frame)
        results = {n: evaluation.policy_metrics(period, scores[n], s.policy, cfg) for n, s in scorers.items()}
        results["block_nothing"] = evaluation.nothing(period, cfg)
        names = {n: f"model ({cfg.model.kind})" if n == "candidate" else n for n in results}
        units = {
            names[n]: evaluation.unit_savings(period, s.policy.alerts(scores[n], period.amount), cfg)
            for n, s in scorers.items()
        }
        units[names["block_nothing"]] = [0.0] * len(units[names["candidate"]])
        compared = {
            kind: evaluation.policy_metrics(period, scores["candidate"], main.policies[kind], cfg)
            for kind in KINDS
        }
        reports = cfg.paths.reports_dir
        plots = evaluation.draw(period, scores, main, cfg, reports)
        cap = f"{ev.review_capacity_per_day:g}/day"
        policy_lines = [
            f"{kind.replace('_', '-')} policy: net savings ${m['net_savings']:,.0f}, "
            f"{m['alerts_per_day']:.1f} alerts/day (busiest day {m['peak_alerts_per_day']:.0f}), "
            f"precision {m['precision']:.1%}, recall {m['recall']:.1%}"
            + (" (serving)" if kind == cfg.policy.kind else "")
            for kind, m in compared.items()
        ]
        return Evaluation(
            model=ModelInfo(kind=cfg.model.kind, params=cfg.model.model_dump(exclude={"kind"})),
            data_sha256=data_hash,
            ml_metric=Metric(key="pr_auc", label="PR-AUC"),
            business_metric=Metric(
                key="net_savings", label="Net savings vs. blocking nothing", format="money"
            ),
            extra_metrics=[
                Metric(key="recall_at_capacity", label=f"Recall at capacity ({cap})", format="pct"),
                Metric(key="precision", label="Alert precision", format="pct"),
                Metric(
                    key="alerts_per_day", label=f"Alerts per day (capacity {ev.review_capacity_per_day:g})"
                ),
                Metric(key="peak_alerts_per_day", label="Busiest day's alerts", format="int"),
            ],
            systems=[
                SystemResult(
                    name=names[n],
                    role="candidate" if n == "candidate" else "baseline",
                    metrics={k: None if v is None else round(v, 6) for k, v in r.items()},
                )
                for n, r in results.items()
            ],
            slices=evaluation.slices(period, scores["candidate"], main.policy, cfg),
            plots=[Plot(path=f"{reports.name}/{file}", title=title) for file, title in plots],
            unit_scores=units,
            notes=[
                f"Serving policy: {main.policy.describe()}. Every system's policy is fitted on the "
                f"validation period to maximise net savings within the review capacity ({cap}).",
                "Both policies for the model on the test period: " + "; ".join(policy_lines) + ".",
                f"Cost model: a caught fraud saves {ev.recovery_rate:.0%} of its amount; each alert "
                f"costs a ${ev.review_cost_per_alert:g} review; each false alarm also costs "
                f"${ev.friction_cost_per_false_alarm:g} of customer friction.",
                "Figures are on the test period (the last days of the data), never seen in "
                "training or policy fitting.",
                "The promotion gate compares net savings by a paired bootstrap over the test "
                f"period's {len(units[names['candidate']]):,} "
                f"{ev.bootstrap_unit}s (each one's gains and costs under each system's policy, "
                "evaluation.bootstrap_unit), so its intervals are in dollars of net savings.",
                *_sample_note(candidate),
                *(
                    [f"Features left out (column absent from the data): {', '.join(main.spec.dropped)}."]
                    if main.spec.dropped
                    else []
                ),
            ],
            evaluation_data={
                "Period": (
                    f"last {cfg.split.test_days} days ({len(frame):,} transactions, "
                    f"{int(period.y.sum())} frauds)"
                ),
                "Fraud amount at stake": f"${period.amount[period.y].sum():,.0f}",
                "Review capacity": (
                    f"{cap} ({evaluation.max_alerts(cfg, period.days):,} alerts over the period)"
                ),
                "Data sha256": data_hash,
            },
        )

    def score_champion(self, cfg: Config, champion: Bundle) -> list[float]:
        """The champion's net savings per test transaction (as ``unit_scores``), under its own
        policy; a champion from a release with other features raises, naming the fix."""
        scorer: FraudScorer = compatible(champion)
        frame, scored, _ = data.test_scores(cfg, scorer.spec, {"champion": scorer})
        period = evaluation.Period.of(cfg, frame)
        scores = scored["champion"]
        return evaluation.unit_savings(period, scorer.policy.alerts(scores, period.amount), cfg)

    def _batch(self, cfg: Config, source: Path) -> pd.DataFrame:
        return validated(
            read_csv(source, "batch", dtype=data.IDS),
            Transaction,
            source=source,
            mode=cfg.data.on_invalid,
            quarantine=Workspace.of(cfg).quarantine,
        )

    def _batch_table(self, cfg: Config, source: Path) -> tuple[Table, int, list[str]]:
        """The batch's valid rows numbered by ``ROW`` as a table of the engine, their number and
        the input columns. On Dask the file is read and validated part by part on the workers."""
        engine = current()
        if engine.kind == "local":
            frame = self._batch(cfg, source)
            return engine.number_rows(frame, ROW), len(frame), list(frame.columns)
        part_rows = min(cfg.engine.partition_rows, PART_ROWS)  # read as it is scored: in small parts
        table = engine.read_csv(source, dtype=data.IDS, partition_rows=part_rows)
        valid, rows = validated_table(
            table,
            Transaction,
            source=source,
            mode=cfg.data.on_invalid,
            quarantine=Workspace.of(cfg).quarantine,
            position=ROW,
        )
        return valid, rows, list(table.columns)

    def predict(self, cfg: Config, model: Bundle, version: str, source: Path) -> Scored:
        """Score a file of transactions from the live state as of its first one (read only),
        with the API's validation, features, policy and reasons; logged alike. The output comes
        in parts of at most ``PART_ROWS`` rows on Dask, so no process holds the whole batch."""
        table, rows, columns = self._batch_table(cfg, source)
        parts = self._scored(cfg, model["scorer"], version, table, rows, columns)
        return Scored(parts, _reviews, "flagged for review")

    def _scored(
        self, cfg: Config, scorer: FraudScorer, version: str, table: Table, rows: int, columns: list[str]
    ) -> Iterator[pd.DataFrame]:
        log = recorder(Workspace.of(cfg).prediction_log, cfg.prediction_log, Transaction)
        started, done = time.perf_counter(), 0
        for part in scored_parts(cfg, scorer, table, rows, PART_ROWS):
            done += len(part)
            elapsed_ms = (time.perf_counter() - started) * 1000
            scores, alerts = part[SCORE].to_numpy(dtype=float), part[ALERT].to_numpy(dtype=bool)
            if log is not None:
                # In slices, so a large batch never has all its log entries in memory at once.
                for low in range(0, len(part), LOG_RECORDS):
                    at = slice(low, low + LOG_RECORDS)
                    features, outputs = monitored(
                        scorer.spec,
                        {name: part[FEATURE + name].to_numpy()[at] for name in scorer.spec.names},
                        scores[at],
                        alerts[at],
                    )
                    log.record(
                        origin="batch",
                        model_version=version,
                        latency_ms=elapsed_ms / max(done, 1),
                        inputs=part[columns].iloc[at].to_dict(orient="records"),
                        features=features,
                        outputs=outputs,
                    )
            yield pd.DataFrame(
                {
                    "transaction_id": part["transaction_id"].to_numpy(),
                    "fraud_score": scores,
                    "decision": np.where(alerts, "review", "approve"),
                    "reasons": part[REASONS].to_numpy(),
                    "model_version": version,
                }
            )

    def monitor(self, cfg: Config, model: Bundle, source: Path, logged: pd.DataFrame | None) -> MonitorView:
        """Feature and score drift of a batch (or of logged traffic), missing values, alert rate."""
        m, live = cfg.monitoring, cfg.live
        scorer: FraudScorer = model["scorer"]
        reference: pd.DataFrame = model["reference"]
        spec = scorer.spec
        columns = [*spec.monitored_numeric, *spec.categorical]
        if logged is None:
            raw = read_csv(source, "batch", dtype=data.IDS)
            missing_rate = float(raw.isna().mean().max()) if len(raw) else 0.0
            verdicts = score_batch(cfg, scorer, self._batch(cfg, source))
            current = pd.DataFrame(verdicts.features)
            current["score"] = verdicts.scores
        else:
            current = logged
            missing_rate = float(logged[[*columns, "score"]].isna().mean().max())
        ref_alert_rate = float(scorer.alerts(reference["score"], reference["amount"]).mean())
        alert_rate = float(scorer.alerts(current["score"], current["amount"]).mean())
        limit = max(live.max_alert_rate_ratio * ref_alert_rate, live.alert_rate_floor)
        # Logged decisions are what the late labels judge: their realised precision, when known.
        realised = labels.precision_check(cfg) if logged is not None else None
        return MonitorView(
            reference=reference,
            current=current,
            numeric=list(spec.monitored_numeric),
            categorical=list(spec.categorical),
            score="score",
            score_label="fraud score",
            checks=[
                Check(
                    "missing-value share (worst column)",
                    f"{missing_rate:.2%}",
                    f"{m.max_missing_rate:.2%}",
                    missing_rate <= m.max_missing_rate,
                ),
                Check(
                    "alert rate vs. reference",
                    f"{alert_rate:.2%}",
                    f"<= {limit:.2%} ({live.max_alert_rate_ratio:g}x reference {ref_alert_rate:.2%})",
                    alert_rate <= limit,
                ),
                *([realised] if realised is not None else []),
            ],
            extra={"records": len(current)},
        )

    def load_service(self, cfg: Config) -> FraudService:
        """The promoted scorer for the API, on the live customer state."""
        return routes.load_service(cfg)

    def sample_requests(self, cfg: Config, n: int) -> list[dict[str, Any]]:
        """Request bodies from the clean monitoring batch."""
        return routes.sample_requests(cfg, n)

    def small_overrides(self, project_root: Path) -> dict[str, Any]:
        """Config overrides that make a run take seconds while every step still means something."""
        return {"data.rows": 25_000, "data.batch_days": 7, "model.max_iter": 60}


def _sample_note(candidate: Bundle) -> list[str]:
    """The card's note when the model was fitted on a sample of the training period."""
    training = candidate.get("training") or {}
    rows, available = training.get("rows", 0), training.get("available", 0)
    if not rows or rows >= available:
        return []
    frauds = training.get("frauds")
    if frauds is None:  # a model trained before samples kept every fraud: a uniform sample
        return [
            f"The model and baselines were fitted on a seeded sample of {rows:,} of the training "
            f"period's {available:,} rows (engine.sample_rows, Dask engine); validation and test "
            "figures use every row."
        ]
    return [
        f"The model and baselines were fitted on a seeded sample of {rows:,} of the training "
        f"period's {available:,} rows (engine.sample_rows, Dask engine): every one of its "
        f"{frauds:,} frauds and a share of the other rows, each weighted by the inverse of that "
        "share so the sample keeps the period's class balance. Validation (policy fitting) and "
        "test figures use every row."
    ]


TRACK = FraudTrack()
