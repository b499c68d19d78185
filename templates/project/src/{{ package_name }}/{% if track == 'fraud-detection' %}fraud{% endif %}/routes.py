"""``POST /predict``: fraud score and decision for one transaction or a small list."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timezone
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from ..errors import PipelineError
from ..io.artifacts import load_artifact
from ..io.workspace import Workspace
from ..monitoring.predlog import Recorder, recorder
from ..serving.holder import current_service
from .config import Config
from .models import FraudScorer, monitored
from .schema import Transaction

TITLE = "Fraud scoring API"
DESCRIPTION = "Scores card transactions and flags the ones worth an analyst's review."
LOAD_PATH = "/predict"
HARD_MAX_BATCH = 1000


@dataclass(frozen=True)
class FraudService:
    """The promoted model as the API uses it."""

    scorer: FraudScorer
    version: str
    recorder: Recorder | None


class Prediction(BaseModel):
    """The model's verdict on one transaction."""

    model_config = ConfigDict(extra="forbid")

    transaction_id: str
    fraud_score: float = Field(ge=0, le=1)
    decision: Literal["review", "approve"]
    threshold: float
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
    return FraudService(bundle["scorer"], manifest["version"], log)


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

    Scoring takes about a millisecond of CPU, so it runs on the event loop: a worker thread would
    only add a hand-off, and the loop's thread is the one whose native thread pools are limited.
    """
    transactions = body if isinstance(body, list) else [body]
    limit = request.app.state.config.serving.max_batch
    if len(transactions) > limit:
        raise HTTPException(422, f"at most {limit} transactions per request (got {len(transactions)})")
    started = time.perf_counter()
    scorer = service.scorer
    features = scorer.columns(_columns(transactions))
    scores = scorer.score_features(features)
    if service.recorder is not None:
        rows, outputs = monitored(features, scores, scorer.threshold)
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
    for t, score in zip(transactions, scores, strict=True):
        decision: Literal["review", "approve"] = "review" if score >= scorer.threshold else "approve"
        metrics.predictions.observe(float(score))
        metrics.decisions.labels(decision).inc()
        predictions.append(
            Prediction(
                transaction_id=t.transaction_id,
                fraud_score=round(float(score), 6),
                decision=decision,
                threshold=round(scorer.threshold, 6),
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
