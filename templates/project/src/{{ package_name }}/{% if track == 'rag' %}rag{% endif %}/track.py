"""The question-answering pipeline: ingest -> index -> evaluate on the golden set, plus batch
answering and monitoring. Each function is one CLI verb and returns a one-line summary."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from ..core import drift
from ..core.gate import promotion_gate
from ..core.profile import profile_columns
from ..core.validation import enforce
from ..errors import GateRefusedError, PipelineError
from ..io.artifacts import load_artifact, promote, read_manifest, save_artifact
from ..io.files import sha256_file, write_csv, write_json
from ..io.runlog import record_run
from ..monitoring.report import MonitorOutcome, conclude
from . import plots
from .answering import Answer, Assistant, ExtractiveProvider
from .batches import clean_batch, shifted_batch
from .config import Config
from .corpus import DocumentRecord, all_chunks, ingest
from .documents import read_document, read_store, scan, write_store
from .evaluation import judge, summarise
from .llm import make_provider
from .querylog import QueryLog, read_log, record
from .retrieval import SearchIndex, make_retriever
from .schema import GoldenItem, Question
from .text import locate

MODEL_KIND = "rag-index"
BASELINES_KIND = "rag-baselines"
EVAL_DEPTH = 10


def _paths(cfg: Config) -> dict[str, Path]:
    data, artifacts = cfg.paths.data_dir, cfg.paths.artifacts_dir
    return {
        "store": data / "processed",
        "clean": data / "batches" / "clean.csv",
        "shifted": data / "batches" / "shifted.csv",
        "quarantine": data / "quarantine",
        "querylog": data / "logs" / "queries.jsonl",
        "candidate": artifacts / "candidate",
        "baselines": artifacts / "baselines",
        "model": artifacts / "model",
        "runs": artifacts / "runs.jsonl",
    }


def _chunk_settings(cfg: Config) -> dict[str, Any]:
    return {"chunk_size": cfg.corpus.chunk_size, "chunk_overlap": cfg.corpus.chunk_overlap}


def _fingerprint(state: dict[str, DocumentRecord]) -> str:
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
    previous = read_store(_paths(cfg)["store"], settings)
    state, report = ingest(
        previous,
        hashes,
        lambda source: read_document(files[source]),
        size=c.chunk_size,
        overlap=c.chunk_overlap,
    )
    if not state:
        raise PipelineError(f"no documents with extensions {c.extensions} under {c.path}")
    write_store(_paths(cfg)["store"], settings, state)
    note = f" ({len(skipped)} skipped: {'; '.join(skipped)})" if skipped else ""
    return state, report.summary() + note


def _load_state(cfg: Config) -> dict[str, DocumentRecord]:
    state = read_store(_paths(cfg)["store"], _chunk_settings(cfg))
    if not state:
        raise PipelineError(
            f"no ingested corpus at {_paths(cfg)['store']} for these chunk settings; run `make data` first"
        )
    return state


def make_data(cfg: Config, rows: int | None = None) -> str:
    """Ingest the corpus incrementally, check the golden set, write the monitoring batches."""
    paths = _paths(cfg)
    n_questions = rows or cfg.data.batch_questions
    params = {"corpus": cfg.corpus.model_dump(mode="json"), "batch_questions": n_questions}
    with record_run(paths["runs"], cfg.tracking, "data", params) as run:
        started = time.perf_counter()
        state, summary = ingest_corpus(cfg)
        elapsed = time.perf_counter() - started
        fingerprint = _fingerprint(state)
        run.log_data_hash(fingerprint)
        golden = read_golden(cfg)
        _passage_spans(cfg, golden, state)
        questions = [g.question for g in golden]
        batches = {
            "clean": clean_batch(questions, n_questions, cfg.seed + 1),
            "shifted": shifted_batch(questions, n_questions, cfg.seed + 2),
        }
        for name, batch in batches.items():
            frame = pd.DataFrame({"question": batch})
            enforce(frame, Question, mode="reject", source=f"generated {name} batch")
            write_csv(frame, paths[name])
        chunks = all_chunks(state)
        table = pd.DataFrame(
            {
                "file_type": [c.source.rsplit(".", 1)[-1] for c in chunks],
                "characters": [len(c.text) for c in chunks],
                "words": [len(c.text.split()) for c in chunks],
            }
        )
        run.log_metrics(
            {"documents": float(len(state)), "chunks": float(len(chunks)), "ingest_seconds": elapsed}
        )
        answerable = sum(g.answerable for g in golden)
        types = pd.Series([source.rsplit(".", 1)[-1] for source in state]).value_counts()
        kinds = ", ".join(f"{count} .{suffix}" for suffix, count in sorted(types.items()))
        profile = {
            "description": (
                f"The documents under `{cfg.corpus.path}` ({kinds}). As shipped, they are the product "
                "documentation and policies of Parcelly, a fictional shipping platform for online shops. "
                f"They are cut into chunks of at most {cfg.corpus.chunk_size} characters that never cross "
                f"a heading, with up to {cfg.corpus.chunk_overlap} characters of overlap. The golden set "
                f"`{cfg.evaluation.golden}` pairs questions with the exact passage that answers them."
            ),
            "facts": {
                "Corpus folder": str(cfg.corpus.path),
                "Corpus fingerprint (sha256)": fingerprint,
                "Documents": f"{len(state):,}",
                "Characters": f"{sum(r.chars for r in state.values()):,}",
                "Chunks": f"{len(chunks):,}",
                "Golden questions": f"{len(golden)} ({answerable} answerable, the rest not)",
                "Monitoring batches": f"{n_questions:,} questions each (clean, shifted off-topic)",
                "Seed": str(cfg.seed),
            },
            "columns": profile_columns(table),
            "caveats": [
                "The documents describe a fictional company; replace them with your own and rewrite the "
                "golden set to match.",
                f"The golden set has {len(golden)} questions: differences of a few points between "
                "retrievers are within noise.",
                "Golden questions were written by people who had read the documents, so they share more "
                "words with them than real users' questions do.",
                "The refusal thresholds (retrieval.min_support) were set by looking at the golden set's "
                "score distribution; check them on fresh questions before relying on the refusal rate.",
            ],
        }
        write_json(cfg.paths.reports_dir / "data_profile.json", profile)
    return (
        f"ingested {cfg.corpus.path} in {elapsed:.2f} s: {summary}; {len(chunks):,} chunks; "
        f"batches of {n_questions:,} questions -> {paths['clean'].parent}"
    )


def _passage_spans(
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


def build_index(cfg: Config, kind: str, state: dict[str, DocumentRecord]) -> SearchIndex:
    """Fit a retriever of ``kind`` on the ingested chunks."""
    r = cfg.retrieval
    retriever = make_retriever(kind, k1=r.k1, b=r.b, dense_model=r.dense_model, rrf_k=r.rrf_k)
    return SearchIndex.build(retriever, all_chunks(state))


def _assistant(cfg: Config, index: SearchIndex) -> Assistant:
    return Assistant(index, make_provider(cfg.answering, index), cfg.retrieval.threshold(index.kind))


def _profile_answers(answers: list[Answer]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "top_score": [a.top_score for a in answers],
            "question_words": [float(len(a.question.split())) for a in answers],
            "refused": [a.refused for a in answers],
            "latency_ms": [a.latency_ms for a in answers],
            "cost_usd": [a.cost_usd for a in answers],
        }
    )


def train(cfg: Config) -> str:
    """Index the chunks with the configured retriever (candidate) and the baseline retriever."""
    paths = _paths(cfg)
    params = {
        "retrieval": cfg.retrieval.model_dump(mode="json"),
        "baseline": cfg.evaluation.baseline,
        "seed": cfg.seed,
    }
    with record_run(paths["runs"], cfg.tracking, "train", params) as run:
        state = _load_state(cfg)
        data_hash = _fingerprint(state)
        run.log_data_hash(data_hash)
        started = time.perf_counter()
        candidate = build_index(cfg, cfg.retrieval.kind, state)
        index_seconds = time.perf_counter() - started
        baseline = build_index(cfg, cfg.evaluation.baseline, state)
        golden = read_golden(cfg)
        # The monitoring reference is built offline and free, whatever the configured provider.
        offline = Assistant(
            candidate,
            ExtractiveProvider(candidate, cfg.answering.max_sentences),
            cfg.retrieval.threshold(candidate.kind),
        )
        answers = [offline.ask(g.question, cfg.retrieval.top_k) for g in golden]
        reference = _profile_answers(answers)[["top_score", "question_words", "refused"]]
        run.log_metrics(
            {
                "chunks": float(len(candidate.chunks)),
                "index_seconds": index_seconds,
                "reference_refusal_rate": float(reference["refused"].mean()),
            }
        )
        common = {
            "config": cfg.model_dump(mode="json"),
            "schema": Question.model_json_schema(),
            "extra": {"data_sha256": data_hash, "chunks": len(candidate.chunks)},
        }
        manifest = save_artifact(
            paths["candidate"],
            {"index": candidate, "reference": reference},
            kind=MODEL_KIND,
            metrics=run.record["metrics"],
            **common,
        )
        save_artifact(
            paths["baselines"], {cfg.evaluation.baseline: baseline}, kind=BASELINES_KIND, metrics={}, **common
        )
    return (
        f"indexed {len(candidate.chunks):,} chunks with {cfg.retrieval.kind} (version {manifest['version']}) "
        f"in {index_seconds:.2f} s, baseline {cfg.evaluation.baseline}"
    )


def _evaluate_index(
    cfg: Config, index: SearchIndex, golden: list[GoldenItem], spans: dict[str, tuple[int, int]]
) -> tuple[dict[str, float | None], list[dict[str, Any]]]:
    """Retrieval and answer metrics of one index on the golden set, and per-question rows."""
    assistant = _assistant(cfg, index)
    ks = sorted({*cfg.evaluation.ks, cfg.retrieval.top_k})
    depth = max(EVAL_DEPTH, *ks)
    rows = []
    for item in golden:
        answer = assistant.ask(item.question, cfg.retrieval.top_k)
        ranked = index.search(item.question, depth).hits if item.answerable else []
        rows.append(judge(item, spans.get(item.id), answer, ranked, index.chunks, ks))
    return summarise(rows, ks), rows


def evaluate(cfg: Config) -> str:
    """Compare the candidate index with the baseline (and champion) on the golden set; gate; promote."""
    paths = _paths(cfg)
    reports = cfg.paths.reports_dir
    with record_run(
        paths["runs"], cfg.tracking, "evaluate", {"evaluation": cfg.evaluation.model_dump(mode="json")}
    ) as run:
        bundle, manifest = load_artifact(paths["candidate"], kind=MODEL_KIND)
        baselines, _ = load_artifact(paths["baselines"], kind=BASELINES_KIND)
        state = _load_state(cfg)
        data_hash = _fingerprint(state)
        run.log_data_hash(data_hash)
        golden = read_golden(cfg)
        spans = _passage_spans(cfg, golden, state)
        candidate: SearchIndex = bundle["index"]
        systems = {"candidate": candidate, **baselines}
        results, rows = {}, {}
        for name, index in systems.items():
            results[name], rows[name] = _evaluate_index(cfg, index, golden, spans)
        key = "answered_correctly"
        champion_score = None
        has_champion = (paths["model"] / "manifest.json").exists()
        if has_champion and read_manifest(paths["model"])["sha256"] != manifest["sha256"]:
            champion_bundle, _ = load_artifact(paths["model"], kind=MODEL_KIND)
            champion_score = _evaluate_index(cfg, champion_bundle["index"], golden, spans)[0][key]
        gate = promotion_gate(
            results["candidate"][key] or 0.0,
            {name: results[name][key] or 0.0 for name in baselines},
            min_improvement=cfg.gate.min_improvement,
            champion=champion_score,
            champion_margin=cfg.gate.champion_margin,
            metric="share answered correctly",
        )
        top_k = cfg.retrieval.top_k
        ml_key = f"recall_at_{top_k}"
        slices = []
        frame = pd.DataFrame(rows["candidate"])
        for value, group in frame.groupby("folder", sort=True):
            answerable = group[group["answerable"]]
            slices.append(
                {
                    "by": "document folder",
                    "value": str(value),
                    "rows": len(group),
                    "positives": len(answerable),
                    "metrics": {
                        ml_key: float(answerable[ml_key].mean()) if len(answerable) else None,
                        key: float(group["correct"].mean()),
                    },
                }
            )
        reports.mkdir(parents=True, exist_ok=True)
        ks = sorted({*cfg.evaluation.ks, top_k})
        labels = {"candidate": f"{candidate.kind} (candidate)"}
        plots.recall_by_k(
            {labels.get(n, n): {k: results[n][f"recall_at_{k}"] or 0.0 for k in ks} for n in systems},
            reports / "recall_at_k.png",
        )
        scores = np.array([r["top_score"] for r in rows["candidate"]])
        answerable_mask = frame["answerable"].to_numpy(dtype=bool)
        plots.support_scores(
            scores[answerable_mask],
            scores[~answerable_mask],
            cfg.retrieval.threshold(candidate.kind),
            reports / "support_scores.png",
        )

        answerable_n = int(answerable_mask.sum())
        thresholds = ", ".join(f"{i.kind} {cfg.retrieval.threshold(i.kind):g}" for i in systems.values())
        metrics = {
            "track": "rag",
            "model_version": manifest["version"],
            "model": {
                "kind": candidate.kind,
                "params": {
                    "k1": cfg.retrieval.k1,
                    "b": cfg.retrieval.b,
                    "top_k": top_k,
                    "min_support": cfg.retrieval.threshold(candidate.kind),
                    "chunk_size": cfg.corpus.chunk_size,
                    "chunk_overlap": cfg.corpus.chunk_overlap,
                    "provider": cfg.answering.provider,
                },
            },
            "ml_metric": {"key": ml_key, "label": f"Recall@{top_k}", "format": "float"},
            "business_metric": {
                "key": key,
                "label": "Answered correctly with support (or rightly refused)",
                "format": "pct",
            },
            "extra_metrics": [
                {"key": "mrr", "label": "MRR@10", "format": "float"},
                {"key": "ndcg_at_10", "label": "nDCG@10", "format": "float"},
                {"key": "citation_precision", "label": "Citation precision", "format": "pct"},
                {"key": "support_rate", "label": "Supported sentences", "format": "pct"},
                {"key": "correct_refusal_rate", "label": "Correct refusals", "format": "pct"},
            ],
            "candidates": [
                {
                    "name": labels.get(n, f"{n} (baseline)"),
                    "role": "candidate" if n == "candidate" else "baseline",
                    "metrics": results[n],
                }
                for n in systems
            ],
            "slices": slices,
            "gate": {"passed": gate.passed, "reasons": gate.reasons},
            "plots": [
                {"path": f"{reports.name}/recall_at_k.png", "title": "Recall@k"},
                {
                    "path": f"{reports.name}/support_scores.png",
                    "title": "Top retrieval score and the refusal threshold",
                },
            ],
            "notes": [
                "Recall@k: share of answerable questions whose answer passage is in one of the first k "
                f"chunks; MRR and nDCG over the first {EVAL_DEPTH}.",
                "A question counts as answered correctly when a cited sentence comes from the answer "
                "passage and every sentence is found in the chunk it cites; an unanswerable one when "
                "the assistant refuses.",
                f"Answers come from the '{cfg.answering.provider}' provider; each retriever refuses "
                f"below its own support threshold ({thresholds}).",
            ],
            "evaluation_data": {
                "Golden set": f"{cfg.evaluation.golden} ({answerable_n} answerable, "
                f"{len(golden) - answerable_n} not answerable from the documents)",
                "Corpus": f"{len(state)} documents, {len(candidate.chunks)} chunks",
                "Corpus sha256": data_hash,
            },
        }
        write_json(reports / "metrics.json", metrics)
        run.log_metrics(
            {f"golden.{k}": v for k, v in results["candidate"].items() if v is not None}
            | {"gate_passed": float(gate.passed)}
        )
        if not gate.passed:
            raise GateRefusedError("promotion gate refused the candidate: " + "; ".join(gate.reasons))
        promote(paths["candidate"], paths["model"])
    c = results["candidate"]
    best = max((results[n][key] or 0.0 for n in baselines), default=0.0)
    return (
        f"recall@{top_k} {c[ml_key]:.3f}, MRR {c['mrr']:.3f}, answered correctly {c[key]:.1%} "
        f"(baseline {best:.1%}); promoted version {manifest['version']}"
    )


def load_model(cfg: Config) -> tuple[SearchIndex, pd.DataFrame, dict[str, Any]]:
    """The promoted index, its monitoring reference and its manifest (verified)."""
    bundle, manifest = load_artifact(_paths(cfg)["model"], kind=MODEL_KIND)
    return bundle["index"], bundle["reference"], manifest


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise PipelineError(f"question file not found at {path}; run `make data` first or pass a file")
    try:
        return pd.read_csv(path, dtype={"question": str}, keep_default_na=False, na_values=[])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise PipelineError(f"{path} is not a readable CSV file: {exc}") from exc


def _read_questions(cfg: Config, path: Path) -> pd.DataFrame:
    """A CSV of questions, validated against the API's schema (rejected or quarantined)."""
    frame = _read_csv(path)
    valid, bad = enforce(frame, Question, mode=cfg.data.on_invalid, source=str(path))
    if len(bad):
        write_csv(bad, _paths(cfg)["quarantine"] / path.name)
        print(f"quarantined {len(bad)} invalid row(s) to {_paths(cfg)['quarantine'] / path.name}")
    return valid


