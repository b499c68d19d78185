"""The fraud-detection pipeline: data -> validate -> features -> train -> evaluate, plus batch
scoring and monitoring. Each function is one CLI verb and returns a one-line summary."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import drift
from ..core.gate import promotion_gate
from ..core.profile import profile_columns
from ..core.validation import enforce
from ..errors import GateRefusedError, PipelineError
from ..io.artifacts import load_artifact, promote, read_manifest, save_artifact
from ..io.files import sha256_file, write_csv, write_json
from ..io.runlog import record_run
from ..monitoring.report import MonitorOutcome, conclude
from . import plots
from .config import Config
from .features import CATEGORICAL, FEATURES, build_features, to_matrix, to_seconds
from .metrics import best_threshold, pr_auc, recall_at_budget, savings
from .models import FraudScorer, RulesBaseline, make_candidate, make_logistic_baseline
from .schema import LABEL, LabeledTransaction, Transaction
from .synth import make_population, simulate

MODEL_KIND = "fraud-model"
BASELINES_KIND = "fraud-baselines"
DRIFT_FEATURES = [f for f in FEATURES if f != "log_amount"]


def _paths(cfg: Config) -> dict[str, Path]:
    data, artifacts = cfg.paths.data_dir, cfg.paths.artifacts_dir
    return {
        "raw": data / "raw" / "transactions.csv",
        "clean": data / "batches" / "clean.csv",
        "shifted": data / "batches" / "shifted.csv",
        "quarantine": data / "quarantine",
        "candidate": artifacts / "candidate",
        "baselines": artifacts / "baselines",
        "model": artifacts / "model",
        "runs": artifacts / "runs.jsonl",
    }


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    if not path.is_file():
        raise PipelineError(f"{what} not found at {path}; run `make data` first or pass a file")
    try:
        return pd.read_csv(path, dtype={"transaction_id": str, "customer_id": str, "merchant_id": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise PipelineError(f"{path} is not a readable CSV file: {exc}") from exc


def _load_labeled(cfg: Config) -> tuple[pd.DataFrame, str]:
    """The training table, validated against the schema, and its fingerprint."""
    path = _paths(cfg)["raw"]
    frame = _read_csv(path, "training data")
    valid, bad = enforce(frame, LabeledTransaction, mode=cfg.data.on_invalid, source=str(path))
    if len(bad):
        write_csv(bad, _paths(cfg)["quarantine"] / path.name)
    valid[LABEL] = valid[LABEL].astype(str).str.lower().isin({"true", "1"})
    return valid, sha256_file(path)


def _split(cfg: Config, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boolean masks for the train, validation and test periods (by time, never shuffled)."""
    seconds = to_seconds(frame["timestamp"])
    end = seconds.max()
    test_start = end - cfg.split.test_days * 86_400
    valid_start = test_start - cfg.split.valid_days * 86_400
    train, valid, test = (
        seconds < valid_start,
        (seconds >= valid_start) & (seconds < test_start),
        seconds >= test_start,
    )
    for name, mask in (("train", train), ("validation", valid), ("test", test)):
        if frame.loc[mask, LABEL].sum() < 5:
            raise PipelineError(
                f"the {name} period has fewer than 5 frauds; raise data.rows or data.days in the config"
            )
    return train, valid, test


