"""``POST /ask``: a cited answer (or a refusal) for one question; ``POST /search``: ranked chunks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from ..errors import PipelineError
from ..io.artifacts import load_artifact
from ..io.workspace import Workspace
from ..llm.client import ProviderError
from ..monitoring.predlog import Recorder, recorder
from ..serving.holder import current_service
from .answering import Assistant
from .config import Config
from .llm import make_provider
from .querylog import Scrubber, log_answers
from .schema import Question

TITLE = "Document question-answering API"
DESCRIPTION = (
    "Answers questions from the product documentation, citing the passages it used, and says so "
    "when the documents do not cover a question."
)
LOAD_PATH = "/ask"


@dataclass(frozen=True)
class RagService:
    """The promoted index and answer provider as the API uses them."""

    assistant: Assistant
    version: str
    default_top_k: int
    log: Recorder | None
    blocking: bool
    scrub: Scrubber


class AskRequest(Question):
    """A question and, optionally, how many chunks to retrieve."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CitationOut(BaseModel):
    """A chunk the answer cites; ``number`` matches the ``[n]`` markers in the answer."""

    number: int
    source: str
    heading: str
    chunk_id: str
    score: float
    snippet: str


class AskResponse(BaseModel):
    """The answer, its citations and what it cost."""

    answer: str
    refused: bool
    citations: list[CitationOut]
    support: float
    latency_ms: float
    input_tokens: int
    output_tokens: int
    cost_usd: float
    model_version: str


class SearchHit(BaseModel):
    """One ranked chunk."""

    rank: int = Field(ge=1)
    source: str
    heading: str
    chunk_id: str
    score: float
    text: str


class SearchResponse(BaseModel):
    """Chunks for a question, best first."""

    hits: list[SearchHit]
    support: float
    model_version: str


def load_service(cfg: Config) -> RagService:
    """Load the promoted index (verified against its manifest) and the configured provider."""
    bundle, manifest = load_artifact(Workspace.of(cfg).model, kind="rag-index")
    index = bundle["index"]
    assistant = Assistant(index, make_provider(cfg.answering, index))
    log = recorder(Workspace.of(cfg).prediction_log, cfg.prediction_log, Question)
    blocking = cfg.answering.provider != "extractive"
    scrub = Scrubber(cfg.queries, cfg.prediction_log)
    return RagService(assistant, manifest["version"], cfg.retrieval.top_k, log, blocking, scrub)


ServiceDep = Annotated[RagService, Depends(current_service)]
router = APIRouter(tags=["questions"])


@router.post("/ask", response_model=AskResponse)
async def ask(body: AskRequest, service: ServiceDep, request: Request) -> AskResponse:
    """Answer from the documents with citations, or refuse when they do not support an answer."""
    top_k = body.top_k or service.default_top_k
    try:
        # Extractive answers take well under a millisecond: a thread hop would cost more than it
        # saves. A remote model call blocks, so it runs in the thread pool.
        if service.blocking:
            answer = await run_in_threadpool(service.assistant.ask, body.question, top_k)
        else:
            answer = service.assistant.ask(body.question, top_k)
    except ProviderError as exc:
        raise HTTPException(502, str(exc)) from exc
    metrics = request.app.state.metrics
    metrics.predictions.observe(answer.top_score)
    metrics.decisions.labels("refused" if answer.refused else "answered").inc()
    if service.log is not None:
        log_answers(
            service.log, [answer], [top_k], origin="api", model_version=service.version, scrub=service.scrub
        )
    return AskResponse(
        answer=answer.text,
        refused=answer.refused,
        citations=[
            CitationOut(
                number=c.number,
                source=c.source,
                heading=c.heading,
                chunk_id=c.chunk_id,
                score=c.score,
                snippet=c.snippet,
            )
            for c in answer.citations
        ],
        support=round(answer.support, 4),
        latency_ms=round(answer.latency_ms, 3),
        input_tokens=answer.input_tokens,
        output_tokens=answer.output_tokens,
        cost_usd=answer.cost_usd,
        model_version=service.version,
    )


@router.post("/search", response_model=SearchResponse)
async def search(body: AskRequest, service: ServiceDep) -> SearchResponse:
    """The chunks retrieved for a question, without composing an answer."""
    ranked = service.assistant.index.search(body.question, body.top_k or service.default_top_k)
    hits = [
        SearchHit(
            rank=n,
            source=h.chunk.source,
            heading=h.chunk.heading,
            chunk_id=h.chunk.chunk_id,
            score=round(h.score, 4),
            text=h.chunk.text,
        )
        for n, h in enumerate(ranked.hits, start=1)
    ]
    return SearchResponse(hits=hits, support=round(ranked.support, 4), model_version=service.version)


def sample_requests(cfg: Config, n: int) -> list[dict[str, Any]]:
    """Realistic request bodies (from the clean monitoring batch) for load tests."""
    path = cfg.paths.data_dir / "batches" / "clean.csv"
    if not path.is_file():
        raise PipelineError(f"{path} not found; run `make data` first")
    frame = pd.read_csv(path, nrows=n, dtype={"question": str}, keep_default_na=False)
    return [{"question": q, "top_k": cfg.retrieval.top_k} for q in frame["question"]]
