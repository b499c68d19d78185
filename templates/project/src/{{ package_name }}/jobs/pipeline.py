"""The pipeline, written once for every track: data -> train -> evaluate (gate, promote) ->
predict -> monitor. Each function is one CLI verb and returns what the verb prints.

The track (``plugin.TRACK``) supplies the domain parts through the interface in ``core.track``;
everything around them is here: run records, artifacts and manifests, the champion comparison,
the promotion gate, ``metrics.json``, drift statistics, reports and alerts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import drift
from ..core.gate import promotion_gate
from ..core.results import EvaluationReport, GateInterval, GateResult
from ..core.track import Bundle, ChampionScores, Scored
from ..core.validation import DataValidationError
from ..engine import scope
from ..errors import GateRefusedError, PipelineError
from ..io.artifacts import load_artifact, read_manifest, save_artifact
from ..io.files import write_csv, write_json
from ..io.runlog import record_run
from ..io.workspace import Workspace
from ..monitoring.predlog import read_frame
from ..monitoring.report import MonitorOutcome, conclude, refuse
from ..plugin import TRACK, Config
from ..settings import SIGNING_KEY_ENV, ConfigError, environment, signing_key
from .report import fmt


def make_data(cfg: Config, rows: int | None = None) -> str:
    """Generate or ingest the data, validate it, write the monitoring batches and the profile."""
    ws = Workspace.of(cfg)
    params = {"config": cfg.model_dump(mode="json"), "rows": rows}
    with record_run(ws.runs, cfg.tracking, "data", params) as run:
        with scope(cfg.engine):
            outcome = TRACK.make_data(cfg, rows)
        run.log_data_hash(outcome.data_hash)
        run.log_metrics(outcome.metrics)
        write_json(ws.reports / "data_profile.json", outcome.profile.model_dump(mode="json"))
    return outcome.summary


def train(cfg: Config) -> str:
    """Fit the candidate and the baselines; save both as verified artifacts."""
    ws = Workspace.of(cfg)
    if environment() == "production" and signing_key() is None:
        # Refused before fitting, not after: the artifact could not be saved unsigned anyway.
        raise ConfigError(f"APP_ENV=production needs {SIGNING_KEY_ENV} to sign the model; set it first")
    with record_run(ws.runs, cfg.tracking, "train", {"config": cfg.model_dump(mode="json")}) as run:
        with scope(cfg.engine):
            outcome = TRACK.train(cfg)
        run.log_data_hash(outcome.data_hash)
        run.log_metrics(outcome.metrics)
        common: dict[str, Any] = {
            "config": cfg.model_dump(mode="json"),
            "schema": TRACK.record_schema.model_json_schema(),
            "extra": {"data_sha256": outcome.data_hash, **outcome.manifest},
            "libraries": TRACK.libraries,
        }
        manifest = save_artifact(
            ws.candidate, outcome.candidate, kind=TRACK.model_kind, metrics=run.record["metrics"], **common
        )
        save_artifact(ws.baselines, outcome.baselines, kind=TRACK.baselines_kind, metrics={}, **common)
    return f"{outcome.summary} (version {manifest['version']})"


def champion(cfg: Config, candidate_sha256: str) -> Bundle | None:
    """The serving model, unless nothing has been promoted or it is the candidate itself."""
    registry = Workspace.of(cfg).registry
    if registry.champion_version() is None:
        return None
    model_dir = registry.champion_dir()
    if read_manifest(model_dir)["sha256"] == candidate_sha256:
        return None
    bundle, _ = load_artifact(model_dir, kind=TRACK.model_kind)
    return bundle


def _gate(cfg: Config, report: EvaluationReport, champion_bundle: Bundle | None) -> GateResult:
    """The promotion gate on the business metric; a champion that cannot be compared fails closed
    unless ``gate.on_incomparable_champion`` is ``ignore``, and the reasons say which it was.

    When the evaluation carries per-unit values (``unit_scores``) the comparisons are paired
    bootstrap intervals (see ``core.gate``); when its figures are provisional, the baseline
    comparison follows ``gate.on_provisional``."""
    g = cfg.gate
    key, label = report.business_metric.key, report.business_metric.label
    units = report.unit_scores
    candidate_units = units.get(report.candidate.name)
    champion_score: float | None = None
    champion_units: list[float] | None = None
    refused: list[str] = []
    noted: list[str] = []
    if champion_bundle is not None:
        try:
            with scope(cfg.engine):
                scored = TRACK.score_champion(cfg, champion_bundle)
            if isinstance(scored, ChampionScores):
                noted.extend(scored.notes)
            if isinstance(scored, int | float):
                champion_score = float(scored)
            else:
                champion_units = [float(v) for v in scored]
                if candidate_units is None or len(champion_units) != len(candidate_units):
                    raise ValueError(
                        f"{len(champion_units)} per-unit scores for the champion, "
                        f"{len(candidate_units or [])} for the candidate"
                    )
                champion_score = float(np.mean(champion_units))
        except Exception as exc:  # built for other features or data: no fair comparison exists
            champion_units = None
            problem = f"the champion cannot be scored on the current evaluation data ({exc})"
            if g.on_incomparable_champion == "ignore":
                noted.append(f"{problem}; not compared (gate.on_incomparable_champion: ignore)")
            else:
                refused.append(
                    f"{problem}, so the candidate cannot be compared with it; see docs/runbook.md "
                    "(or set gate.on_incomparable_champion: ignore)"
                )
    metric = label[:1].lower() + label[1:]
    baselines = {b.name: b.metrics.get(key) or 0.0 for b in report.baselines}
    decision = promotion_gate(
        report.candidate.metrics.get(key) or 0.0,
        baselines,
        min_improvement=g.min_improvement,
        champion=champion_score,
        champion_margin=g.champion_margin,
        metric=metric,
        candidate_units=candidate_units,
        baseline_units={name: units[name] for name in baselines if name in units},
        champion_units=champion_units,
        resamples=g.bootstrap_resamples,
        confidence=g.confidence,
        seed=cfg.seed,
        versus_baselines=g.versus_baselines,
    )
    intervals = [GateInterval(**vars(c)) for c in decision.comparisons]
    passed = decision.passed and not refused
    provisional = False
    if report.provisional:
        why = "; ".join(report.provisional)
        champion_ok = all(c.passed for c in decision.comparisons if c.role == "champion")
        if passed:
            noted.append(f"the figures are provisional ({why})")
        elif (
            g.on_provisional == "promote"
            and not refused
            and champion_ok
            and (champion_score is None or (report.candidate.metrics.get(key) or 0.0) >= champion_score)
        ):
            passed = provisional = True
            noted.append(
                f"PROVISIONAL promotion: the figures are provisional ({why}), so the comparison above "
                "does not block it (gate.on_provisional: promote); review the evaluation set and "
                "run `make evaluate` again before relying on this model"
            )
        else:
            noted.append(f"the figures are provisional ({why}); gate.on_provisional: {g.on_provisional}")
    return GateResult(
        passed=passed,
        reasons=decision.reasons + refused + noted,
        intervals=intervals,
        provisional=provisional,
    )


def evaluate(cfg: Config) -> str:
    """Compare the candidate with the baselines and the champion; gate; promote."""
    ws = Workspace.of(cfg)
    with record_run(ws.runs, cfg.tracking, "evaluate", {"config": cfg.model_dump(mode="json")}) as run:
        candidate, manifest = load_artifact(ws.candidate, kind=TRACK.model_kind)
        baselines, _ = load_artifact(ws.baselines, kind=TRACK.baselines_kind)
        with scope(cfg.engine):
            evaluation = TRACK.evaluate(cfg, candidate, baselines)
        run.log_data_hash(evaluation.data_sha256)
        pending = EvaluationReport(
            **evaluation.model_dump(),
            track=TRACK.name,
            model_version=manifest["version"],
            gate=GateResult(passed=False, reasons=[]),
        )
        gate = _gate(cfg, pending, champion(cfg, manifest["sha256"]))
        report = pending.model_copy(update={"gate": gate})
        write_json(ws.reports / "metrics.json", report.model_dump(mode="json"))
        run.log_metrics(
            {f"test.{k}": v for k, v in report.candidate.metrics.items() if v is not None}
            | {"gate_passed": float(gate.passed)}
        )
        if not gate.passed:
            raise GateRefusedError("promotion gate refused the candidate: " + "; ".join(gate.reasons))
        ws.registry.promote(ws.candidate, report.model_dump(mode="json"))
    return _summary(report)


def _summary(report: EvaluationReport) -> str:
    """One line: the candidate's ML and business metrics, the best baseline's, the version."""
    ml, business = report.ml_metric, report.business_metric
    candidate = report.candidate.metrics
    best = max((b.metrics.get(business.key) or 0.0 for b in report.baselines), default=0.0)
    return (
        f"{ml.label} {fmt(candidate.get(ml.key), ml.format)}, {business.label.lower()} "
        f"{fmt(candidate.get(business.key), business.format)} (best baseline "
        f"{fmt(best, business.format)}); promoted version {report.model_version}"
        + (" on PROVISIONAL figures: " + "; ".join(report.provisional) if report.provisional else "")
    )


def load_model(cfg: Config) -> tuple[Bundle, dict[str, Any]]:
    """The promoted model's bundle and its manifest (verified)."""
    return load_artifact(Workspace.of(cfg).model, kind=TRACK.model_kind)