def make_data(cfg: Config, rows: int | None = None) -> str:
    """Generate the training data and two monitoring batches (clean and shifted), validated."""
    paths = _paths(cfg)
    d = cfg.data
    n_rows = rows or d.rows
    # Batches keep the training data's daily rate unless told otherwise: per-customer velocity
    # features would drift just because a batch is sparser, not because the world changed.
    batch_rows = d.batch_rows or max(500, round(n_rows / d.days * d.batch_days))
    with record_run(
        paths["runs"], cfg.tracking, "data", {"data": d.model_dump(mode="json"), "rows": n_rows}
    ) as run:
        population = make_population(max(50, int(n_rows / 1000 * d.customers_per_1k_rows)), cfg.seed)
        start = pd.Timestamp(datetime.combine(d.start, time(), tzinfo=timezone.utc))
        main = simulate(
            population, rows=n_rows, start=start, days=d.days, fraud_rate=d.fraud_rate, seed=cfg.seed
        )
        batch_start = start + timedelta(days=d.days)
        batches = {
            "clean": simulate(
                population,
                rows=batch_rows,
                start=batch_start,
                days=d.batch_days,
                fraud_rate=d.fraud_rate,
                seed=cfg.seed + 1,
            ),
            "shifted": simulate(
                population,
                rows=batch_rows,
                start=batch_start,
                days=d.batch_days,
                fraud_rate=d.fraud_rate,
                seed=cfg.seed + 2,
                shift=True,
            ),
        }
        enforce(main, LabeledTransaction, mode="reject", source="generated training data")
        write_csv(main, paths["raw"])
        for name, batch in batches.items():
            write_csv(batch.drop(columns=[LABEL]), paths[name])
        data_hash = sha256_file(paths["raw"])
        run.log_data_hash(data_hash)
        run.log_metrics({"rows": float(len(main)), "fraud_rate": float(main[LABEL].mean())})
        profile = {
            "description": (
                "Synthetic card transactions generated by `make data` with a fixed seed: customers "
                "with spending habits, usual merchants and channel mixes, and injected fraud "
                "incidents (online bursts at new merchants, amounts far above the customer's habit, "
                "card-present use far from home)."
            ),
            "facts": {
                "File": str(paths["raw"]),
                "sha256": data_hash,
                "Rows": f"{len(main):,}",
                "Customers": f"{main['customer_id'].nunique():,}",
                "Merchants": f"{main['merchant_id'].nunique():,}",
                "Fraud rate": f"{main[LABEL].mean():.3%}",
                "Period": f"{main['timestamp'].min()} to {main['timestamp'].max()}",
                "Seed": str(cfg.seed),
                "Monitoring batches": (
                    f"{batch_rows:,} rows each over the {d.batch_days} days after the period (clean, shifted)"
                ),
            },
            "columns": profile_columns(main),
            "caveats": [
                "Synthetic data: patterns are plausible but simplified; real fraud adapts to the model.",
                "Labels are complete and immediate here; real chargeback labels arrive weeks late.",
            ],
        }
        write_json(cfg.paths.reports_dir / "data_profile.json", profile)
    return (
        f"wrote {len(main):,} transactions ({main[LABEL].mean():.2%} fraud) to {paths['raw']} "
        f"and batches to {paths['clean'].parent}"
    )


def train(cfg: Config) -> str:
    """Fit the candidate and the baselines on the training period; pick thresholds on validation."""
    paths = _paths(cfg)
    with record_run(
        paths["runs"], cfg.tracking, "train", {"model": cfg.model.model_dump(), "seed": cfg.seed}
    ) as run:
        frame, data_hash = _load_labeled(cfg)
        run.log_data_hash(data_hash)
        features = build_features(frame)
        y = frame[LABEL].to_numpy(dtype=bool)
        amount = frame["amount"].to_numpy(dtype=float)
        x = to_matrix(features)
        train_mask, valid_mask, _ = _split(cfg, frame)
        cost = cfg.evaluation.review_cost_per_alert
        estimators: dict[str, Any] = {
            "candidate": make_candidate(cfg.model, cfg.seed),
            "logistic_regression": make_logistic_baseline(cfg.seed),
            "rules": RulesBaseline(),
        }
        seconds = to_seconds(frame["timestamp"])
        history = frame.loc[seconds > seconds.max() - 30 * 86_400]
        scorers: dict[str, FraudScorer] = {}
        for name, estimator in estimators.items():
            estimator.fit(x[train_mask], y[train_mask])
            valid_scores = estimator.predict_proba(x[valid_mask])[:, 1]
            threshold = best_threshold(y[valid_mask], valid_scores, amount[valid_mask], cost)
            scorers[name] = FraudScorer(
                estimator, threshold, history if name == "candidate" else history.iloc[0:0]
            )
            run.log_metrics(
                {f"{name}.valid_pr_auc": pr_auc(y[valid_mask], valid_scores), f"{name}.threshold": threshold}
            )
        candidate = scorers.pop("candidate")
        reference = features.loc[valid_mask].copy()
        reference["score"] = candidate.score_features(reference)
        reference = reference.sample(n=min(len(reference), 20_000), random_state=cfg.seed)
        schema = Transaction.model_json_schema()
        common = {
            "config": cfg.model_dump(mode="json"),
            "schema": schema,
            "extra": {"data_sha256": data_hash},
        }
        manifest = save_artifact(
            paths["candidate"],
            {"scorer": candidate, "reference": reference},
            kind=MODEL_KIND,
            metrics=run.record["metrics"],
            **common,
        )
        save_artifact(paths["baselines"], scorers, kind=BASELINES_KIND, metrics={}, **common)
    return (
        f"trained {cfg.model.kind} (version {manifest['version']}, threshold "
        f"{candidate.threshold:.3f}) and baselines on {int(train_mask.sum()):,} rows"
    )


