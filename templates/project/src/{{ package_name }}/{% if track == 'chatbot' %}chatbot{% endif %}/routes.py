"""``POST /chat``: one message in, the reply out; ``GET /sessions/{id}``; ``GET /``: the chat page."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from prometheus_client import Counter
from pydantic import BaseModel, ConfigDict, Field

from ..errors import PipelineError
from ..io.artifacts import load_artifact
from ..io.workspace import Workspace
from ..monitoring.predlog import Recorder, recorder
from ..serving.holder import current_service
from .chatlog import Scrubber, log_turn
from .config import Config
from .dialogue import Assistant
from .faq import PolicyIndex
from .llm import LLMAgent
from .schema import ChatMessage
from .store import Store

TITLE = "Customer-support assistant API"
DESCRIPTION = (
    "Answers an online store's customers, acts on their orders through typed tools after they "
    "confirm, and hands conversations to a person with the transcript when it should."
)
LOAD_PATH = "/chat"
STATIC = Path(__file__).with_name("static")
PAGE_FILES = {"chat.js": "text/javascript", "chat.css": "text/css"}
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'"


@dataclass(frozen=True)
class ChatService:
    """The promoted intent model, the store and the assistant as the API uses them."""

    assistant: Assistant
    version: str
    log: Recorder | None
    scrub: Scrubber
    blocking: bool
    ttl_s: float


class ChatRequest(ChatMessage):
    """A customer message; send back ``session_id`` to continue the conversation."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ChatResponse(BaseModel):
    """The assistant's reply and what it did."""

    session_id: str
    reply: str
    intent: str
    confidence: float = Field(ge=0, le=1)
    handoff: bool
    actions: list[dict[str, Any]]
    awaiting: str | None
    turn: int
    expired: bool
    model_version: str


class TranscriptResponse(BaseModel):
    """A live session's conversation so far."""

    session_id: str
    transcript: list[dict[str, Any]]


def load_service(cfg: Config) -> ChatService:
    """Load the promoted model (verified against its manifest) over the store database."""
    bundle, manifest = load_artifact(Workspace.of(cfg).model, kind="chatbot-intents")
    store = Store.open(cfg.store_path)
    agent = LLMAgent.from_env(cfg.dialogue) if cfg.dialogue.provider == "openai" else None
    assistant = Assistant(cfg, bundle["model"], store, PolicyIndex(bundle["policy"]), agent)
    log = recorder(Workspace.of(cfg).prediction_log, cfg.prediction_log, ChatMessage)
    return ChatService(
        assistant,
        manifest["version"],
        log,
        Scrubber(cfg.chats, cfg.prediction_log),
        agent is not None,
        cfg.store.session_ttl_minutes * 60,
    )


ServiceDep = Annotated[ChatService, Depends(current_service)]
router = APIRouter(tags=["chat"])
_counters_lock = threading.Lock()


def _counters(request: Request) -> tuple[Counter, Counter]:
    """This app's intent and handoff counters, registered with its metrics on first use."""
    state = request.app.state
    with _counters_lock:
        if not hasattr(state, "chat_counters"):
            registry = state.metrics.registry
            state.chat_counters = (
                Counter("chat_intents_total", "Messages by recognised intent", ["intent"], registry=registry),
                Counter("chat_handoffs_total", "Conversations handed to a person", registry=registry),
            )
    counters: tuple[Counter, Counter] = state.chat_counters
    return counters


@router.post("/chat", response_model=ChatResponse)
async def chat(body: ChatRequest, service: ServiceDep, request: Request) -> ChatResponse:
    """Answer one message: understand it, ask for what is missing, confirm and act, or hand off."""
    if service.blocking:
        result = await run_in_threadpool(
            service.assistant.turn, body.session_id, body.message, turn=body.turn
        )
    else:
        # A templated turn takes a few milliseconds: a thread hop would cost more than it saves.
        result = service.assistant.turn(body.session_id, body.message, turn=body.turn)
    if not result.replayed:
        metrics = request.app.state.metrics
        metrics.predictions.observe(result.confidence)
        metrics.decisions.labels("handoff" if result.handoff else "answered").inc()
        intents, handoffs = _counters(request)
        intents.labels(result.intent).inc()
        if result.handoff and any(a.get("tool") == "open_ticket" for a in result.actions):
            handoffs.inc()
        if service.log is not None:
            log_turn(
                service.log,
                body.model_dump(exclude_unset=True),
                result,
                origin="api",
                model_version=service.version,
                scrub=service.scrub,
            )
    return ChatResponse(
        session_id=result.session_id,
        reply=result.reply,
        intent=result.intent,
        confidence=result.confidence,
        handoff=result.handoff,
        actions=result.actions,
        awaiting=result.awaiting,
        turn=result.turn,
        expired=result.expired,
        model_version=service.version,
    )


@router.get("/sessions/{session_id}", response_model=TranscriptResponse)
def session(session_id: str, service: ServiceDep) -> TranscriptResponse:
    """The transcript of a live session (404 when unknown or expired)."""
    if len(session_id) > 64:
        raise HTTPException(404, "no such session (or it has expired)")
    transcript = service.assistant.sessions.transcript(session_id, time.time())
    if transcript is None:
        raise HTTPException(404, "no such session (or it has expired)")
    return TranscriptResponse(session_id=session_id, transcript=transcript)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page() -> HTMLResponse:
    """The chat page (plain HTML, CSS and JavaScript shipped in the package; no CDN)."""
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(html, headers={"content-security-policy": CSP})


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    """The chat page's script and style sheet (only these two names)."""
    if name not in PAGE_FILES:
        raise HTTPException(404, "not found")
    return Response((STATIC / name).read_bytes(), media_type=PAGE_FILES[name])


def sample_requests(cfg: Config, n: int) -> list[dict[str, Any]]:
    """Realistic request bodies (from the clean monitoring batch) for load tests."""
    path = cfg.paths.data_dir / "batches" / "clean.csv"
    if not path.is_file():
        raise PipelineError(f"{path} not found; run `make data` first")
    frame = pd.read_csv(path, nrows=n, dtype={"message": str}, keep_default_na=False)
    return [{"message": m, "turn": 1} for m in frame["message"]]