def predict(cfg: Config, input_path: Path | None = None, output_path: Path | None = None) -> str:
    """Score a batch file with the promoted model: the API's validation and code path."""
    ws = Workspace.of(cfg)
    source = input_path or ws.clean_batch
    target = output_path or ws.reports / TRACK.predictions_file
    model, manifest = load_model(cfg)
    with scope(cfg.engine):
        scored = TRACK.predict(cfg, model, manifest["version"], source)
        flagged: list[int] = []
        rows = write_csv(_tallied(scored, flagged), target)
    return f"scored {rows:,} records from {source}: {sum(flagged):,} {scored.flagged_as} -> {target}"


def _tallied(scored: Scored, flagged: list[int]) -> pd.DataFrame | Iterable[pd.DataFrame]:
    """The output as it is written; ``flagged`` receives the flagged count (part by part)."""
    if callable(scored.flagged):
        parts = [scored.frame] if isinstance(scored.frame, pd.DataFrame) else scored.frame
        return _counted(parts, scored.flagged, flagged)
    flagged.append(scored.flagged)
    return scored.frame


def _counted(
    parts: Iterable[pd.DataFrame], count: Callable[[pd.DataFrame], int], flagged: list[int]
) -> Iterator[pd.DataFrame]:
    for part in parts:
        flagged.append(count(part))
        yield part