def _answer_all(cfg: Config, frame: pd.DataFrame) -> tuple[list[Answer], str]:
    index, _, manifest = load_model(cfg)
    assistant = _assistant(cfg, index)
    top_ks = frame["top_k"].tolist() if "top_k" in frame.columns else [None] * len(frame)
    answers = [
        assistant.ask(str(q), int(k) if k not in (None, "") and not pd.isna(k) else cfg.retrieval.top_k)
        for q, k in zip(frame["question"], top_ks, strict=True)
    ]
    return answers, manifest["version"]


def predict(cfg: Config, input_path: Path | None = None, output_path: Path | None = None) -> str:
    """Answer a CSV of questions (``question`` column, optional ``top_k``) with the promoted index."""
    source = input_path or _paths(cfg)["clean"]
    target = output_path or cfg.paths.reports_dir / "answers.csv"
    frame = _read_questions(cfg, source)
    answers, version = _answer_all(cfg, frame)
    out = pd.DataFrame(
        {
            "question": [a.question for a in answers],
            "answer": [a.text for a in answers],
            "refused": [a.refused for a in answers],
            "citations": [" ".join(c.chunk_id for c in a.citations) for a in answers],
            "top_score": [round(a.top_score, 4) for a in answers],
            "latency_ms": [round(a.latency_ms, 3) for a in answers],
            "model_version": version,
        }
    )
    write_csv(out, target)
    if cfg.queries.log_queries:
        QueryLog(_paths(cfg)["querylog"]).append(
            [record(a, origin="batch", model_version=version) for a in answers]
        )
    return f"answered {len(out):,} questions from {source}: {int(out['refused'].sum()):,} refused -> {target}"


