"""The golden-set evaluation: every retriever end to end, from retrieval to cited answers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core.results import Evaluation, Metric, ModelInfo, Plot, SliceResult, SystemResult
from ..core.track import Bundle
from . import data, plots
from .answering import Assistant
from .config import Config
from .evaluation import judge, summarise
from .llm import make_provider
from .retrieval import SearchIndex
from .schema import GoldenItem

EVAL_DEPTH = 10
KEY = "answered_correctly"


def assistant(cfg: Config, index: SearchIndex) -> Assistant:
    """The configured provider answering from ``index``, refusing below the index's threshold."""
    return Assistant(index, make_provider(cfg.answering, index), cfg.retrieval.threshold(index.kind))


def evaluate_index(
    cfg: Config, index: SearchIndex, golden: list[GoldenItem], spans: dict[str, tuple[int, int]]
) -> tuple[dict[str, float | None], list[dict[str, Any]]]:
    """Retrieval and answer metrics of one index on the golden set, and per-question rows."""
    ask = assistant(cfg, index)
    ks = sorted({*cfg.evaluation.ks, cfg.retrieval.top_k})
    depth = max(EVAL_DEPTH, *ks)
    rows = []
    for item in golden:
        answer = ask.ask(item.question, cfg.retrieval.top_k)
        ranked = index.search(item.question, depth).hits if item.answerable else []
        rows.append(judge(item, spans.get(item.id), answer, ranked, index.chunks, ks))
    return summarise(rows, ks), rows


def _slices(rows: pd.DataFrame, ml_key: str) -> list[SliceResult]:
    slices = []
    for value, group in rows.groupby("folder", sort=True):
        answerable = group[group["answerable"]]
        slices.append(
            SliceResult(
                by="document folder",
                value=str(value),
                rows=len(group),
                positives=len(answerable),
                metrics={
                    ml_key: float(answerable[ml_key].mean()) if len(answerable) else None,
                    KEY: float(group["correct"].mean()),
                },
            )
        )
    return slices


def evaluate(cfg: Config, candidate: Bundle, baselines: Bundle) -> Evaluation:
    """Every retriever end to end on the golden set: retrieval, cited answers, refusals."""
    state = data.load_state(cfg)
    golden = data.read_golden(cfg)
    spans = data.passage_spans(cfg, golden, state)
    index: SearchIndex = candidate["index"]
    systems: dict[str, SearchIndex] = {"candidate": index, **baselines}
    results, rows = {}, {}
    for name, system in systems.items():
        results[name], rows[name] = evaluate_index(cfg, system, golden, spans)
    top_k, reports = cfg.retrieval.top_k, cfg.paths.reports_dir
    ml_key = f"recall_at_{top_k}"
    frame = pd.DataFrame(rows["candidate"])
    ks = sorted({*cfg.evaluation.ks, top_k})
    labels = {"candidate": f"{index.kind} (candidate)"}
    plots.recall_by_k(
        {labels.get(n, n): {k: results[n][f"recall_at_{k}"] or 0.0 for k in ks} for n in systems},
        reports / "recall_at_k.png",
    )
    scores = np.array([r["top_score"] for r in rows["candidate"]])
    answerable = frame["answerable"].to_numpy(dtype=bool)
    threshold = cfg.retrieval.threshold(index.kind)
    plots.support_scores(scores[answerable], scores[~answerable], threshold, reports / "support_scores.png")
    thresholds = ", ".join(f"{i.kind} {cfg.retrieval.threshold(i.kind):g}" for i in systems.values())
    n_answerable = int(answerable.sum())
    return Evaluation(
        model=ModelInfo(
            kind=index.kind,
            params={
                "k1": cfg.retrieval.k1,
                "b": cfg.retrieval.b,
                "top_k": top_k,
                "min_support": threshold,
                "chunk_size": cfg.corpus.chunk_size,
                "chunk_overlap": cfg.corpus.chunk_overlap,
                "provider": cfg.answering.provider,
            },
        ),
        data_sha256=data.fingerprint(state),
        ml_metric=Metric(key=ml_key, label=f"Recall@{top_k}"),
        business_metric=Metric(
            key=KEY, label="Answered correctly with support (or rightly refused)", format="pct"
        ),
        extra_metrics=[
            Metric(key="mrr", label="MRR@10"),
            Metric(key="ndcg_at_10", label="nDCG@10"),
            Metric(key="citation_precision", label="Citation precision", format="pct"),
            Metric(key="support_rate", label="Supported sentences", format="pct"),
            Metric(key="correct_refusal_rate", label="Correct refusals", format="pct"),
        ],
        systems=[
            SystemResult(
                name=labels.get(n, f"{n} (baseline)"),
                role="candidate" if n == "candidate" else "baseline",
                metrics=results[n],
            )
            for n in systems
        ],
        slices=_slices(frame, ml_key),
        plots=[
            Plot(path=f"{reports.name}/recall_at_k.png", title="Recall@k"),
            Plot(
                path=f"{reports.name}/support_scores.png",
                title="Top retrieval score and the refusal threshold",
            ),
        ],
        notes=[
            "Recall@k: share of answerable questions whose answer passage is in one of the first k "
            f"chunks; MRR and nDCG over the first {EVAL_DEPTH}.",
            "A question counts as answered correctly when a cited sentence comes from the answer "
            "passage and every sentence is found in the chunk it cites; an unanswerable one when "
            "the assistant refuses.",
            f"Answers come from the '{cfg.answering.provider}' provider; each retriever refuses "
            f"below its own support threshold ({thresholds}).",
        ],
        evaluation_data={
            "Golden set": f"{cfg.evaluation.golden} ({n_answerable} answerable, "
            f"{len(golden) - n_answerable} not answerable from the documents)",
            "Corpus": f"{len(state)} documents, {len(index.chunks)} chunks",
            "Corpus sha256": data.fingerprint(state),
        },
    )


def champion_score(cfg: Config, champion: Bundle) -> float:
    """The champion's share answered correctly on the same golden set."""
    state = data.load_state(cfg)
    golden = data.read_golden(cfg)
    metrics, _ = evaluate_index(cfg, champion["index"], golden, data.passage_spans(cfg, golden, state))
    return metrics[KEY] or 0.0