def _band_labels(amount: np.ndarray, bands: list[float]) -> tuple[np.ndarray, list[str]]:
    """Each amount's band label, and the labels in ascending order."""
    edges = [*sorted(bands), np.inf]
    labels = [
        f"${edges[i]:,.0f}+" if np.isinf(edges[i + 1]) else f"${edges[i]:,.0f}-${edges[i + 1]:,.0f}"
        for i in range(len(edges) - 1)
    ]
    which = np.clip(np.searchsorted(edges, amount, side="right") - 1, 0, len(labels) - 1)
    return np.asarray(labels)[which], labels


def evaluate(cfg: Config) -> str:
    """Compare the candidate with the baselines (and champion) on the test period; gate; promote."""
    paths = _paths(cfg)
    reports = cfg.paths.reports_dir
    ev = cfg.evaluation
    with record_run(paths["runs"], cfg.tracking, "evaluate", {"evaluation": ev.model_dump()}) as run:
        bundle, manifest = load_artifact(paths["candidate"], kind=MODEL_KIND)
        baselines, _ = load_artifact(paths["baselines"], kind=BASELINES_KIND)
        frame, data_hash = _load_labeled(cfg)
        run.log_data_hash(data_hash)
        features = build_features(frame)
        _, _, test_mask = _split(cfg, frame)
        test_features = features.loc[test_mask]
        y = frame.loc[test_mask, LABEL].to_numpy(dtype=bool)
        amount = frame.loc[test_mask, "amount"].to_numpy(dtype=float)
        candidate: FraudScorer = bundle["scorer"]
        scorers = {"candidate": candidate, **baselines}
        scores = {name: s.score_features(test_features) for name, s in scorers.items()}

        def summary(s: np.ndarray, threshold: float) -> dict[str, float]:
            result = savings(y, s, amount, threshold, ev.review_cost_per_alert)
            result.update(
                {
                    "pr_auc": pr_auc(y, s),
                    "recall_at_budget": recall_at_budget(y, s, ev.alert_budget_rate),
                    "threshold": threshold,
                }
            )
            return result

        results = {name: summary(scores[name], scorers[name].threshold) for name in scorers}
        results["block_nothing"] = summary(np.zeros_like(amount), 1.0) | {
            "pr_auc": float(y.mean()),
            "threshold": 1.0,
        }

        champion = _current_champion(paths["model"], manifest["sha256"])
        champion_savings, champion_note = None, None
        if champion is not None:
            try:
                champion_scores = champion.score_features(test_features)
            except (ValueError, KeyError, IndexError) as exc:  # built for another feature set
                champion_note = f"the champion cannot score the current features ({exc}); not compared"
            else:
                champion_savings = summary(champion_scores, champion.threshold)["net_savings"]
        gate = promotion_gate(
            results["candidate"]["net_savings"],
            {
                name: results[name]["net_savings"]
                for name in ("logistic_regression", "rules", "block_nothing")
            },
            min_improvement=cfg.gate.min_improvement,
            champion=champion_savings,
            champion_margin=cfg.gate.champion_margin,
            metric="net savings",
        )
        gate_reasons = gate.reasons + ([champion_note] if champion_note else [])

        slices = []
        channel = frame.loc[test_mask, "channel"].to_numpy()
        bands, band_order = _band_labels(amount, ev.amount_bands)
        for by, values, order in (
            ("channel", channel, sorted(set(channel))),
            ("amount band", bands, [b for b in band_order if b in set(bands)]),
        ):
            for value in order:
                mask = values == value
                m = savings(
                    y[mask],
                    scores["candidate"][mask],
                    amount[mask],
                    candidate.threshold,
                    ev.review_cost_per_alert,
                )
                slices.append(
                    {
                        "by": by,
                        "value": str(value),
                        "rows": int(mask.sum()),
                        "positives": int(y[mask].sum()),
                        "metrics": {
                            # Ranking quality is undefined in a slice without fraud.
                            "pr_auc": pr_auc(y[mask], scores["candidate"][mask]) if y[mask].any() else None,
                            "net_savings": m["net_savings"],
                            "recall": m["recall"],
                        },
                    }
                )

        reports.mkdir(parents=True, exist_ok=True)
        plots.pr_curves(
            y,
            {
                "model": scores["candidate"],
                "logistic regression": scores["logistic_regression"],
                "rules": scores["rules"],
            },
            reports / "pr_curve.png",
        )
        grid = np.unique(np.quantile(scores["candidate"], np.linspace(0.9, 1.0, 200)))
        net = np.array(
            [
                savings(y, scores["candidate"], amount, t, ev.review_cost_per_alert)["net_savings"]
                for t in grid
            ]
        )
        plots.savings_curve(grid, net, candidate.threshold, reports / "savings_by_threshold.png")
        plots.calibration(y, scores["candidate"], reports / "calibration.png")

        budget = f"{ev.alert_budget_rate:.1%}"
        roles = {
            "candidate": "candidate",
            "logistic_regression": "baseline",
            "rules": "baseline",
            "block_nothing": "baseline",
        }
        names = {"candidate": f"model ({cfg.model.kind})"}
        metrics = {
            "track": "fraud-detection",
            "model_version": manifest["version"],
            "model": {"kind": cfg.model.kind, "params": cfg.model.model_dump(exclude={"kind"})},
            "ml_metric": {"key": "pr_auc", "label": "PR-AUC", "format": "float"},
            "business_metric": {
                "key": "net_savings",
                "label": "Net savings vs. blocking nothing",
                "format": "money",
            },
            "extra_metrics": [
                {"key": "recall_at_budget", "label": f"Recall at {budget} alert budget", "format": "pct"},
                {"key": "precision", "label": "Alert precision", "format": "pct"},
                {"key": "alerts", "label": "Alerts", "format": "int"},
            ],
            "candidates": [
                {"name": names.get(n, n), "role": roles[n], "metrics": {k: round(v, 6) for k, v in r.items()}}
                for n, r in results.items()
            ],
            "slices": slices,
            "gate": {"passed": gate.passed, "reasons": gate_reasons},
            "plots": [
                {"path": f"{reports.name}/pr_curve.png", "title": "Precision-recall"},
                {"path": f"{reports.name}/savings_by_threshold.png", "title": "Net savings by threshold"},
                {"path": f"{reports.name}/calibration.png", "title": "Calibration"},
            ],
            "notes": [
                "Each policy's threshold is chosen on the validation period to maximise net "
                f"savings; review cost ${ev.review_cost_per_alert:g} per alert.",
                "Figures are on the test period (the last days of the data), never seen in "
                "training or threshold selection.",
            ],
            "evaluation_data": {
                "Period": (
                    f"last {cfg.split.test_days} days ({int(test_mask.sum()):,} transactions, "
                    f"{int(y.sum())} frauds)"
                ),
                "Fraud amount at stake": f"${amount[y].sum():,.0f}",
                "Data sha256": data_hash,
            },
        }
        write_json(reports / "metrics.json", metrics)
        run.log_metrics(
            {f"test.{k}": v for k, v in results["candidate"].items()} | {"gate_passed": float(gate.passed)}
        )
        if not gate.passed:
            raise GateRefusedError("promotion gate refused the candidate: " + "; ".join(gate_reasons))
        promote(paths["candidate"], paths["model"])
    c = results["candidate"]
    best = max(results[n]["net_savings"] for n in results if n != "candidate")
    return (
        f"PR-AUC {c['pr_auc']:.3f}, net savings ${c['net_savings']:,.0f} (best baseline ${best:,.0f}); "
        f"promoted version {manifest['version']}"
    )


