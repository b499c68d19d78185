"""The promotion gate: a candidate is promoted only when it beats what we already have.

Two ways of comparing, chosen by what the track's evaluation supplies:

- **Point comparison** (no per-unit values): the candidate's business metric must exceed the best
  baseline's by ``min_improvement`` and reach the champion's plus ``champion_margin``.
- **Paired bootstrap** (the evaluation carries the business metric per evaluation unit, such as a
  question or a customer, for the candidate and a baseline or the champion): the units are
  resampled with replacement ``resamples`` times, seeded, and the mean difference
  candidate - other is recomputed on each resample. The gate passes a baseline only when the lower
  end of the ``confidence`` interval of that difference exceeds the required margin
  (``min_improvement`` times the baseline's score): an interval that reaches down to the margin
  says "not shown better", and the candidate is refused. Against the champion the candidate must
  at least match it (point difference >= 0) when ``champion_margin`` is 0, and be shown better by
  the margin (lower bound above it) when the margin is positive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


def _show(value: float) -> str:
    """A score as people read it: thousands separated, small values to four digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


@dataclass(frozen=True)
class Comparison:
    """The paired bootstrap interval of candidate - ``versus`` and whether it clears ``required``."""

    versus: str
    role: str
    difference: float
    low: float
    high: float
    required: float
    confidence: float
    resamples: int
    units: int
    passed: bool


@dataclass(frozen=True)
class GateDecision:
    """Whether the candidate may replace the champion, and why."""

    passed: bool
    reasons: list[str] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)


def paired_bootstrap(
    candidate: Sequence[float], other: Sequence[float], *, resamples: int, confidence: float, seed: int
) -> tuple[float, float, float]:
    """Mean of ``candidate - other`` over paired units and its percentile bootstrap interval."""
    a = np.asarray(candidate, dtype=float)
    b = np.asarray(other, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f"paired units differ: {a.size} for the candidate, {b.size} for the other system")
    diff = a - b
    rng = np.random.default_rng(seed)
    # Resampled in blocks of about a million draws, so memory stays bounded for any number of units.
    block = max(1, 1_000_000 // diff.size)
    means = np.concatenate(
        [
            diff[rng.integers(0, diff.size, size=(min(block, resamples - start), diff.size))].mean(axis=1)
            for start in range(0, resamples, block)
        ]
    )
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(diff.mean()), float(low), float(high)


def _interval(c: Comparison) -> str:
    return (
        f"difference {c.difference:+.4g}, {c.confidence:.0%} CI [{c.low:+.4g}, {c.high:+.4g}] over "
        f"{c.units:,} paired units"
    )


def promotion_gate(
    candidate: float,
    baselines: dict[str, float],
    *,
    min_improvement: float,
    champion: float | None = None,
    champion_margin: float = 0.0,
    metric: str = "score",
    candidate_units: Sequence[float] | None = None,
    baseline_units: Mapping[str, Sequence[float]] | None = None,
    champion_units: Sequence[float] | None = None,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    versus_baselines: str = "beat",
) -> GateDecision:
    """Check ``candidate`` (higher is better) against the baselines and the champion.

    Without per-unit values: the candidate must exceed the best baseline by ``min_improvement``
    and reach the champion's score plus ``champion_margin`` (both margins relative to the size of
    the score they improve). With ``candidate_units`` and a system's units: the paired bootstrap
    rule of the module docstring, for that system.
    """
    reasons: list[str] = []
    comparisons: list[Comparison] = []
    passed = True
    units = baseline_units or {}
    paired = candidate_units is not None and all(name in units for name in baselines)
    if paired and candidate_units is not None:
        for name, score in sorted(baselines.items(), key=lambda item: -item[1]):
            margin = abs(score) * min_improvement
            required = margin if versus_baselines == "beat" else -margin
            diff, low, high = paired_bootstrap(
                candidate_units, units[name], resamples=resamples, confidence=confidence, seed=seed
            )
            ok = low > required if versus_baselines == "beat" else high >= required
            c = Comparison(
                name, "baseline", diff, low, high, required, confidence, resamples, len(candidate_units), ok
            )
            comparisons.append(c)
            if ok:
                verb = "beats" if versus_baselines == "beat" else "is not shown worse than"
                bound = "lower bound above" if versus_baselines == "beat" else "upper bound at or above"
                reasons.append(
                    f"{metric} {_show(candidate)} {verb} baseline '{name}' ({_show(score)}): {_interval(c)}, "
                    f"{bound} the required {required:+.4g} (gate.versus_baselines: {versus_baselines})"
                )
            else:
                passed = False
                rule = (
                    f"the lower bound must exceed {required:+.4g}"
                    if versus_baselines == "beat"
                    else f"the upper bound must reach {required:+.4g}"
                )
                reasons.append(
                    f"{metric} {_show(candidate)} does not beat baseline '{name}' ({_show(score)}) by "
                    f"{min_improvement:.0%}: {_interval(c)}; {rule} "
                    f"(gate.versus_baselines: {versus_baselines})"
                )
    else:
        best_name, best = max(baselines.items(), key=lambda item: item[1])
        required_score = best + abs(best) * min_improvement
        if candidate > required_score or (best == 0 and candidate > 0 and min_improvement == 0):
            reasons.append(
                f"{metric} {_show(candidate)} beats baseline '{best_name}' ({_show(best)}) by the margin"
            )
        else:
            passed = False
            reasons.append(
                f"{metric} {_show(candidate)} does not beat baseline '{best_name}' ({_show(best)}) "
                f"by {min_improvement:.0%} (needs > {_show(required_score)})"
            )
    if champion is not None:
        floor = champion + abs(champion) * champion_margin
        if candidate_units is not None and champion_units is not None:
            required = abs(champion) * champion_margin
            diff, low, high = paired_bootstrap(
                candidate_units, champion_units, resamples=resamples, confidence=confidence, seed=seed
            )
            ok = low > required if champion_margin > 0 else diff >= 0
            c = Comparison(
                "champion",
                "champion",
                diff,
                low,
                high,
                required,
                confidence,
                resamples,
                len(candidate_units),
                ok,
            )
            comparisons.append(c)
            rule = f"lower bound above {required:+.4g}" if champion_margin > 0 else "at least a match"
            if ok:
                reasons.append(
                    f"{metric} {_show(candidate)} reaches the champion's bar ({rule}): {_interval(c)}"
                )
            else:
                passed = False
                reasons.append(
                    f"{metric} {_show(candidate)} does not reach the champion's bar ({rule}; champion "
                    f"{_show(champion)}): {_interval(c)}"
                )
        elif candidate >= floor:
            reasons.append(f"{metric} {_show(candidate)} reaches the champion's bar ({_show(floor)})")
        else:
            passed = False
            reasons.append(
                f"{metric} {_show(candidate)} does not reach the champion's bar ({_show(floor)}: "
                f"champion {_show(champion)} + {champion_margin:.0%})"
            )
    return GateDecision(passed, reasons, comparisons)
