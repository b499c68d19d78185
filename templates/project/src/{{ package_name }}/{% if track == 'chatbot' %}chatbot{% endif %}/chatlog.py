"""What a conversation turn puts in the prediction log: its intent, confidence, handoff, tools.

The log is the shared, bounded and rotating prediction log; its redaction hashes the session id
(a personal field of the schema). The message is kept as ``chats.log_messages`` says:
``redacted`` (every match of ``chats.pii_patterns``, such as email addresses, phone and card
numbers, replaced by ``[redacted]``), ``hashed`` or ``omitted``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from ..monitoring.predlog import Recorder
from ..settings import PredictionLogConfig, secret
from .config import ChatMonitoringConfig
from .dialogue import TurnResult
from .intents import OUT_OF_SCOPE

REDACTED = "[redacted]"


class Scrubber:
    """Turns a message into what the log may keep of it."""

    def __init__(self, cfg: ChatMonitoringConfig, log: PredictionLogConfig) -> None:
        self.mode = cfg.log_messages
        self.patterns = [re.compile(p) for p in cfg.pii_patterns]
        key = secret(log.hash_key_env)
        self._key = key.encode() if key else b""

    def redact(self, text: str) -> str:
        """The text with every personal-data match replaced."""
        for pattern in self.patterns:
            text = pattern.sub(REDACTED, text)
        return text

    def __call__(self, text: str) -> dict[str, Any]:
        if self.mode == "omitted":
            return {}
        clean = self.redact(text)
        if self.mode == "hashed":
            return {"message": "h:" + hmac.new(self._key, clean.encode(), hashlib.sha256).hexdigest()[:24]}
        return {"message": clean}


def features(message: str, result: TurnResult) -> dict[str, Any]:
    """The monitored values of one turn: the message's length and the model's confidence."""
    return {
        "words": float(len(message.split())),
        "confidence": round(float(result.understanding.confidence), 6),
    }


def output(result: TurnResult) -> dict[str, Any]:
    """The turn's outcome: intents, out of scope, handoff, tool results (no personal data)."""
    return {
        "intent": result.intent,
        "predicted": result.understanding.intent,
        "oos": result.understanding.effective == OUT_OF_SCOPE,
        "handoff": result.handoff,
        "tools": [str(a.get("tool")) + ":" + str(a.get("outcome")) for a in result.actions],
        "tool_errors": result.tool_errors,
    }


def log_turn(
    recorder: Recorder,
    request: Mapping[str, Any],
    result: TurnResult,
    *,
    origin: str,
    model_version: str,
    scrub: Scrubber,
) -> None:
    """One prediction-log entry for a turn; the request's fields as given, the message scrubbed."""
    logged = {k: v for k, v in request.items() if k != "message" and v is not None}
    recorder.record(
        origin=origin,
        model_version=model_version,
        latency_ms=result.latency_ms,
        inputs=[{**scrub(str(request["message"])), **logged}],
        features=[features(str(request["message"]), result)],
        outputs=[output(result)],
    )
