"""The golden-set evaluation: every retriever end to end, from retrieval to cited answers.

Thresholds are calibrated on the calibration split when the index is built (``calibrate``); the
reported figures, the per-question scores the gate resamples, and the champion's score all come
from the test split.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pandas as pd

from ..core.results import Evaluation, Metric, ModelInfo, Plot, SliceResult, SystemResult
from ..core.track import Bundle, ChampionScores
from . import data, plots
from .answering import Answer, Assistant
from .calibration import choose_threshold
from .config import Config
from .data import Golden
from .evaluation import covered, judge, summarise
from .llm import make_provider
from .retrieval import SearchIndex
from .schema import GoldenItem

_log = logging.getLogger(__name__)
EVAL_DEPTH = 10
KEY = "answered_correctly"


def assistant(cfg: Config, index: SearchIndex, min_support: float | None = None) -> Assistant:
    """The configured provider answering from ``index``, refusing below the index's threshold
    (or ``min_support``)."""
    return Assistant(index, make_provider(cfg.answering, index), min_support)


def calibrate(cfg: Config, index: SearchIndex, golden: Golden) -> SearchIndex:
    """Set the index's refusal threshold from the calibration split (see ``calibration``).

    A fixed ``retrieval.min_support`` for the kind wins. Without answerable calibration questions
    the configured fallback is used; without unanswerable ones, the fallback capped so that at
    most ``max_false_refusals`` of the answerable ones are refused.
    """
    r = cfg.retrieval
    if index.kind in r.min_support:
        fixed = r.min_support[index.kind]
        return index.calibrated(fixed, {"rule": "fixed by retrieval.min_support"})
    items = golden.split("calibration")
    support, answerable, retrieved, named = [], [], [], []
    for item in items:
        ranked = index.search(item.question, r.top_k)
        support.append(ranked.support)
        named.append(bool(ranked.unknown))
        answerable.append(item.answerable)
        spans = golden.spans.get(item.id, [])
        found = [any(covered(spans, h.chunk.source, h.chunk.start, h.chunk.end)) for h in ranked.hits]
        retrieved.append(any(found))
    fallback = r.fallback(index.kind)
    chosen = choose_threshold(
        support, answerable, retrieved, max_false_refusals=r.max_false_refusals, refused=named
    )
    if chosen is None:
        rule = "fallback (retrieval.default_support): no answerable calibration questions"
        return index.calibrated(fallback, {"rule": rule})
    if all(answerable):
        kept = sorted(s for s, a, n in zip(support, answerable, named, strict=True) if a and not n) or [0.0]
        cap = kept[int(np.floor(r.max_false_refusals * len(kept)))]
        value = round(min(fallback, cap), 6)
        return index.calibrated(
            value,
            {
                "rule": "fallback (retrieval.default_support) capped at the "
                f"{r.max_false_refusals:.0%} false-refusal point: no unanswerable calibration questions",
                "questions": len(items),
            },
        )
    return index.calibrated(chosen.value, chosen.record())


def evaluate_index(
    cfg: Config,
    index: SearchIndex,
    items: list[GoldenItem],
    golden: Golden,
    min_support: float | None = None,
) -> tuple[dict[str, float | None], list[dict[str, Any]], list[Answer]]:
    """Retrieval and answer metrics of one index on ``items``, per-question rows and answers."""
    ask = assistant(cfg, index, min_support)
    ks = sorted({*cfg.evaluation.ks, cfg.retrieval.top_k})
    depth = max(EVAL_DEPTH, *ks)
    rows, answers = [], []
    for item in items:
        answer = ask.ask(item.question, cfg.retrieval.top_k)
        ranked = index.search(item.question, depth).hits if item.answerable else []
        rows.append(judge(item, golden.spans.get(item.id, []), answer, ranked, index.chunks, ks))
        answers.append(answer)
    return summarise(rows, ks), rows, answers


def _slices(rows: pd.DataFrame, ml_key: str, top_k: int) -> list[SliceResult]:
    slices: list[SliceResult] = []
    if rows.empty:
        return slices
    groups: list[tuple[str, str, pd.DataFrame]] = [
        ("document folder", str(value), group) for value, group in rows.groupby("folder", sort=True)
    ]
    answerable = rows[rows["answerable"]]
    for name, flag in (("single passage", False), ("multi-passage", True)):
        part = answerable[answerable["multi"] == flag]
        if len(part):
            groups.append(("question type", name, part))
    for by, value, group in groups:
        found = group[group["answerable"]]
        metrics: dict[str, float | None] = {
            ml_key: float(found[ml_key].mean()) if len(found) else None,
            KEY: float(group["correct"].mean()),
        }
        if by == "question type":
            metrics[f"recall_at_{top_k}"] = float(found[f"recall_at_{top_k}"].mean())
        slices.append(SliceResult(by=by, value=value, rows=len(group), positives=len(found), metrics=metrics))
    return slices


def _label(name: str, index: SearchIndex) -> str:
    return f"{index.kind} (candidate)" if name == "candidate" else f"{name} (baseline)"


def evaluate(cfg: Config, candidate: Bundle, baselines: Bundle) -> Evaluation:
    """Every retriever end to end on the test split: retrieval, cited answers, refusals."""
    state = data.load_state(cfg)
    golden = data.load_golden(cfg, state)
    test = golden.split("test")
    index: SearchIndex = candidate["index"]
    systems: dict[str, SearchIndex] = {"candidate": index, **baselines}
    results, rows = {}, {}
    started = time.perf_counter()
    for name, system in systems.items():
        results[name], rows[name], _ = evaluate_index(cfg, system, test, golden)
    seconds = time.perf_counter() - started
    top_k, reports = cfg.retrieval.top_k, cfg.paths.reports_dir
    ml_key = f"hit_at_{top_k}"
    frame = pd.DataFrame(rows["candidate"])
    ks = sorted({*cfg.evaluation.ks, top_k})
    plots.hit_by_k(
        {_label(n, s): {k: results[n][f"hit_at_{k}"] or 0.0 for k in ks} for n, s in systems.items()},
        reports / "hit_at_k.png",
    )
    scores = np.array([r["support"] for r in rows["candidate"]], dtype=float)
    answerable = frame["answerable"].to_numpy(dtype=bool) if len(frame) else np.zeros(0, dtype=bool)
    plots.support_scores(
        scores[answerable], scores[~answerable], index.min_support, reports / "support_scores.png"
    )
    thresholds = "; ".join(
        f"{s.kind} {s.min_support:.3f} ({s.calibration.get('rule', 'not recorded')})"
        for s in systems.values()
    )
    n_answerable = int(answerable.sum())
    multi = int(frame["multi"].sum()) if len(frame) else 0
    calibration = golden.split("calibration")
    labels = {n: _label(n, s) for n, s in systems.items()}
    return Evaluation(
        model=ModelInfo(
            kind=index.kind,
            params={
                "k1": cfg.retrieval.k1,
                "b": cfg.retrieval.b,
                **(
                    {
                        "fusion": cfg.retrieval.fusion,
                        "char_weight": cfg.retrieval.char_weight,
                        "char_ngrams": "-".join(map(str, cfg.retrieval.char_ngrams)),
                    }
                    if index.kind == "fusion"
                    else {}
                ),
                "refuse_unknown_names": index.refuse_unknown_names,
                "top_k": top_k,
                "min_support": index.min_support,
                "chunk_size": cfg.corpus.chunk_size,
                "chunk_overlap": cfg.corpus.chunk_overlap,
                "provider": cfg.answering.provider,
                "tokenizer": "shared (stemmed, stopwords dropped)",
            },
        ),
        data_sha256=data.fingerprint(state),
        ml_metric=Metric(key=ml_key, label=f"Hit@{top_k}"),
        business_metric=Metric(
            key=KEY, label="Answered correctly with support (or rightly refused)", format="pct"
        ),
        extra_metrics=[
            Metric(key="hit_at_1", label="Hit@1"),
            Metric(key=f"recall_at_{top_k}", label=f"Recall@{top_k}"),
            Metric(key="mrr", label="MRR@10"),
            Metric(key="ndcg_at_10", label="nDCG@10"),
            Metric(key="citation_precision", label="Citation precision", format="pct"),
            Metric(key="faithfulness", label="Faithful sentences (before the check)", format="pct"),
            Metric(key="correct_refusal_rate", label="Correct refusals", format="pct"),
            Metric(key="false_refusal_rate", label="False refusals", format="pct"),
            Metric(key="cost_per_1k_usd", label="Cost per 1k questions (USD)"),
        ],
        systems=[
            SystemResult(
                name=labels[n], role="candidate" if n == "candidate" else "baseline", metrics=results[n]
            )
            for n in systems
        ],
        slices=_slices(frame, ml_key, top_k),
        plots=[
            Plot(path=f"{reports.name}/hit_at_k.png", title="Hit@k"),
            Plot(
                path=f"{reports.name}/support_scores.png",
                title="Normalised support and the refusal threshold",
            ),
        ],
        notes=[
            "Every figure is from the test split; refusal thresholds were chosen on the calibration "
            f"split only ({len(calibration)} questions), by the rule in retrieval.max_false_refusals.",
            f"Hit@k: share of answerable questions with a golden passage in the first k chunks; "
            f"Recall@k: share of each question's golden passages covered by the first k chunks "
            f"(they differ on the {multi} multi-passage questions); MRR and nDCG over the first "
            f"{EVAL_DEPTH}.",
            "A question counts as answered correctly when a cited sentence comes from a golden "
            "passage; an unanswerable one when the assistant refuses. Sentences without a valid "
            "citation or unsupported by the chunk they cite are dropped before scoring; "
            "'Faithful sentences' is the share the provider wrote that passed that check (quoted "
            "verbatim by the extractive provider, so 100% there by construction: it has no floor).",
            "TF-IDF baselines: 'tfidf' uses the same tokenizer as BM25 (stemmed, stopwords dropped), "
            "'tfidf-sklearn' scikit-learn's default word pattern. 'fusion' adds BM25 over words and "
            "TF-IDF over character n-grams, each divided by its best score for the question.",
            "Support: each baseline refuses on its retriever's normalised support alone"
            + (
                "; the candidate also gives support 0 to a question that names something no "
                f"document mentions (retrieval.refuse_unknown_names), which refused "
                f"{sum(bool(r.get('unknown')) for r in rows['candidate'])} of the {len(test)} test "
                "questions."
                if index.refuse_unknown_names
                else "; so does the candidate."
            ),
            f"Answers come from the '{cfg.answering.provider}' provider; each retriever refuses below "
            f"its own normalised support threshold: {thresholds}.",
            f"Evaluating {len(test)} questions with {len(systems)} systems took {seconds:.2f} s.",
        ],
        evaluation_data={
            "Golden set": f"{golden.path}: test split {len(test)} questions ({n_answerable} answerable, "
            f"{multi} of them multi-passage; {len(test) - n_answerable} not answerable from the documents)",
            "Calibration split": f"{len(calibration)} questions (thresholds only, never reported)",
            "Corpus": f"{len(state)} documents, {len(index.chunks)} chunks",
            "Corpus sha256": data.fingerprint(state),
        },
        unit_scores={labels[n]: [float(r["correct"]) for r in rows[n]] for n in systems},
        provisional=golden.provisional(),
    )


def champion_score(cfg: Config, champion: Bundle) -> ChampionScores:
    """The champion's per-question outcome (1 correct, 0 not) on the same test split.

    An index saved by an earlier release carries no calibrated threshold: it is scored with the
    configured fallback for its kind (``retrieval.default_support``), and ``notes`` says so,
    rather than the gate failing closed for that reason alone.
    """
    state = data.load_state(cfg)
    golden = data.load_golden(cfg, state)
    index: SearchIndex = champion["index"]
    threshold: float | None = None
    notes: list[str] = []
    if not index.calibrated_here:
        threshold = cfg.retrieval.fallback(index.kind)
        notes.append(
            f"the champion's {index.kind} index was saved without a calibrated refusal threshold (an "
            f"earlier release); it was scored with the fallback {threshold:g} "
            "(retrieval.default_support)"
        )
        _log.warning("%s", notes[-1])
    _, rows, _ = evaluate_index(cfg, index, golden.split("test"), golden, threshold)
    return ChampionScores([float(r["correct"]) for r in rows], notes)
