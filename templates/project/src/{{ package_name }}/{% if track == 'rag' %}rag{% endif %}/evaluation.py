"""Judging answers against the golden set: per-question verdicts and their summary."""

from __future__ import annotations

from typing import Any

from .answering import Answer, is_supported
from .chunking import Chunk
from .metrics import hit_at_k, mean, ndcg_at_k, overlaps, reciprocal_rank
from .retrieval import Hit
from .schema import GoldenItem

NOT_IN_DOCUMENTS = "not in the documents"


def judge(
    item: GoldenItem,
    span: tuple[int, int] | None,
    answer: Answer,
    ranked: list[Hit],
    chunks: list[Chunk],
    ks: list[int],
) -> dict[str, Any]:
    """One question's verdict: retrieval ranks, citation precision, support and correctness.

    A chunk is relevant when it comes from the golden source and overlaps the golden passage
    (``span``). An answer is correct when some sentence is cited from a relevant chunk (and, when
    its position is known, overlaps the passage itself) and every sentence is supported; an
    unanswerable question is handled correctly only by a refusal.
    """

    def relevant(source: str, start: int, end: int) -> bool:
        return span is not None and source == item.source and overlaps(start, end, *span)

    row: dict[str, Any] = {
        "id": item.id,
        "answerable": item.answerable,
        "refused": answer.refused,
        "top_score": answer.top_score,
        "folder": item.source.split("/", 1)[0] if item.source else NOT_IN_DOCUMENTS,
    }
    if item.answerable:
        flags = [relevant(h.chunk.source, h.chunk.start, h.chunk.end) for h in ranked]
        total = sum(relevant(c.source, c.start, c.end) for c in chunks)
        row.update({f"recall_at_{k}": hit_at_k(flags, k) for k in ks})
        row["mrr"] = reciprocal_rank(flags, len(ranked))
        row["ndcg_at_10"] = ndcg_at_k(flags, 10, total)
    if answer.refused:
        row["correct"] = not item.answerable
        return row
    row["citation_precision"] = mean([float(c.source == item.source) for c in answer.citations]) or 0.0
    supported = [is_supported(s, answer.hits) for s in answer.sentences]
    row["supported"] = bool(supported) and all(supported)
    row["support_share"] = mean([float(s) for s in supported]) or 0.0
    on_passage = False
    for sentence in answer.sentences:
        if sentence.hit is None:
            continue
        chunk = answer.hits[sentence.hit].chunk
        exact = (
            sentence.start is None
            or sentence.end is None
            or relevant(chunk.source, sentence.start, sentence.end)
        )
        on_passage = on_passage or (relevant(chunk.source, chunk.start, chunk.end) and exact)
    row["correct"] = item.answerable and on_passage and row["supported"]
    return row


def summarise(rows: list[dict[str, Any]], ks: list[int]) -> dict[str, float | None]:
    """Golden-set metrics from per-question verdicts (None when a metric has no questions)."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    answered = [r for r in rows if not r["refused"]]
    result: dict[str, float | None] = {
        f"recall_at_{k}": mean([r[f"recall_at_{k}"] for r in answerable]) for k in ks
    }
    result.update(
        {
            "mrr": mean([r["mrr"] for r in answerable]),
            "ndcg_at_10": mean([r["ndcg_at_10"] for r in answerable]),
            "citation_precision": mean([r["citation_precision"] for r in answered]),
            "support_rate": mean([r["support_share"] for r in answered]),
            "correct_refusal_rate": mean([float(r["refused"]) for r in unanswerable]),
            "false_refusal_rate": mean([float(r["refused"]) for r in answerable]),
            "answered_correctly": mean([float(r["correct"]) for r in rows]),
        }
    )
    return {k: (round(v, 6) if v is not None else None) for k, v in result.items()}
