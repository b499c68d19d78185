"""``POST /predict``: fraud score and decision for one transaction or a small list."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timezone
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from ..errors import PipelineError
from ..io.artifacts import load_artifact
from ..io.workspace import Workspace
from ..monitoring.predlog import Recorder, recorder
from ..serving.holder import current_service
from .config import Config
from .live import LiveScorer, ensure_state
from .models import monitored
from .schema import Transaction
from .state import CustomerKeys, open_state

TITLE = "Fraud scoring API"
DESCRIPTION = "Scores card transactions and flags the ones worth an analyst's review."
LOAD_PATH = "/predict"
HARD_MAX_BATCH = 1000


@dataclass(frozen=True)
class FraudService:
    """The promoted model as the API uses it."""

    live: LiveScorer
    version: str
    recorder: Recorder | None


class ReasonOut(BaseModel):
    """A feature behind a review decision and how much it raised the score."""

    model_config = ConfigDict(extra="forbid")

    feature: str
    value: str
    contribution: float


class Prediction(BaseModel):
    """The model's verdict on one transaction."""

    model_config = ConfigDict(extra="forbid")

    transaction_id: str
    fraud_score: float = Field(ge=0, le=1)
    decision: Literal["review", "approve"]
    threshold: float = Field(description="this transaction's score cut under the serving policy")
    reasons: list[ReasonOut] = Field(default_factory=list, description="top features, reviews only")
    model_version: str


class BatchPrediction(BaseModel):
    """Verdicts for a list of transactions, in request order."""

    model_config = ConfigDict(extra="forbid")

    predictions: list[Prediction]
    model_version: str


def load_service(cfg: Config) -> FraudService:
    """Load the promoted model, verified against its manifest."""
    bundle, manifest = load_artifact(Workspace.of(cfg).model, kind="fraud-model")
    log = recorder(Workspace.of(cfg).prediction_log, cfg.prediction_log, Transaction)
    ensure_state(cfg)
    live = LiveScorer(bundle["scorer"], open_state(cfg), CustomerKeys(cfg.prediction_log.hash_key_env))
    return FraudService(live, manifest["version"], log)


ServiceDep = Annotated[FraudService, Depends(current_service)]
router = APIRouter(tags=["predictions"])


def _columns(transactions: list[Transaction]) -> dict[str, list[Any]]:
    """The request as columns (cheaper than a DataFrame for a handful of rows), times in timezone.utc."""
    columns: dict[str, list[Any]] = {name: [] for name in Transaction.model_fields}
    for t in transactions:
        for name in Transaction.model_fields:
            columns[name].append(getattr(t, name))
    columns["timestamp"] = [
        (s if s.tzinfo else s.replace(tzinfo=timezone.utc))
        .astimezone(timezone.utc)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        for s in columns["timestamp"]
    ]
    return columns


@router.post("/predict", response_model=Prediction | BatchPrediction)
async def predict(
    body: Transaction | Annotated[list[Transaction], Field(min_length=1, max_length=HARD_MAX_BATCH)],
    service: ServiceDep,
    request: Request,
) -> Prediction | BatchPrediction:
    """Score one transaction (an object) or several (a list, at most ``serving.max_batch``).

    Each transaction is added to its customer's live history as it is scored. Scoring (with the
    state's read and write) takes about a millisecond of CPU, so it runs on the event loop: a worker
    thread would only add a hand-off, and the loop's thread is the one whose native thread pools are
    limited.
    """
    transactions = body if isinstance(body, list) else [body]
    limit = request.app.state.config.serving.max_batch
    if len(transactions) > limit:
        raise HTTPException(422, f"at most {limit} transactions per request (got {len(transactions)})")
    started = time.perf_counter()
    columns = _columns(transactions)
    verdicts = service.live.score(columns)
    scorer = service.live.scorer
    cuts = scorer.policy.cut(np.asarray(columns["amount"], dtype=float))
    if service.recorder is not None:
        rows, outputs = monitored(scorer.spec, verdicts.features, verdicts.scores, verdicts.alerts)
        service.recorder.record(
            origin="api",
            model_version=service.version,
            latency_ms=(time.perf_counter() - started) * 1000 / len(transactions),
            inputs=[t.model_dump(mode="json") for t in transactions],
            features=rows,
            outputs=outputs,
        )
    metrics = request.app.state.metrics
    predictions = []
    for i, t in enumerate(transactions):
        score = float(verdicts.scores[i])
        decision: Literal["review", "approve"] = "review" if verdicts.alerts[i] else "approve"
        metrics.predictions.observe(score)
        metrics.decisions.labels(decision).inc()
        predictions.append(
            Prediction(
                transaction_id=t.transaction_id,
                fraud_score=score,
                decision=decision,
                threshold=round(float(cuts[i]), 6),
                reasons=[
                    ReasonOut(feature=r.feature, value=r.value, contribution=r.contribution)
                    for r in verdicts.reasons[i]
                ],
                model_version=service.version,
            )
        )
    if isinstance(body, list):
        return BatchPrediction(predictions=predictions, model_version=service.version)
    return predictions[0]


def sample_requests(cfg: Config, n: int) -> list[dict[str, Any]]:
    """Realistic request bodies (from the clean monitoring batch) for load tests."""
    path = cfg.paths.data_dir / "batches" / "clean.csv"
    if not path.is_file():
        raise PipelineError(f"{path} not found; run `make data` first")
    frame = pd.read_csv(path, nrows=n, dtype={"transaction_id": str, "customer_id": str, "merchant_id": str})
    records: list[dict[str, Any]] = frame.to_dict(orient="records")
    return records
