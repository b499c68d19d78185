"""Retrieval and answer metrics on a golden set (pure functions of ranked relevance flags)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def recall_at_k(relevant: Sequence[bool], k: int, total_relevant: int = 1) -> float:
    """Share of the relevant items found in the first ``k`` results."""
    if total_relevant <= 0:
        return 0.0
    return min(1.0, sum(relevant[:k]) / total_relevant)


def hit_at_k(relevant: Sequence[bool], k: int) -> float:
    """1 when any of the first ``k`` results is relevant."""
    return 1.0 if any(relevant[:k]) else 0.0


def reciprocal_rank(relevant: Sequence[bool], k: int = 10) -> float:
    """1 / rank of the first relevant result within ``k`` (0 when none)."""
    for rank, flag in enumerate(relevant[:k], start=1):
        if flag:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(relevant: Sequence[bool], k: int, total_relevant: int) -> float:
    """Normalised discounted cumulative gain with binary relevance."""
    dcg = sum(1.0 / math.log2(rank + 1) for rank, flag in enumerate(relevant[:k], start=1) if flag)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, total_relevant) + 1))
    return dcg / ideal if ideal > 0 else 0.0


def mean(values: Sequence[float]) -> float | None:
    """Arithmetic mean, or None for an empty sequence (reported as n/a)."""
    return sum(values) / len(values) if values else None


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Whether two half-open character spans share at least one character."""
    return a_start < b_end and b_start < a_end