def _batch_profile(cfg: Config, source: Path) -> tuple[pd.DataFrame, float]:
    """Per-question scores for a CSV batch (answered now) or a query log (as recorded)."""
    if source.suffix == ".jsonl":
        if not source.is_file():
            raise PipelineError(f"query log not found at {source}")
        entries = read_log(source)
        if not entries:
            raise PipelineError(f"{source} has no entries")
        frame = pd.DataFrame(entries)
        frame["question_words"] = frame["question"].astype(str).str.split().str.len().astype(float)
        return frame[["top_score", "question_words", "refused", "latency_ms", "cost_usd"]], 0.0
    raw = _read_csv(source)
    missing = float((raw["question"].astype(str).str.strip() == "").mean()) if "question" in raw else 1.0
    answers, _ = _answer_all(cfg, _read_questions(cfg, source))
    return _profile_answers(answers), missing


def monitor(cfg: Config, batch_path: Path | None = None) -> MonitorOutcome:
    """Compare a batch of questions (CSV) or a query log (JSONL) with the evaluation reference."""
    source = batch_path or _paths(cfg)["clean"]
    m, q = cfg.monitoring, cfg.queries
    _, reference, _ = load_model(cfg)
    current, missing = _batch_profile(cfg, source)
    results = drift.compare(
        reference,
        current,
        numeric=["top_score", "question_words"],
        categorical=[],
        psi_warn=m.psi_warn,
        psi_alert=m.psi_alert,
    )
    ref_refusal = float(reference["refused"].mean())
    refusal = float(current["refused"].astype(bool).mean())
    p95 = float(np.percentile(current["latency_ms"].to_numpy(dtype=float), 95))
    cost_1k = float(current["cost_usd"].to_numpy(dtype=float).mean() * 1000)
    checks = [
        {
            "check": "empty questions",
            "value": f"{missing:.2%}",
            "limit": f"{m.max_missing_rate:.2%}",
            "ok": missing <= m.max_missing_rate,
        },
        {
            "check": "refusal rate vs. reference",
            "value": f"{refusal:.1%}",
            "limit": f"{ref_refusal:.1%} ± {q.max_refusal_rate_change:.0%}",
            "ok": abs(refusal - ref_refusal) <= q.max_refusal_rate_change,
        },
        {
            "check": "latency p95 (answering, in process)",
            "value": f"{p95:.1f} ms",
            "limit": f"{q.max_p95_latency_ms:g} ms",
            "ok": p95 <= q.max_p95_latency_ms,
        },
        {
            "check": "cost per 1k questions",
            "value": f"${cost_1k:.4f}",
            "limit": f"${q.max_cost_per_1k_usd:g}",
            "ok": cost_1k <= q.max_cost_per_1k_usd,
        },
    ]
    return conclude(
        m,
        source=source,
        out_dir=cfg.paths.reports_dir / "monitoring",
        drifts=results,
        checks=checks,
        score_feature="top_score",
        score_label="top retrieval score",
        extra={"questions": len(current)},
    )


def small_overrides(project_root: Path) -> dict[str, Any]:
    """Config overrides that make a run take seconds while every step still means something."""
    return {
        "corpus.path": str(project_root / "corpus" / "documents"),
        "evaluation.golden": str(project_root / "corpus" / "golden.jsonl"),
        "data.batch_questions": 200,
        "queries.log_queries": False,
    }
