"""The query log: one JSON line per answered question, from the service and from batch runs."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .answering import Answer

logger = logging.getLogger(__name__.rsplit(".", 2)[0])


def record(answer: Answer, *, origin: str, model_version: str) -> dict[str, Any]:
    """The log entry for one answer: scores, refusal, latency, tokens and cost."""
    return {
        "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "origin": origin,
        "model_version": model_version,
        "question": answer.question,
        "top_score": round(answer.top_score, 6),
        "support": round(answer.support, 6),
        "scores": [round(h.score, 4) for h in answer.hits],
        "refused": answer.refused,
        "latency_ms": round(answer.latency_ms, 3),
        "input_tokens": answer.input_tokens,
        "output_tokens": answer.output_tokens,
        "cost_usd": answer.cost_usd,
    }


class QueryLog:
    """Appends entries to a JSON-lines file; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.failures = 0

    def append(self, entries: list[dict[str, Any]]) -> None:
        """Append entries as JSON lines; a write failure is logged, never raised to the caller."""
        text = "".join(json.dumps(e, sort_keys=True) + "\n" for e in entries)
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError as exc:
                # Answering matters more than logging: count the loss and warn once.
                self.failures += len(entries)
                if self.failures == len(entries):
                    logger.warning("query log %s is not writable (%s); entries are dropped", self.path, exc)


def read_log(path: Path) -> list[dict[str, Any]]:
    """Every entry of a query log, oldest first."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
