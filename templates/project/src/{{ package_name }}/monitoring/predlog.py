"""The prediction log: what the service and batch scoring actually scored, for ``make monitor``.

One JSON line per scored record: when, where from (``api`` or ``batch``), the model version, the
latency, the validated input, the features the model monitored and its output. Fields a schema
marks personal (``Field(json_schema_extra={"personal": True})``) are hashed or dropped, as
``prediction_log.personal`` says. The log is bounded: past ``max_bytes`` the file is rotated
(``predictions.jsonl.1`` ... ``.N``) and the oldest rotation is deleted, so disk use never exceeds
about ``(backups + 1) * max_bytes``. Writing never fails a request: a failure is counted and
logged once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

from ..settings import PredictionLogConfig, secret

logger = logging.getLogger(__name__.rsplit(".", 2)[0])


def personal_fields(schema: type[BaseModel]) -> frozenset[str]:
    """The fields ``schema`` marks personal."""
    marked = set()
    for name, field in schema.model_fields.items():
        extra = field.json_schema_extra
        if isinstance(extra, dict) and extra.get("personal") is True:
            marked.add(name)
    return frozenset(marked)


class Redactor:
    """Hashes (keyed, when ``hash_key_env`` is set) or drops a schema's personal fields."""

    def __init__(self, schema: type[BaseModel], cfg: PredictionLogConfig) -> None:
        self.fields = personal_fields(schema)
        self.mode = cfg.personal
        key = secret(cfg.hash_key_env)
        self._key = key.encode() if key else b""

    def __call__(self, record: Mapping[str, Any]) -> dict[str, Any]:
        out = {}
        for name, value in record.items():
            if name not in self.fields:
                out[name] = value
            elif self.mode == "hash":
                digest = hmac.new(self._key, str(value).encode(), hashlib.sha256).hexdigest()
                out[name] = f"h:{digest[:24]}"
        return out


def entry(
    *,
    origin: str,
    model_version: str,
    latency_ms: float,
    input: Mapping[str, Any],
    features: Mapping[str, Any],
    output: Mapping[str, Any],
) -> dict[str, Any]:
    """One log line (``input`` already redacted)."""
    return {
        "at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "origin": origin,
        "model_version": model_version,
        "latency_ms": round(float(latency_ms), 3),
        "input": dict(input),
        "features": dict(features),
        "output": dict(output),
    }


class PredictionLog:
    """Appends entries to a bounded, rotating JSON-lines file; safe to share between threads."""

    def __init__(self, path: Path, cfg: PredictionLogConfig) -> None:
        self.path = path
        self.max_bytes = cfg.max_bytes
        self.backups = cfg.backups
        self._lock = threading.Lock()
        self.failures = 0

    def _rotate(self) -> None:
        oldest = self.path.with_name(f"{self.path.name}.{self.backups}")
        oldest.unlink(missing_ok=True)
        for n in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{n + 1}"))
        if self.backups:
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink(missing_ok=True)

    def append(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Append entries; a write failure is counted and logged, never raised to the caller."""
        text = "".join(json.dumps(e, sort_keys=True, default=str) + "\n" for e in entries)
        if not text:
            return
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if self.path.exists() and self.path.stat().st_size + len(text) > self.max_bytes:
                    self._rotate()
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError as exc:
                # Scoring matters more than logging: count the loss and warn once.
                self.failures += text.count("\n")
                if self.failures == text.count("\n"):
                    logger.warning(
                        "prediction log %s is not writable (%s); entries are dropped", self.path, exc
                    )


def _files(path: Path) -> list[Path]:
    """A log and its rotations, oldest first."""
    files = [path]
    n = 1
    while path.with_name(f"{path.name}.{n}").exists():
        files.append(path.with_name(f"{path.name}.{n}"))
        n += 1
    return [f for f in reversed(files) if f.is_file()]


def _newest_lines(path: Path, limit: int) -> Iterator[str]:
    """The newest ``limit`` lines of a log and its rotations, oldest first, read lazily."""
    files = _files(path)
    counts = []
    for file in files:
        with file.open("rb") as handle:
            counts.append(sum(1 for line in handle if line.strip()))
    skip = max(0, sum(counts) - limit)
    for file in files:
        with file.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                if skip:
                    skip -= 1
                    continue
                yield line


def iter_entries(path: Path) -> Iterator[dict[str, Any]]:
    """Every entry of a log and its rotations, oldest first, read lazily."""
    for file in _files(path):
        with file.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def read_window(path: Path, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` entries of a log and its rotations, oldest first."""
    return [json.loads(line) for line in _newest_lines(path, limit)]


def read_frame(path: Path, limit: int, chunk: int = 50_000) -> pd.DataFrame:
    """The newest ``limit`` entries as one row each: their features, outputs and latency.

    Parsed ``chunk`` entries at a time, so memory holds the table, not a million dictionaries.
    """
    frames, rows = [], []
    for line in _newest_lines(path, limit):
        entry = json.loads(line)
        rows.append({**entry["features"], **entry["output"], "latency_ms": entry["latency_ms"]})
        if len(rows) >= chunk:
            frames.append(pd.DataFrame(rows))
            rows = []
    if rows:
        frames.append(pd.DataFrame(rows))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


class Recorder:
    """Writes scored records to the prediction log, with personal fields redacted."""

    def __init__(self, path: Path, cfg: PredictionLogConfig, schema: type[BaseModel]) -> None:
        self.log = PredictionLog(path, cfg)
        self.redact = Redactor(schema, cfg)

    def record(
        self,
        *,
        origin: str,
        model_version: str,
        latency_ms: float,
        inputs: Iterable[Mapping[str, Any]],
        features: Iterable[Mapping[str, Any]],
        outputs: Iterable[Mapping[str, Any]],
    ) -> None:
        """Log one entry per scored record; ``latency_ms`` is each record's share of the call."""
        self.log.append(
            entry(
                origin=origin,
                model_version=model_version,
                latency_ms=latency_ms,
                input=self.redact(i),
                features=f,
                output=o,
            )
            for i, f, o in zip(inputs, features, outputs, strict=True)
        )


def recorder(path: Path, cfg: PredictionLogConfig, schema: type[BaseModel]) -> Recorder | None:
    """A recorder for ``path``, or None when ``prediction_log.enabled`` is false."""
    return Recorder(path, cfg, schema) if cfg.enabled else None
