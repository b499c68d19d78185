"""The rag data: the corpus ingested into the chunk store, the golden set, the question batches."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from functools import partial
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
from ..text.tokens import locate
from .batches import clean_batch, shifted_batch
from .config import Config
from .corpus import DocumentRecord, all_chunks, ingest
from .documents import read_document, read_source, read_store, scan, write_store
from .schema import GoldenItem, Question


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


def split_of(item: GoldenItem, calibration_share: float) -> str:
    """The item's split: its own, or one assigned by a stable hash of its id."""
    if item.split is not None:
        return item.split
    bucket = int(hashlib.sha256(item.id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "calibration" if bucket < calibration_share else "test"


def read_golden(cfg: Config) -> list[GoldenItem]:
    """The golden set, every line validated (errors name the line); empty when there is none."""
    path = cfg.golden_path
    if not path.is_file():
        return []
    items = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = GoldenItem.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise PipelineError(f"{path}, line {number}: not a valid golden item: {exc}") from exc
        if item.id in seen:
            raise PipelineError(f"{path}, line {number}: golden item id {item.id!r} is used twice")
        seen.add(item.id)
        items.append(item)
    return items


Span = tuple[str, int, int]


@dataclass(frozen=True)
class Golden:
    """The golden items the corpus can be judged on, where their passages are, what is missing."""

    path: Path
    items: list[GoldenItem]
    spans: dict[str, list[Span]]
    splits: dict[str, str]
    problems: list[str] = field(default_factory=list)

    def split(self, name: str) -> list[GoldenItem]:
        """The usable items of one split, in file order."""
        return [i for i in self.items if self.splits[i.id] == name]

    @property
    def drafts(self) -> int:
        """How many usable items nobody has reviewed yet."""
        return sum(i.status == "draft" for i in self.items)

    def provisional(self) -> list[str]:
        """Why figures computed on this golden set cannot be trusted yet (empty when they can)."""
        why = list(self.problems)
        if self.drafts:
            why.append(
                f"{self.drafts} of {len(self.items)} golden items are unreviewed drafts (status: draft) "
                f"in {self.path}"
            )
        test = self.split("test")
        if self.items and not any(i.answerable for i in test):
            why.append("the test split has no answerable questions: retrieval and answers are not measured")
        if self.items and not any(not i.answerable for i in test):
            why.append("the test split has no unanswerable questions: refusals are not measured")
        return why


def load_golden(cfg: Config, state: dict[str, DocumentRecord]) -> Golden:
    """The golden set checked against the ingested corpus.

    Never fails because the set is missing, a draft or written for other documents: items whose
    passages cannot be found are left out and listed in ``problems``. A document that changed
    since it was ingested is an error (run ``make data``).
    """
    path = cfg.golden_path
    golden = read_golden(cfg)
    if not path.is_file():
        return Golden(path, [], {}, {}, [f"no golden set at {path}: run `make golden` to draft one"])
    files, _ = scan(cfg.corpus.path, list(cfg.corpus.extensions), cfg.corpus.max_file_bytes)
    texts: dict[str, str] = {}
    spans: dict[str, list[Span]] = {}
    usable: list[GoldenItem] = []
    missing_source: list[str] = []
    missing_passage: list[str] = []
    for item in golden:
        found: list[Span] = []
        for evidence in item.evidence:
            if evidence.source not in state or evidence.source not in files:
                missing_source.append(item.id)
                break
            if evidence.source not in texts:
                if sha256_file(files[evidence.source]) != state[evidence.source].sha256:
                    raise PipelineError(
                        f"{evidence.source} changed since it was ingested; run `make data` again"
                    )
                texts[evidence.source] = read_document(files[evidence.source])[0]
            span = locate(evidence.passage, texts[evidence.source])
            if span is None:
                missing_passage.append(f"{item.id} ({evidence.source}: {evidence.passage[:40]!r})")
                break
            found.append((evidence.source, *span))
        else:
            spans[item.id] = found
            usable.append(item)
    problems = []
    answerable = [i for i in golden if i.answerable]
    if answerable and len(set(missing_source)) == len(answerable):
        problems.append(
            f"the golden set {path} was written for other documents: none of its {len(answerable)} "
            f"answerable items has its passages in {cfg.corpus.path}; draft one for these documents "
            "with `make golden` (after moving the old file away)"
        )
        usable = []
    elif missing_source:
        problems.append(
            f"{len(missing_source)} golden items cite documents not in the corpus and are left out: "
            + ", ".join(missing_source[:10])
        )
    if missing_passage:
        problems.append(
            f"{len(missing_passage)} golden items quote passages not found in their documents and are "
            "left out: " + ", ".join(missing_passage[:5])
        )
    splits = {i.id: split_of(i, cfg.evaluation.calibration_share) for i in usable}
    return Golden(path, usable, spans, splits, problems)


def ingest_corpus(cfg: Config) -> tuple[dict[str, DocumentRecord], str]:
    """Bring the chunk store up to date with the corpus folder; return the state and a summary."""
    c = cfg.corpus
    files, skipped = scan(c.path, list(c.extensions), c.max_file_bytes)
    hashes = {source: sha256_file(path) for source, path in files.items()}
    settings = _chunk_settings(cfg)
    previous = read_store(store_path(cfg), settings)
    # Read and chunked on the step's engine (see corpus.ingest); hashing stays here: it is what
    # decides which files need reading at all, and is quick next to parsing.
    state, report = ingest(
        previous, hashes, partial(read_source, c.path.absolute()), size=c.chunk_size, overlap=c.chunk_overlap
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


def traffic_questions(cfg: Config, golden: Golden, state: dict[str, DocumentRecord]) -> tuple[list[str], str]:
    """Questions for the clean batch, never the golden set's own when avoidable, and their origin."""
    path = cfg.traffic_path
    if path.is_file():
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        questions = [q for q in lines if q and not q.startswith("#")]
        if questions:
            return questions, str(path)
    test = [i.question for i in golden.split("test")]
    if test:
        return test, f"the golden test split (no {path})"
    headings = sorted({c.heading for c in all_chunks(state) if c.heading})
    return [f"What does the documentation say about {h.lower()}?" for h in headings] or [
        "What do the documents cover?"
    ], "the document headings (no golden set, no traffic file)"


def _profile(
    cfg: Config,
    state: dict[str, DocumentRecord],
    golden: Golden,
    fingerprint: str,
    n_questions: int,
    traffic: str,
) -> DataProfile:
    chunks = all_chunks(state)
    table = pd.DataFrame(
        {
            "file_type": [c.source.rsplit(".", 1)[-1] for c in chunks],
            "characters": [len(c.text) for c in chunks],
            "words": [len(c.text.split()) for c in chunks],
        }
    )
    types = pd.Series([source.rsplit(".", 1)[-1] for source in state]).value_counts()
    kinds = ", ".join(f"{count} .{suffix}" for suffix, count in sorted(types.items()))

    def counts(split: str) -> str:
        items = golden.split(split)
        multi = sum(i.multi_passage for i in items)
        answerable = sum(i.answerable for i in items)
        rest = len(items) - answerable
        return f"{len(items)} ({answerable} answerable, {multi} of them multi-passage; {rest} not)"

    caveats = [
        "As shipped, the documents describe a fictional company; `README.md` (Use your own documents) "
        "says how to point the project at yours and draft a golden set for them.",
        "Golden questions were written by people who had read the documents; they were paraphrased "
        "to avoid the passages' wording, but real users' questions are still the better test.",
        f"Refusal thresholds are chosen on the calibration split only "
        f"(retrieval.max_false_refusals: {cfg.retrieval.max_false_refusals:.0%}); every reported figure "
        "and the gate come from the test split.",
        *golden.provisional(),
    ]
    return DataProfile(
        description=(
            f"The documents under `{cfg.corpus.path}` ({kinds}). As shipped, they are the product "
            "documentation and policies of Parcelly, a fictional shipping platform for online shops. "
            f"They are cut into chunks of at most {cfg.corpus.chunk_size} characters that never cross "
            f"a heading, with up to {cfg.corpus.chunk_overlap} characters of overlap. The golden set "
            f"`{golden.path}` pairs questions with the exact passages that answer them, or none."
        ),
        facts={
            "Corpus folder": str(cfg.corpus.path),
            "Corpus fingerprint (sha256)": fingerprint,
            "Documents": f"{len(state):,}",
            "Characters": f"{sum(r.chars for r in state.values()):,}",
            "Chunks": f"{len(chunks):,}",
            "Golden set": str(golden.path) if golden.path.is_file() else f"missing ({golden.path})",
            "Golden calibration split": counts("calibration"),
            "Golden test split": counts("test"),
            "Unreviewed (draft) golden items": str(golden.drafts),
            "Monitoring batches": f"{n_questions:,} questions each (clean: {traffic}; shifted: off-topic)",
            "Seed": str(cfg.seed),
        },
        columns=profile_columns(table),
        caveats=caveats,
    )


def generate(cfg: Config, rows: int | None) -> DataOutcome:
    """Ingest the corpus incrementally, check the golden set, write the monitoring batches."""
    ws = Workspace.of(cfg)
    n_questions = rows or cfg.data.batch_questions
    started = time.perf_counter()
    state, summary = ingest_corpus(cfg)
    elapsed = time.perf_counter() - started
    data_hash = fingerprint(state)
    golden = load_golden(cfg, state)
    questions, traffic = traffic_questions(cfg, golden, state)
    batches = {
        ws.clean_batch: clean_batch(questions, n_questions, cfg.seed + 1),
        ws.shifted_batch: shifted_batch(questions, n_questions, cfg.seed + 2),
    }
    for path, batch in batches.items():
        frame = pd.DataFrame({"question": batch})
        enforce(frame, Question, mode="reject", source=f"generated {path.stem} batch")
        write_csv(frame, path)
    chunks = len(all_chunks(state))
    missing = "; ".join(golden.provisional())
    return DataOutcome(
        summary=(
            f"ingested {cfg.corpus.path} in {elapsed:.2f} s: {summary}; {chunks:,} chunks; "
            f"golden set {len(golden.split('calibration'))} calibration + {len(golden.split('test'))} test "
            f"items; batches of {n_questions:,} questions -> {ws.clean_batch.parent}"
            + (f"\nnote: {missing}" if missing else "")
        ),
        data_hash=data_hash,
        profile=_profile(cfg, state, golden, data_hash, n_questions, traffic),
        metrics={
            "documents": float(len(state)),
            "chunks": float(chunks),
            "ingest_seconds": elapsed,
            "golden_items": float(len(golden.items)),
        },
    )
