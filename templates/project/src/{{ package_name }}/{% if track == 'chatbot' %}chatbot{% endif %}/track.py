"""The chatbot track: what the shared lifecycle asks of it, and nothing else.

Data: the seeded store database, labelled messages split by template family, scripted
conversations and message batches. Training: the intent model (the candidate, its out-of-scope
threshold chosen on the validation split) and the keyword router (the baseline). Evaluation:
understanding on held-out families and whole conversations, costed, against the keyword router
and handing everything to a person.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.drift import Check
from ..core.results import Evaluation
from ..core.track import Bundle, Command, DataOutcome, MonitorView, Scored, TrainOutcome
from ..io.workspace import Workspace
from ..monitoring.predlog import recorder
from . import batches, data, evaluation, routes
from .chatlog import Scrubber, log_turn
from .config import Config
from .faq import read_policy
from .nlu import IntentModel, KeywordRouter
from .routes import ChatService
from .schema import ChatMessage


class ChatbotTrack:
    """A customer-support assistant: intents, slots, tools, dialogue and handoffs."""

    name = "chatbot"
    model_kind = "chatbot-intents"
    baselines_kind = "chatbot-baselines"
    libraries = ("bm25s", "sentence-transformers", "torch")
    record_schema = ChatMessage
    predictions_file = "replies.csv"
    title = routes.TITLE
    description = routes.DESCRIPTION
    router = routes.router
    load_path = routes.LOAD_PATH
    commands: tuple[Command[Config], ...] = ()

    def make_data(self, cfg: Config, rows: int | None) -> DataOutcome:
        """Seed the store, generate or read labelled messages, script conversations, write batches."""
        return data.generate(cfg, rows)

    def train(self, cfg: Config) -> TrainOutcome:
        """Fit the intent model on the train split; choose its threshold on the validation split."""
        messages = data.load_messages(cfg)
        train = messages[messages["split"] == "train"]
        validation = messages[messages["split"] == "validation"]
        started = time.perf_counter()
        model = IntentModel(cfg.understanding, cfg.seed).fit(train["text"].tolist(), train["intent"].tolist())
        model.choose_threshold(
            validation["text"].tolist(), validation["intent"].tolist(), cfg.understanding.min_confidence
        )
        seconds = time.perf_counter() - started
        policy = read_policy(cfg.store.policy)
        bundle: Bundle = {"model": model, "policy": policy}
        # The monitoring reference: the validation split's messages scored as single-message
        # conversations (the test split stays unseen until evaluation).
        reference_texts = validation["text"].tolist() or train["text"].tolist()
        requests = [{"message": t} for t in reference_texts]
        reference = batches.profile(requests, batches.score(cfg, bundle, requests))
        return TrainOutcome(
            summary=(
                f"trained the {model.kind} intent model on {len(train):,} messages "
                f"({len(model.classes)} intents) "
                f"in {seconds:.2f} s; out-of-scope threshold {model.threshold:.3f} ({model.threshold_rule})"
            ),
            data_hash=data.fingerprint(cfg),
            candidate={**bundle, "reference": reference},
            baselines={"keyword": KeywordRouter()},
            metrics={
                "train_messages": float(len(train)),
                "train_seconds": seconds,
                "min_confidence": model.threshold,
                "reference_oos_rate": float(reference["oos"].mean()),
            },
            manifest={
                "intents": model.classes,
                "threshold": model.threshold,
                "threshold_rule": model.threshold_rule,
            },
        )

    def evaluate(self, cfg: Config, candidate: Bundle, baselines: Bundle) -> Evaluation:
        """Understanding on the test split and the scripted conversations, against the baselines."""
        return evaluation.evaluate(cfg, candidate, baselines)

    def score_champion(self, cfg: Config, champion: Bundle) -> list[float]:
        """The champion's savings per scripted conversation (the gate pairs them)."""
        return evaluation.champion_scores(cfg, champion)

    def predict(self, cfg: Config, model: Bundle, version: str, source: Path) -> Scored:
        """Answer a CSV of messages (``message``, optional ``session_id``, ``turn``); log them."""
        requests = batches.requests_of(data.read_batch(cfg, source))
        results = batches.score(cfg, model, requests)
        scrub = Scrubber(cfg.chats, cfg.prediction_log)
        out = pd.DataFrame(
            {
                "message": [scrub.redact(b["message"]) for b in requests],
                "intent": [r.intent for r in results],
                "confidence": [round(r.confidence, 4) for r in results],
                "reply": [r.reply for r in results],
                "handoff": [r.handoff for r in results],
                "actions": [
                    " ".join(f"{a.get('tool')}:{a.get('outcome')}" for a in r.actions) for r in results
                ],
                "model_version": version,
            }
        )
        log = recorder(Workspace.of(cfg).prediction_log, cfg.prediction_log, ChatMessage)
        if log is not None:
            for body, result in zip(requests, results, strict=True):
                log_turn(log, body, result, origin="batch", model_version=version, scrub=scrub)
        return Scored(out, int(out["handoff"].sum()), "handed to a person")

    def monitor(self, cfg: Config, model: Bundle, source: Path, logged: pd.DataFrame | None) -> MonitorView:
        """Intent mix, confidence, out-of-scope, handoff and tool-error rates against the reference."""
        m, c = cfg.monitoring, cfg.chats
        reference: pd.DataFrame = model["reference"]
        if logged is None:
            raw = data.read_batch_csv(source)
            missing = (
                float((raw["message"].astype(str).str.strip() == "").mean()) if "message" in raw else 1.0
            )
            requests = batches.requests_of(data.read_batch(cfg, source))
            current = batches.profile(requests, batches.score(cfg, model, requests))
        else:
            current, missing = logged.copy(), 0.0
            for column in ("oos", "handoff"):
                current[column] = current[column].astype(float)
        ref_oos, oos = float(reference["oos"].mean()), float(current["oos"].mean())
        ref_handoff, handoff = float(reference["handoff"].mean()), float(current["handoff"].mean())
        errors = float(current["tool_errors"].astype(float).mean())
        return MonitorView(
            reference=reference,
            current=current,
            numeric=["words"],
            categorical=["intent"],
            score="confidence",
            score_label="intent confidence",
            checks=[
                Check(
                    "empty messages",
                    f"{missing:.2%}",
                    f"{m.max_missing_rate:.2%}",
                    missing <= m.max_missing_rate,
                ),
                Check(
                    "out-of-scope rate vs. reference",
                    f"{oos:.1%}",
                    f"{ref_oos:.1%} ± {c.max_oos_rate_change:.0%}",
                    abs(oos - ref_oos) <= c.max_oos_rate_change,
                ),
                Check(
                    "handoff rate vs. reference",
                    f"{handoff:.1%}",
                    f"{ref_handoff:.1%} ± {c.max_handoff_rate_change:.0%}",
                    abs(handoff - ref_handoff) <= c.max_handoff_rate_change,
                ),
                Check(
                    "tool errors per turn",
                    f"{errors:.2%}",
                    f"{c.max_tool_error_rate:.0%}",
                    errors <= c.max_tool_error_rate,
                ),
            ],
            extra={
                "messages": len(current),
                "intents": {str(k): int(v) for k, v in current["intent"].value_counts().items()},
            },
        )

    def load_service(self, cfg: Config) -> ChatService:
        """The promoted intent model over the store, for the API."""
        return routes.load_service(cfg)

    def sample_requests(self, cfg: Config, n: int) -> list[dict[str, Any]]:
        """Request bodies from the clean monitoring batch."""
        return routes.sample_requests(cfg, n)

    def small_overrides(self, project_root: Path) -> dict[str, Any]:
        """Config overrides that make a run take seconds while every step still means something."""
        return {
            "store.customers": 250,
            "data.per_family": 12,
            "data.conversations": 150,
            "data.batch_messages": 200,
        }


TRACK = ChatbotTrack()
