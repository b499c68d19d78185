"""What an answered question puts in the prediction log: its scores, refusal, tokens and cost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..monitoring.predlog import Recorder
from .answering import Answer


def features(answer: Answer) -> dict[str, Any]:
    """The monitored values of one answer: its top retrieval score and the question's length."""
    return {"top_score": float(answer.top_score), "question_words": float(len(answer.question.split()))}


def output(answer: Answer) -> dict[str, Any]:
    """The answer's outcome: refusal, support, the ranked scores, tokens and cost."""
    return {
        "refused": answer.refused,
        "support": round(answer.support, 6),
        "scores": [round(h.score, 4) for h in answer.hits],
        "input_tokens": answer.input_tokens,
        "output_tokens": answer.output_tokens,
        "cost_usd": answer.cost_usd,
    }


def log_answers(
    recorder: Recorder, answers: Sequence[Answer], top_ks: Sequence[int], *, origin: str, model_version: str
) -> None:
    """One prediction-log entry per answer (its own latency each)."""
    for answer, top_k in zip(answers, top_ks, strict=True):
        recorder.record(
            origin=origin,
            model_version=model_version,
            latency_ms=answer.latency_ms,
            inputs=[{"question": answer.question, "top_k": top_k}],
            features=[features(answer)],
            outputs=[output(answer)],
        )