def _current_champion(model_dir: Path, candidate_sha256: str) -> FraudScorer | None:
    """The promoted model, unless there is none or it is the candidate itself."""
    if not (model_dir / "manifest.json").exists():
        return None
    if read_manifest(model_dir)["sha256"] == candidate_sha256:
        return None
    bundle, _ = load_artifact(model_dir, kind=MODEL_KIND)
    champion: FraudScorer = bundle["scorer"]
    return champion


def _load_model(cfg: Config) -> tuple[FraudScorer, pd.DataFrame, dict[str, Any]]:
    bundle, manifest = load_artifact(_paths(cfg)["model"], kind=MODEL_KIND)
    return bundle["scorer"], bundle["reference"], manifest


def _load_batch(cfg: Config, path: Path) -> pd.DataFrame:
    frame = _read_csv(path, "batch")
    valid, bad = enforce(frame, Transaction, mode=cfg.data.on_invalid, source=str(path))
    if len(bad):
        write_csv(bad, _paths(cfg)["quarantine"] / path.name)
        print(f"quarantined {len(bad)} invalid row(s) to {_paths(cfg)['quarantine'] / path.name}")
    return valid


def predict(cfg: Config, input_path: Path | None = None, output_path: Path | None = None) -> str:
    """Score a file of transactions with the promoted model; same validation as the API."""
    source = input_path or _paths(cfg)["clean"]
    target = output_path or cfg.paths.reports_dir / "predictions.csv"
    scorer, _, manifest = _load_model(cfg)
    frame = _load_batch(cfg, source)
    scores = scorer.score(frame)
    out = pd.DataFrame(
        {
            "transaction_id": frame["transaction_id"],
            "fraud_score": np.round(scores, 6),
            "decision": np.where(scores >= scorer.threshold, "review", "approve"),
            "model_version": manifest["version"],
        }
    )
    write_csv(out, target)
    flagged = int((out["decision"] == "review").sum())
    return f"scored {len(out):,} transactions from {source}: {flagged:,} flagged for review -> {target}"


