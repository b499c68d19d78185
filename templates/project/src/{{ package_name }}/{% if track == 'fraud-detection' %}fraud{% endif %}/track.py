"""The fraud-detection track: what the shared lifecycle asks of it, and nothing else.

Data: seeded synthetic card transactions and two monitoring batches. Training: the candidate and
two baselines (logistic regression, rules) on the same point-in-time features, each with its
alert threshold chosen on the validation period. Evaluation: net savings on the test period.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.drift import Check
from ..core.results import Evaluation, Metric, ModelInfo, Plot, SystemResult
from ..core.track import Bundle, Command, DataOutcome, MonitorView, Scored, TrainOutcome
from ..io.tables import read_csv, validated
from ..io.workspace import Workspace
from ..monitoring.predlog import recorder
from . import data, evaluation, routes
from .config import Config
from .features import CATEGORICAL, MONITORED_NUMERIC, build_features, to_matrix, to_seconds
from .metrics import best_threshold, pr_auc
from .models import FraudScorer, RulesBaseline, make_candidate, make_logistic_baseline, monitored
from .routes import FraudService
from .schema import LABEL, Transaction


class FraudTrack:
    """Card-transaction fraud scoring with a cost-based review threshold."""

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
    commands: tuple[Command[Config], ...] = ()

    def make_data(self, cfg: Config, rows: int | None) -> DataOutcome:
        """Generate the training data and two monitoring batches (clean and shifted), validated."""
        return data.generate(cfg, rows)

    def train(self, cfg: Config) -> TrainOutcome:
        """Fit the candidate and the baselines on the training period; thresholds on validation."""
        frame, data_hash = data.load_labeled(cfg)
        features = build_features(frame)
        y, amount, x = (
            frame[LABEL].to_numpy(dtype=bool),
            frame["amount"].to_numpy(dtype=float),
            to_matrix(features),
        )
        train_mask, valid_mask, _ = data.split(cfg, frame)
        estimators: dict[str, Any] = {
            "candidate": make_candidate(cfg.model, cfg.seed),
            "logistic_regression": make_logistic_baseline(cfg.seed),
            "rules": RulesBaseline(),
        }
        seconds = to_seconds(frame["timestamp"])
        history = frame.loc[seconds > seconds.max() - 30 * 86_400]
        scorers: dict[str, FraudScorer] = {}
        metrics: dict[str, float] = {}
        for name, estimator in estimators.items():
            estimator.fit(x[train_mask], y[train_mask])
            valid_scores = estimator.predict_proba(x[valid_mask])[:, 1]
            threshold = best_threshold(
                y[valid_mask], valid_scores, amount[valid_mask], cfg.evaluation.review_cost_per_alert
            )
            scorers[name] = FraudScorer(
                estimator, threshold, history if name == "candidate" else history.iloc[0:0]
            )
            metrics |= {
                f"{name}.valid_pr_auc": pr_auc(y[valid_mask], valid_scores),
                f"{name}.threshold": threshold,
            }
        candidate = scorers.pop("candidate")
        reference = features.loc[valid_mask].copy()
        reference["score"] = candidate.score_features(reference)
        reference = reference.sample(n=min(len(reference), 20_000), random_state=cfg.seed)
        return TrainOutcome(
            summary=(
                f"trained {cfg.model.kind} (threshold {candidate.threshold:.3f}) and baselines on "
                f"{int(train_mask.sum()):,} rows"
            ),
            data_hash=data_hash,
            candidate={"scorer": candidate, "reference": reference},
            baselines=dict(scorers),
            metrics=metrics,
        )

    def evaluate(self, cfg: Config, candidate: Bundle, baselines: Bundle) -> Evaluation:
        """Every policy's net savings and ranking on the test period, slices and plots."""
        ev = cfg.evaluation
        frame, features, data_hash = data.test_period(cfg)
        y, amount = frame[LABEL].to_numpy(dtype=bool), frame["amount"].to_numpy(dtype=float)
        scorers: dict[str, FraudScorer] = {"candidate": candidate["scorer"], **baselines}
        scores = {name: s.score_features(features) for name, s in scorers.items()}
        results = {
            n: evaluation.policy_metrics(y, scores[n], amount, s.threshold, ev) for n, s in scorers.items()
        }
        results["block_nothing"] = evaluation.policy_metrics(y, np.zeros_like(amount), amount, 1.0, ev) | {
            "pr_auc": float(y.mean())
        }
        threshold = scorers["candidate"].threshold
        reports = cfg.paths.reports_dir
        plots = evaluation.draw(y, scores, amount, threshold, ev, reports)
        budget = f"{ev.alert_budget_rate:.1%}"
        return Evaluation(
            model=ModelInfo(kind=cfg.model.kind, params=cfg.model.model_dump(exclude={"kind"})),
            data_sha256=data_hash,
            ml_metric=Metric(key="pr_auc", label="PR-AUC"),
            business_metric=Metric(
                key="net_savings", label="Net savings vs. blocking nothing", format="money"
            ),
            extra_metrics=[
                Metric(key="recall_at_budget", label=f"Recall at {budget} alert budget", format="pct"),
                Metric(key="precision", label="Alert precision", format="pct"),
                Metric(key="alerts", label="Alerts", format="int"),
            ],
            systems=[
                SystemResult(
                    name=f"model ({cfg.model.kind})" if n == "candidate" else n,
                    role="candidate" if n == "candidate" else "baseline",
                    metrics={k: None if v is None else round(v, 6) for k, v in r.items()},
                )
                for n, r in results.items()
            ],
            slices=evaluation.slices(
                y, scores["candidate"], amount, frame["channel"].to_numpy(), threshold, ev
            ),
            plots=[Plot(path=f"{reports.name}/{file}", title=title) for file, title in plots],
            notes=[
                "Each policy's threshold is chosen on the validation period to maximise net "
                f"savings; review cost ${ev.review_cost_per_alert:g} per alert.",
                "Figures are on the test period (the last days of the data), never seen in "
                "training or threshold selection.",
            ],
            evaluation_data={
                "Period": (
                    f"last {cfg.split.test_days} days ({len(frame):,} transactions, {int(y.sum())} frauds)"
                ),
                "Fraud amount at stake": f"${amount[y].sum():,.0f}",
                "Data sha256": data_hash,
            },
        )

    def score_champion(self, cfg: Config, champion: Bundle) -> float:
        """The champion's net savings on the same test period, at its own threshold."""
        frame, features, _ = data.test_period(cfg)
        scorer: FraudScorer = champion["scorer"]
        y, amount = frame[LABEL].to_numpy(dtype=bool), frame["amount"].to_numpy(dtype=float)
        scores = scorer.score_features(features)
        return float(
            evaluation.policy_metrics(y, scores, amount, scorer.threshold, cfg.evaluation)["net_savings"]
            or 0.0
        )

    def _batch(self, cfg: Config, source: Path) -> pd.DataFrame:
        return validated(
            read_csv(source, "batch", dtype=data.IDS),
            Transaction,
            source=source,
            mode=cfg.data.on_invalid,
            quarantine=Workspace.of(cfg).quarantine,
        )

    def predict(self, cfg: Config, model: Bundle, version: str, source: Path) -> Scored:
        """Score a file of transactions; the same validation and scorer as the API, logged alike."""
        scorer: FraudScorer = model["scorer"]
        frame = self._batch(cfg, source)
        started = time.perf_counter()
        features = scorer.columns(frame)
        scores = scorer.score_features(features)
        elapsed_ms = (time.perf_counter() - started) * 1000
        out = pd.DataFrame(
            {
                "transaction_id": frame["transaction_id"],
                "fraud_score": np.round(scores, 6),
                "decision": np.where(scores >= scorer.threshold, "review", "approve"),
                "model_version": version,
            }
        )
        log = recorder(Workspace.of(cfg).prediction_log, cfg.prediction_log, Transaction)
        if log is not None and len(frame):
            rows, outputs = monitored(features, scores, scorer.threshold)
            log.record(
                origin="batch",
                model_version=version,
                latency_ms=elapsed_ms / len(frame),
                inputs=frame.to_dict(orient="records"),
                features=rows,
                outputs=outputs,
            )
        return Scored(out, int((out["decision"] == "review").sum()), "flagged for review")

    def monitor(self, cfg: Config, model: Bundle, source: Path, logged: pd.DataFrame | None) -> MonitorView:
        """Feature and score drift of a batch (or of logged traffic), missing values, alert rate."""
        m, live = cfg.monitoring, cfg.live
        scorer: FraudScorer = model["scorer"]
        reference: pd.DataFrame = model["reference"]
        columns = [*MONITORED_NUMERIC, *CATEGORICAL]
        if logged is None:
            raw = read_csv(source, "batch", dtype=data.IDS)
            missing_rate = float(raw.isna().mean().max()) if len(raw) else 0.0
            current = scorer.features(self._batch(cfg, source))
            current["score"] = scorer.score_features(current)
        else:
            current = logged
            missing_rate = float(logged[[*columns, "score"]].isna().mean().max())
        ref_alert_rate = float((reference["score"] >= scorer.threshold).mean())
        alert_rate = float((current["score"] >= scorer.threshold).mean())
        limit = max(live.max_alert_rate_ratio * ref_alert_rate, live.alert_rate_floor)
        return MonitorView(
            reference=reference,
            current=current,
            numeric=list(MONITORED_NUMERIC),
            categorical=list(CATEGORICAL),
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
            ],
            extra={"records": len(current)},
        )

    def load_service(self, cfg: Config) -> FraudService:
        """The promoted scorer for the API."""
        return routes.load_service(cfg)

    def sample_requests(self, cfg: Config, n: int) -> list[dict[str, Any]]:
        """Request bodies from the clean monitoring batch."""
        return routes.sample_requests(cfg, n)

    def small_overrides(self, project_root: Path) -> dict[str, Any]:
        """Config overrides that make a run take seconds while every step still means something."""
        return {"data.rows": 25_000, "model.max_iter": 60}


TRACK = FraudTrack()
