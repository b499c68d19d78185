"""The promotion gate: a candidate is promoted only when it beats what we already have."""

from __future__ import annotations

from dataclasses import dataclass, field


def _show(value: float) -> str:
    """A score as people read it: thousands separated, small values to four digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


@dataclass(frozen=True)
class GateDecision:
    """Whether the candidate may replace the champion, and why."""

    passed: bool
    reasons: list[str] = field(default_factory=list)


def promotion_gate(
    candidate: float,
    baselines: dict[str, float],
    *,
    min_improvement: float,
    champion: float | None = None,
    champion_margin: float = 0.0,
    metric: str = "score",
) -> GateDecision:
    """Check ``candidate`` (higher is better) against the best baseline and the champion.

    The candidate must exceed the best baseline by ``min_improvement`` and reach the champion's
    score plus ``champion_margin`` (both margins relative to the size of the score they improve).
    """
    reasons = []
    passed = True
    best_name, best = max(baselines.items(), key=lambda item: item[1])
    required = best + abs(best) * min_improvement
    if candidate > required or (best == 0 and candidate > 0 and min_improvement == 0):
        reasons.append(
            f"{metric} {_show(candidate)} beats baseline '{best_name}' ({_show(best)}) by the margin"
        )
    else:
        passed = False
        reasons.append(
            f"{metric} {_show(candidate)} does not beat baseline '{best_name}' ({_show(best)}) "
            f"by {min_improvement:.0%} (needs > {_show(required)})"
        )
    if champion is not None:
        floor = champion + abs(champion) * champion_margin
        if candidate >= floor:
            reasons.append(f"{metric} {_show(candidate)} reaches the champion's bar ({_show(floor)})")
        else:
            passed = False
            reasons.append(
                f"{metric} {_show(candidate)} does not reach the champion's bar ({_show(floor)}: "
                f"champion {_show(champion)} + {champion_margin:.0%})"
            )
    return GateDecision(passed, reasons)