def monitor(cfg: Config, batch_path: Path | None = None) -> MonitorOutcome:
    """Compare a batch with the training reference; alert past the configured thresholds."""
    source = batch_path or _paths(cfg)["clean"]
    m = cfg.monitoring
    scorer, reference, _ = _load_model(cfg)
    raw = _read_csv(source, "batch")
    missing_rate = float(raw.isna().mean().max()) if len(raw) else 0.0
    frame = _load_batch(cfg, source)
    features = scorer.features(frame)
    features["score"] = scorer.score_features(features)
    numeric = [f for f in DRIFT_FEATURES if f not in CATEGORICAL] + ["score"]
    results = drift.compare(
        reference,
        features,
        numeric=numeric,
        categorical=list(CATEGORICAL),
        psi_warn=m.psi_warn,
        psi_alert=m.psi_alert,
    )
    ref_alert_rate = float((reference["score"] >= scorer.threshold).mean())
    alert_rate = float((features["score"] >= scorer.threshold).mean())
    checks = [
        {
            "check": "missing-value share (worst column)",
            "value": f"{missing_rate:.2%}",
            "limit": f"{m.max_missing_rate:.2%}",
            "ok": missing_rate <= m.max_missing_rate,
        },
        {
            "check": "alert rate vs. reference",
            "value": f"{alert_rate:.2%}",
            "limit": f"<= 3x {ref_alert_rate:.2%}",
            "ok": alert_rate <= max(3 * ref_alert_rate, 0.001),
        },
    ]
    return conclude(
        m,
        source=source,
        out_dir=cfg.paths.reports_dir / "monitoring",
        drifts=results,
        checks=checks,
        score_feature="score",
        score_label="fraud score",
    )


def small_overrides(project_root: Path) -> dict[str, Any]:
    """Config overrides that make a run take seconds while every step still means something."""
    return {"data.rows": 25_000, "model.max_iter": 60}
