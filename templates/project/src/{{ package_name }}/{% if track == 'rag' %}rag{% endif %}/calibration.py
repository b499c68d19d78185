"""Choosing a retriever's refusal threshold on the golden set's calibration split.

The rule: among all thresholds, keep those that refuse at most ``max_false_refusals`` of the
calibration split's answerable questions, and take the one with the most correct outcomes (an
answerable question answered with its passage among the retrieved chunks, or an unanswerable one
refused). Ties go to the lower false-refusal rate, then the lower threshold. Candidate thresholds
are 0 and the midpoints between consecutive observed support values, so a threshold never sits
exactly on a calibration question. Questions in ``refused`` (the question names something no
document mentions) are refused whatever the threshold; when they alone refuse more answerable
questions than the rule allows, the threshold refusing the fewest answerable ones is taken (then
the most correct outcomes), and the rule says so.

The calibration split never produces a reported figure: the test split does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise


@dataclass(frozen=True)
class Threshold:
    """A chosen refusal threshold and what it gives on the calibration split."""

    value: float
    rule: str
    questions: int
    answerable: int
    correct: float
    false_refusal_rate: float | None
    correct_refusal_rate: float | None

    def record(self) -> dict[str, float | int | str | None]:
        """As stored in the index and its manifest."""
        return asdict(self)


def choose_threshold(
    support: Sequence[float],
    answerable: Sequence[bool],
    retrieved: Sequence[bool],
    *,
    max_false_refusals: float,
    refused: Sequence[bool] | None = None,
) -> Threshold | None:
    """The threshold the rule picks; None when the split has no answerable question to keep."""
    forced = list(refused) if refused is not None else [False] * len(support)
    rows = list(zip(support, answerable, retrieved, strict=True))
    n_answerable = sum(a for _, a, _ in rows)
    if not n_answerable:
        return None
    values = sorted({round(float(s), 6) for s, _, _ in rows})
    candidates = [0.0] + [(lo + hi) / 2 for lo, hi in pairwise(values)]
    if values:
        candidates.append(values[-1] + 1e-6)
    n_unanswerable = len(rows) - n_answerable
    outcomes = []  # (threshold, correct, false-refusal rate, refused unanswerable)
    for t in candidates:
        answered = [s >= t and not f for (s, _, _), f in zip(rows, forced, strict=True)]
        pairs = list(zip(rows, answered, strict=True))
        frr = sum(a and not ok for (_, a, _), ok in pairs) / n_answerable
        correct = sum((a and ok and r) or (not a and not ok) for (_, a, r), ok in pairs)
        outcomes.append((t, correct, frr, sum(not a and not ok for (_, a, _), ok in pairs)))
    rule = f"most correct outcomes with at most {max_false_refusals:.0%} false refusals"
    allowed = [o for o in outcomes if o[2] <= max_false_refusals + 1e-12]
    if allowed:
        t, correct, frr, refused_unanswerable = max(allowed, key=lambda o: (o[1], -o[2], -o[0]))
    else:
        t, correct, frr, refused_unanswerable = max(outcomes, key=lambda o: (-o[2], o[1], -o[0]))
        rule += (
            " not reachable (questions naming what no document mentions are refused whatever the "
            "threshold): the fewest false refusals instead"
        )
    return Threshold(
        value=round(t, 6),
        rule=rule,
        questions=len(rows),
        answerable=n_answerable,
        correct=round(correct / len(rows), 6),
        false_refusal_rate=round(frr, 6),
        correct_refusal_rate=round(refused_unanswerable / n_unanswerable, 6) if n_unanswerable else None,
    )
