"""What an answered question puts in the prediction log: its scores, refusal, tokens and cost.

The log itself is the shared, bounded and rotating prediction log (``prediction_log``). What it
keeps of the question is ``queries.log_questions``: ``redacted`` (every match of
``queries.pii_patterns``, such as email addresses, phone and card numbers, replaced by
``[redacted]``), ``hashed`` (a keyed sha256 of the redacted text, keyed by ``prediction_log
.hash_key_env``: repeated questions can be counted, not read) or ``omitted``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from typing import Any

from ..monitoring.predlog import Recorder
from ..settings import PredictionLogConfig, secret
from .answering import Answer
from .config import QueryMonitoringConfig

REDACTED = "[redacted]"


class Scrubber:
    """Turns a question into what the query log may keep of it."""

    def __init__(self, cfg: QueryMonitoringConfig, log: PredictionLogConfig) -> None:
        self.mode = cfg.log_questions
        self.patterns = [re.compile(p) for p in cfg.pii_patterns]
        key = secret(log.hash_key_env)
        self._key = key.encode() if key else b""

    def redact(self, question: str) -> str:
        """The question with every personal-data match replaced."""
        for pattern in self.patterns:
            question = pattern.sub(REDACTED, question)
        return question

    def __call__(self, question: str) -> dict[str, Any]:
        if self.mode == "omitted":
            return {}
        text = self.redact(question)
        if self.mode == "hashed":
            return {"question": "h:" + hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()[:24]}
        return {"question": text}


def features(answer: Answer) -> dict[str, Any]:
    """The monitored values of one answer: its normalised support and the question's length."""
    return {"support": round(float(answer.support), 6), "question_words": float(len(answer.question.split()))}


def output(answer: Answer) -> dict[str, Any]:
    """The answer's outcome: refusal, support, the ranked scores, tokens and cost."""
    return {
        "refused": answer.refused,
        "top_score": round(answer.top_score, 4),
        "dropped_sentences": answer.dropped,
        "scores": [round(h.score, 4) for h in answer.hits],
        "input_tokens": answer.input_tokens,
        "output_tokens": answer.output_tokens,
        "cost_usd": answer.cost_usd,
    }


def log_answers(
    recorder: Recorder,
    answers: Sequence[Answer],
    top_ks: Sequence[int],
    *,
    origin: str,
    model_version: str,
    scrub: Scrubber,
) -> None:
    """One prediction-log entry per answer (its own latency each)."""
    for answer, top_k in zip(answers, top_ks, strict=True):
        recorder.record(
            origin=origin,
            model_version=model_version,
            latency_ms=answer.latency_ms,
            inputs=[{**scrub(answer.question), "top_k": top_k}],
            features=[features(answer)],
            outputs=[output(answer)],
        )