def _logged(cfg: Config, source: Path) -> pd.DataFrame:
    """The newest window of a prediction log: per entry, its features and outputs as columns."""
    if not source.is_file():
        raise PipelineError(
            f"no prediction log at {source} yet: serve traffic or run `make predict`, or monitor a "
            "file with `make monitor BATCH=data/batches/clean.csv`"
        )
    try:
        logged = read_frame(source, cfg.prediction_log.window)
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise PipelineError(f"{source} is not a prediction log of this project ({exc!r})") from exc
    if logged.empty:
        raise PipelineError(f"{source} has no entries yet; serve traffic or run `make predict`")
    return logged


def monitor(cfg: Config, batch_path: Path | None = None) -> MonitorOutcome:
    """Compare the newest window of the prediction log (or a batch file) with the training
    reference; alert past the configured limits. A batch that cannot be judged alerts too."""
    ws = Workspace.of(cfg)
    source = batch_path or ws.prediction_log
    m = cfg.monitoring
    out_dir = cfg.paths.reports_dir / "monitoring"
    model, _ = load_model(cfg)
    try:
        logged = _logged(cfg, source) if source.suffix == ".jsonl" else None
        with scope(cfg.engine):
            view = TRACK.monitor(cfg, model, source, logged)
    except (DataValidationError, PipelineError) as exc:
        refuse(m, source=source, out_dir=out_dir, problem=str(exc))
        raise
    drifts = drift.compare(
        view.reference,
        view.current,
        numeric=[*view.numeric, view.score],
        categorical=view.categorical,
        psi_warn=m.psi_warn,
        psi_alert=m.psi_alert,
        min_reference_rows=m.min_reference_rows,
        max_value_bins=m.max_value_bins,
        min_bin_count=m.min_bin_count,
    )
    return conclude(
        m,
        source=source,
        out_dir=out_dir,
        drifts=drifts,
        checks=view.checks,
        score_feature=view.score,
        score_label=view.score_label,
        extra=view.extra,
    )


def models(cfg: Config) -> str:
    """Every promoted model with its headline metrics, and which one serves."""
    registry = Workspace.of(cfg).registry
    versions = registry.versions()
    if not versions:
        return f"no promoted model in {registry.root}; run `make train evaluate` first"
    serving = registry.champion_version()
    lines = []
    for v in versions:
        figures = ""
        if v.evaluation is not None:
            report = EvaluationReport.model_validate(v.evaluation)
            ml, business = report.ml_metric, report.business_metric
            candidate = report.candidate.metrics
            figures = (
                f"  {ml.label} {fmt(candidate.get(ml.key), ml.format)}, "
                f"{business.label.lower()} {fmt(candidate.get(business.key), business.format)}"
            )
        mark = "*" if v.version == serving else " "
        lines.append(f"{mark} {v.version}  {v.manifest.get('created_at', '?')}{figures}")
    return "\n".join([*lines, "(* serving; `make rollback [VERSION=...]` moves the pointer)"])


def rollback(cfg: Config, version: str | None = None) -> str:
    """Serve an earlier promoted model: the previous champion, or ``version``."""
    registry = Workspace.of(cfg).registry
    before = registry.champion_version()
    after = registry.rollback(version)
    if after == before:
        return f"version {after} is already serving"
    return (
        f"serving version {after} (was {before}); a running service switches on `POST /admin/reload` "
        "or a restart"
    )
