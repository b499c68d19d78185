"""The rag data: the corpus ingested into the chunk store, the golden set, the question batches."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from ..core.profile import profile_columns
from ..core.results import DataProfile
from ..core.track import DataOutcome
from ..core.validation import enforce
from ..errors import PipelineError
from ..io.files import sha256_file, write_csv
from ..io.tables import read_csv, validated
from ..io.workspace import Workspace
from .batches import clean_batch, shifted_batch
from .config import Config
from .corpus import DocumentRecord, all_chunks, ingest
from .documents import read_document, read_store, scan, write_store
from .schema import GoldenItem, Question
from .text import locate


def store_path(cfg: Config) -> Path:
    """The chunk store that ``data`` keeps up to date with the corpus folder."""
    return cfg.paths.data_dir / "processed"


def _chunk_settings(cfg: Config) -> dict[str, Any]:
    return {"chunk_size": cfg.corpus.chunk_size, "chunk_overlap": cfg.corpus.chunk_overlap}


def fingerprint(state: dict[str, DocumentRecord]) -> str:
    """One sha256 over every document's path and content hash."""
    digest = hashlib.sha256()
    for source in sorted(state):
        digest.update(f"{source}\0{state[source].sha256}\n".encode())
    return digest.hexdigest()


def read_golden(cfg: Config) -> list[GoldenItem]:
    """The golden set, every line validated (errors name the line)."""
    path = cfg.evaluation.golden
    if not path.is_file():
        raise PipelineError(f"golden set not found at {path}; set evaluation.golden in the config")
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(GoldenItem.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise PipelineError(f"{path}, line {number}: not a valid golden item: {exc}") from exc
    if not any(i.answerable for i in items) or all(i.answerable for i in items):
        raise PipelineError(f"{path} needs both answerable and unanswerable questions")
    return items


def ingest_corpus(cfg: Config) -> tuple[dict[str, DocumentRecord], str]:
    """Bring the chunk store up to date with the corpus folder; return the state and a summary."""
    c = cfg.corpus
    files, skipped = scan(c.path, list(c.extensions), c.max_file_bytes)
    hashes = {source: sha256_file(path) for source, path in files.items()}
    settings = _chunk_settings(cfg)
    previous = read_store(store_path(cfg), settings)
    state, report = ingest(
        previous,
        hashes,
        lambda source: read_document(files[source]),
        size=c.chunk_size,
        overlap=c.chunk_overlap,
    )
    if not state:
        raise PipelineError(f"no documents with extensions {c.extensions} under {c.path}")
    write_store(store_path(cfg), settings, state)
    note = f" ({len(skipped)} skipped: {'; '.join(skipped)})" if skipped else ""
    return state, report.summary() + note


def load_state(cfg: Config) -> dict[str, DocumentRecord]:
    """The ingested corpus for the configured chunk settings."""
    state = read_store(store_path(cfg), _chunk_settings(cfg))
    if not state:
        raise PipelineError(
            f"no ingested corpus at {store_path(cfg)} for these chunk settings; run `make data` first"
        )
    return state


def passage_spans(
    cfg: Config, golden: list[GoldenItem], state: dict[str, DocumentRecord]
) -> dict[str, tuple[int, int]]:
    """Where each golden passage sits in its document (checked against the ingested version)."""
    files, _ = scan(cfg.corpus.path, list(cfg.corpus.extensions), cfg.corpus.max_file_bytes)
    spans: dict[str, tuple[int, int]] = {}
    texts: dict[str, str] = {}
    for item in golden:
        if item.source is None or item.passage is None:
            continue
        if item.source not in state or item.source not in files:
            raise PipelineError(f"golden item {item.id}: source {item.source} is not in the corpus")
        if sha256_file(files[item.source]) != state[item.source].sha256:
            raise PipelineError(f"{item.source} changed since it was ingested; run `make data` again")
        if item.source not in texts:
            texts[item.source] = read_document(files[item.source])[0]
        span = locate(item.passage, texts[item.source])
        if span is None:
            raise PipelineError(
                f"golden item {item.id}: passage not found in {item.source}: {item.passage[:60]!r}"
            )
        spans[item.id] = span
    return spans


def read_questions_csv(path: Path) -> pd.DataFrame:
    """A CSV of questions as text (an empty question stays an empty string)."""
    return read_csv(path, "question file", dtype={"question": str}, keep_default_na=False, na_values=[])


def read_questions(cfg: Config, path: Path) -> pd.DataFrame:
    """A CSV of questions, validated against the API's schema (rejected or quarantined)."""
    return validated(
        read_questions_csv(path),
        Question,
        source=path,
        mode=cfg.data.on_invalid,
        quarantine=Workspace.of(cfg).quarantine,
    )


def _profile(
    cfg: Config,
    state: dict[str, DocumentRecord],
    golden: list[GoldenItem],
    fingerprint: str,
    n_questions: int,
) -> DataProfile:
    chunks = all_chunks(state)
    table = pd.DataFrame(
        {
            "file_type": [c.source.rsplit(".", 1)[-1] for c in chunks],
            "characters": [len(c.text) for c in chunks],
            "words": [len(c.text.split()) for c in chunks],
        }
    )
    answerable = sum(g.answerable for g in golden)
    types = pd.Series([source.rsplit(".", 1)[-1] for source in state]).value_counts()
    kinds = ", ".join(f"{count} .{suffix}" for suffix, count in sorted(types.items()))
    return DataProfile(
        description=(
            f"The documents under `{cfg.corpus.path}` ({kinds}). As shipped, they are the product "
            "documentation and policies of Parcelly, a fictional shipping platform for online shops. "
            f"They are cut into chunks of at most {cfg.corpus.chunk_size} characters that never cross "
            f"a heading, with up to {cfg.corpus.chunk_overlap} characters of overlap. The golden set "
            f"`{cfg.evaluation.golden}` pairs questions with the exact passage that answers them."
        ),
        facts={
            "Corpus folder": str(cfg.corpus.path),
            "Corpus fingerprint (sha256)": fingerprint,
            "Documents": f"{len(state):,}",
            "Characters": f"{sum(r.chars for r in state.values()):,}",
            "Chunks": f"{len(chunks):,}",
            "Golden questions": f"{len(golden)} ({answerable} answerable, the rest not)",
            "Monitoring batches": f"{n_questions:,} questions each (clean, shifted off-topic)",
            "Seed": str(cfg.seed),
        },
        columns=profile_columns(table),
        caveats=[
            "The documents describe a fictional company; replace them with your own and rewrite the "
            "golden set to match.",
            f"The golden set has {len(golden)} questions: differences of a few points between "
            "retrievers are within noise.",
            "Golden questions were written by people who had read the documents, so they share more "
            "words with them than real users' questions do.",
            "The refusal thresholds (retrieval.min_support) were set by looking at the golden set's "
            "score distribution; check them on fresh questions before relying on the refusal rate.",
        ],
    )


def generate(cfg: Config, rows: int | None) -> DataOutcome:
    """Ingest the corpus incrementally, check the golden set, write the monitoring batches."""
    ws = Workspace.of(cfg)
    n_questions = rows or cfg.data.batch_questions
    started = time.perf_counter()
    state, summary = ingest_corpus(cfg)
    elapsed = time.perf_counter() - started
    data_hash = fingerprint(state)
    golden = read_golden(cfg)
    passage_spans(cfg, golden, state)
    questions = [g.question for g in golden]
    batches = {
        ws.clean_batch: clean_batch(questions, n_questions, cfg.seed + 1),
        ws.shifted_batch: shifted_batch(questions, n_questions, cfg.seed + 2),
    }
    for path, batch in batches.items():
        frame = pd.DataFrame({"question": batch})
        enforce(frame, Question, mode="reject", source=f"generated {path.stem} batch")
        write_csv(frame, path)
    chunks = len(all_chunks(state))
    return DataOutcome(
        summary=(
            f"ingested {cfg.corpus.path} in {elapsed:.2f} s: {summary}; {chunks:,} chunks; "
            f"batches of {n_questions:,} questions -> {ws.clean_batch.parent}"
        ),
        data_hash=data_hash,
        profile=_profile(cfg, state, golden, data_hash, n_questions),
        metrics={"documents": float(len(state)), "chunks": float(chunks), "ingest_seconds": elapsed},
    )
