"""Scoring a batch of messages through the assistant, as the API would, on a scratch store.

Rows that share a ``session_id`` are one conversation, in file order; a row without one is a
conversation of its own. The store is an in-memory copy, so batch scoring and monitoring never
change customers' orders or open real tickets.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..core.track import Bundle
from .config import Config
from .dialogue import Assistant, TurnResult
from .faq import PolicyIndex
from .store import Store


def _value(raw: Any) -> Any:
    return None if raw is None or (isinstance(raw, float) and pd.isna(raw)) else raw


def requests_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as request bodies (absent optional fields left out)."""
    out = []
    for row in frame.to_dict(orient="records"):
        body: dict[str, Any] = {"message": str(row["message"])}
        for name in ("session_id", "turn"):
            value = _value(row.get(name))
            if value is not None:
                body[name] = int(value) if name == "turn" else str(value)
        out.append(body)
    return out


def score(cfg: Config, bundle: Bundle, requests: list[dict[str, Any]]) -> list[TurnResult]:
    """One turn per request on a scratch copy of the store (sessions by the rows' ``session_id``)."""
    store = Store.scratch(cfg.store_path)
    try:
        bot = Assistant(cfg, bundle["model"], store, PolicyIndex(bundle["policy"]))
        sessions: dict[str, str] = {}
        results = []
        for body in requests:
            label = body.get("session_id")
            result = bot.turn(sessions.get(label) if label else None, body["message"], turn=body.get("turn"))
            if label:
                sessions[label] = result.session_id
            results.append(result)
        return results
    finally:
        store.close()


def profile(requests: list[dict[str, Any]], results: list[TurnResult]) -> pd.DataFrame:
    """The monitored columns of scored turns."""
    return pd.DataFrame(
        {
            "words": [float(len(b["message"].split())) for b in requests],
            "confidence": [r.understanding.confidence for r in results],
            "intent": [r.intent for r in results],
            "oos": [float(r.understanding.effective == "out_of_scope") for r in results],
            "handoff": [float(r.handoff) for r in results],
            "tool_errors": [float(r.tool_errors) for r in results],
        }
    )
