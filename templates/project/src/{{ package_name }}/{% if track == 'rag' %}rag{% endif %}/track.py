"""The rag track: what the shared lifecycle asks of it, and nothing else.

Data: the corpus folder ingested incrementally into a chunk store, and question batches. Training:
the configured retriever's index (the candidate) and the baseline retriever's. Evaluation: the
golden set, end to end, from retrieval to cited answers and refusals.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.drift import Check
from ..core.results import Evaluation
from ..core.track import Bundle, Command, DataOutcome, MonitorView, Scored, TrainOutcome
from ..io.workspace import Workspace
from ..monitoring.predlog import recorder
from . import data, drafting, golden, routes
from .answering import Answer, Assistant, ExtractiveProvider
from .config import Config
from .corpus import DocumentRecord, all_chunks
from .querylog import Scrubber, features, log_answers, output
from .retrieval import SearchIndex, make_retriever
from .routes import RagService
from .schema import Question


def build_index(
    cfg: Config, kind: str, state: dict[str, DocumentRecord], *, candidate: bool = False
) -> SearchIndex:
    """Fit a retriever of ``kind`` on the ingested chunks; the candidate also refuses questions
    naming what no document mentions when ``retrieval.refuse_unknown_names`` says so."""
    r = cfg.retrieval
    retriever = make_retriever(
        kind,
        k1=r.k1,
        b=r.b,
        dense_model=r.dense_model,
        rrf_k=r.rrf_k,
        fusion=r.fusion,
        char_weight=r.char_weight,
        char_ngrams=r.char_ngrams,
    )
    names = candidate and r.refuse_unknown_names
    return SearchIndex.build(retriever, all_chunks(state), refuse_unknown_names=names)


def _profile(answers: list[Answer]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "support": [a.support for a in answers],
            "top_score": [a.top_score for a in answers],
            "question_words": [float(len(a.question.split())) for a in answers],
            "refused": [a.refused for a in answers],
            "latency_ms": [a.latency_ms for a in answers],
            "cost_usd": [a.cost_usd for a in answers],
        }
    )


class RagTrack:
    """Question answering over documents, with cited answers and refusals."""

    name = "rag"
    model_kind = "rag-index"
    baselines_kind = "rag-baselines"
    libraries = ("bm25s", "sentence-transformers", "torch")
    record_schema = Question
    predictions_file = "answers.csv"
    title = routes.TITLE
    description = routes.DESCRIPTION
    router = routes.router
    load_path = routes.LOAD_PATH
    commands: tuple[Command[Config], ...] = (drafting.COMMAND,)

    def make_data(self, cfg: Config, rows: int | None) -> DataOutcome:
        """Ingest the corpus incrementally, check the golden set, write the monitoring batches."""
        return data.generate(cfg, rows)

    def train(self, cfg: Config) -> TrainOutcome:
        """Index the chunks with the configured retriever (candidate) and the baselines; choose
        each one's refusal threshold on the golden set's calibration split."""
        state = data.load_state(cfg)
        golden_set = data.load_golden(cfg, state)
        started = time.perf_counter()
        candidate = golden.calibrate(
            cfg, build_index(cfg, cfg.retrieval.kind, state, candidate=True), golden_set
        )
        index_seconds = time.perf_counter() - started
        baselines = {
            kind: golden.calibrate(cfg, build_index(cfg, kind, state), golden_set)
            for kind in cfg.evaluation.baselines
            if kind != cfg.retrieval.kind
        }
        # The monitoring reference: the calibration split's questions answered offline (free,
        # whatever the provider) at the threshold just chosen; the test split stays unseen.
        offline = Assistant(candidate, ExtractiveProvider(candidate, cfg.answering.max_sentences))
        questions = [g.question for g in golden_set.split("calibration")] or [
            g.question for g in golden_set.items
        ]
        if not questions:
            questions, _ = data.traffic_questions(cfg, golden_set, state)
        answers = [offline.ask(q, cfg.retrieval.top_k) for q in questions]
        reference = _profile(answers)[["support", "question_words", "refused"]]
        thresholds = ", ".join(f"{i.kind} {i.min_support:.3f}" for i in [candidate, *baselines.values()])
        return TrainOutcome(
            summary=(
                f"indexed {len(candidate.chunks):,} chunks with {cfg.retrieval.kind} in "
                f"{index_seconds:.2f} s, baselines {', '.join(baselines)}; refusal thresholds "
                f"{thresholds} ({candidate.calibration.get('rule', '')})"
            ),
            data_hash=data.fingerprint(state),
            candidate={"index": candidate, "reference": reference},
            baselines={str(kind): index for kind, index in baselines.items()},
            metrics={
                "chunks": float(len(candidate.chunks)),
                "index_seconds": index_seconds,
                "min_support": candidate.min_support,
                "reference_refusal_rate": float(reference["refused"].mean()),
            },
            manifest={"chunks": len(candidate.chunks), "calibration": candidate.calibration},
        )

    def evaluate(self, cfg: Config, candidate: Bundle, baselines: Bundle) -> Evaluation:
        """Every retriever end to end on the golden set: retrieval, cited answers, refusals."""
        return golden.evaluate(cfg, candidate, baselines)

    def score_champion(self, cfg: Config, champion: Bundle) -> list[float]:
        """The champion's outcome per question of the same test split (the gate pairs them)."""
        return golden.champion_score(cfg, champion)

    def _top_ks(self, cfg: Config, frame: pd.DataFrame) -> list[int]:
        raw = frame["top_k"].tolist() if "top_k" in frame.columns else [None] * len(frame)
        return [int(k) if k not in (None, "") and not pd.isna(k) else cfg.retrieval.top_k for k in raw]

    def _answer(self, cfg: Config, index: SearchIndex, frame: pd.DataFrame) -> tuple[list[Answer], list[int]]:
        top_ks = self._top_ks(cfg, frame)
        ask = golden.assistant(cfg, index)
        return [ask.ask(str(q), k) for q, k in zip(frame["question"], top_ks, strict=True)], top_ks

    def predict(self, cfg: Config, model: Bundle, version: str, source: Path) -> Scored:
        """Answer a CSV of questions (``question`` column, optional ``top_k``); log them."""
        answers, top_ks = self._answer(cfg, model["index"], data.read_questions(cfg, source))
        out = pd.DataFrame(
            {
                "question": [a.question for a in answers],
                "answer": [a.text for a in answers],
                "refused": [a.refused for a in answers],
                "citations": [" ".join(c.chunk_id for c in a.citations) for a in answers],
                "top_score": [round(a.top_score, 4) for a in answers],
                "support": [round(a.support, 4) for a in answers],
                "latency_ms": [round(a.latency_ms, 3) for a in answers],
                "model_version": version,
            }
        )
        log = recorder(Workspace.of(cfg).prediction_log, cfg.prediction_log, Question)
        if log is not None:
            scrub = Scrubber(cfg.queries, cfg.prediction_log)
            log_answers(log, answers, top_ks, origin="batch", model_version=version, scrub=scrub)
        return Scored(out, int(out["refused"].sum()), "refused")

    def monitor(self, cfg: Config, model: Bundle, source: Path, logged: pd.DataFrame | None) -> MonitorView:
        """Support and question-length drift, refusals, latency and cost of a batch or logged traffic."""
        m, q = cfg.monitoring, cfg.queries
        reference: pd.DataFrame = model["reference"]
        if logged is None:
            raw = data.read_questions_csv(source)
            missing = (
                float((raw["question"].astype(str).str.strip() == "").mean()) if "question" in raw else 1.0
            )
            answers, _ = self._answer(cfg, model["index"], data.read_questions(cfg, source))
            current = pd.DataFrame(
                [{**features(a), **output(a), "latency_ms": a.latency_ms} for a in answers]
            )
        else:
            current, missing = logged, 0.0
        ref_refusal = float(reference["refused"].mean())
        refusal = float(current["refused"].astype(bool).mean())
        p95 = float(np.percentile(current["latency_ms"].to_numpy(dtype=float), 95))
        cost_1k = float(current["cost_usd"].to_numpy(dtype=float).mean() * 1000)
        return MonitorView(
            reference=reference,
            current=current,
            numeric=["question_words"],
            categorical=[],
            score="support",
            score_label="normalised retrieval support",
            checks=[
                Check(
                    "empty questions",
                    f"{missing:.2%}",
                    f"{m.max_missing_rate:.2%}",
                    missing <= m.max_missing_rate,
                ),
                Check(
                    "refusal rate vs. reference",
                    f"{refusal:.1%}",
                    f"{ref_refusal:.1%} ± {q.max_refusal_rate_change:.0%}",
                    abs(refusal - ref_refusal) <= q.max_refusal_rate_change,
                ),
                Check(
                    "latency p95 (answering, in process)",
                    f"{p95:.1f} ms",
                    f"{q.max_p95_latency_ms:g} ms",
                    p95 <= q.max_p95_latency_ms,
                ),
                Check(
                    "cost per 1k questions",
                    f"${cost_1k:.4f}",
                    f"${q.max_cost_per_1k_usd:g}",
                    cost_1k <= q.max_cost_per_1k_usd,
                ),
            ],
            extra={"questions": len(current)},
        )

    def load_service(self, cfg: Config) -> RagService:
        """The promoted index and the configured provider for the API."""
        return routes.load_service(cfg)

    def sample_requests(self, cfg: Config, n: int) -> list[dict[str, Any]]:
        """Request bodies from the clean monitoring batch."""
        return routes.sample_requests(cfg, n)

    def small_overrides(self, project_root: Path) -> dict[str, Any]:
        """Config overrides that make a run take seconds while every step still means something."""
        return {
            "corpus.path": str(project_root / "corpus" / "documents"),
            "evaluation.golden": str(project_root / "corpus" / "golden.jsonl"),
            "data.batch_questions": 200,
        }


TRACK = RagTrack()
