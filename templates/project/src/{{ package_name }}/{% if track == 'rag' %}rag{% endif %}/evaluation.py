"""Judging answers against the golden set: per-question verdicts and their summary."""

from __future__ import annotations

from typing import Any

from .answering import Answer
from .chunking import Chunk
from .metrics import hit_at_k, mean, ndcg_at_k, overlaps, reciprocal_rank
from .retrieval import Hit
from .schema import GoldenItem

NOT_IN_DOCUMENTS = "not in the documents"
Span = tuple[str, int, int]


def covered(spans: list[Span], source: str, start: int, end: int) -> list[bool]:
    """For each golden passage, whether the span ``source[start:end]`` overlaps it."""
    return [s == source and overlaps(start, end, a, b) for s, a, b in spans]


def judge(
    item: GoldenItem,
    spans: list[Span],
    answer: Answer,
    ranked: list[Hit],
    chunks: list[Chunk],
    ks: list[int],
) -> dict[str, Any]:
    """One question's verdict: retrieval ranks, citation precision, faithfulness and correctness.

    A chunk is relevant when it overlaps one of the golden passages (``spans``). hit@k says
    whether any relevant chunk is in the first k; recall@k is the share of the question's golden
    passages that the first k chunks cover (they differ for multi-passage questions). An answer
    is correct when a sentence that survived the faithfulness check is cited from a relevant chunk
    (and, when its position is known, overlaps a golden passage itself); an unanswerable question
    is handled correctly only by a refusal.
    """
    row: dict[str, Any] = {
        "id": item.id,
        "answerable": item.answerable,
        "multi": item.multi_passage,
        "refused": answer.refused,
        "top_score": answer.top_score,
        "support": answer.support,
        "folder": item.source.split("/", 1)[0] if item.source else NOT_IN_DOCUMENTS,
        "cost_usd": answer.cost_usd,
        "unknown": " ".join(answer.unknown),
    }
    if item.answerable:
        per_hit = [covered(spans, h.chunk.source, h.chunk.start, h.chunk.end) for h in ranked]
        flags = [any(f) for f in per_hit]
        total = sum(any(covered(spans, c.source, c.start, c.end)) for c in chunks)
        row.update({f"hit_at_{k}": hit_at_k(flags, k) for k in ks})
        for k in ks:
            found = [any(f[n] for f in per_hit[:k]) for n in range(len(spans))]
            row[f"recall_at_{k}"] = sum(found) / len(spans)
        row["mrr"] = reciprocal_rank(flags, len(ranked))
        row["ndcg_at_10"] = ndcg_at_k(flags, 10, total)
    if answer.drafted:
        row["faithfulness"] = (answer.drafted - answer.dropped) / answer.drafted
    if answer.refused:
        row["correct"] = not item.answerable
        return row
    row["citation_precision"] = (
        mean([float(any(covered(spans, c.source, c.start, c.end))) for c in answer.citations]) or 0.0
    )
    on_passage = False
    for sentence in answer.sentences:
        if sentence.hit is None:
            continue
        chunk = answer.hits[sentence.hit].chunk
        inside = any(covered(spans, chunk.source, chunk.start, chunk.end))
        exact = (
            sentence.start is None
            or sentence.end is None
            or any(covered(spans, chunk.source, sentence.start, sentence.end))
        )
        on_passage = on_passage or (inside and exact)
    row["correct"] = item.answerable and on_passage
    return row


def summarise(rows: list[dict[str, Any]], ks: list[int]) -> dict[str, float | None]:
    """Golden-set metrics from per-question verdicts (None when a metric has no questions)."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    answered = [r for r in rows if not r["refused"]]
    result: dict[str, float | None] = {}
    for k in ks:
        result[f"hit_at_{k}"] = mean([r[f"hit_at_{k}"] for r in answerable])
        result[f"recall_at_{k}"] = mean([r[f"recall_at_{k}"] for r in answerable])
    result.update(
        {
            "mrr": mean([r["mrr"] for r in answerable]),
            "ndcg_at_10": mean([r["ndcg_at_10"] for r in answerable]),
            "citation_precision": mean([r["citation_precision"] for r in answered]),
            "faithfulness": mean([r["faithfulness"] for r in rows if "faithfulness" in r]),
            "correct_refusal_rate": mean([float(r["refused"]) for r in unanswerable]),
            "false_refusal_rate": mean([float(r["refused"]) for r in answerable]),
            "answered_correctly": mean([float(r["correct"]) for r in rows]),
            "cost_per_1k_usd": (mean([float(r["cost_usd"]) for r in rows]) or 0.0) * 1000 if rows else None,
        }
    )
    return {k: (round(v, 6) if v is not None else None) for k, v in result.items()}
