"""The drift report: a Markdown summary and a PSI bar chart, one pair per monitoring run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from ..core.drift import FeatureDrift
from ..io.files import write_text


def plot_psi(drifts: list[FeatureDrift], path: Path, *, warn: float, alert: float) -> None:
    """Horizontal bars of PSI per feature, with the warn and alert thresholds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [d.feature for d in drifts][::-1]
    values = [min(d.psi, 5.0) for d in drifts][::-1]
    colors = [
        "#c0392b" if d.status == "drift" else "#e67e22" if d.status == "warn" else "#27ae60" for d in drifts
    ][::-1]
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.35 * len(names) + 1)))
    ax.barh(names, values, color=colors)
    ax.axvline(warn, color="#e67e22", linestyle="--", label=f"warn {warn}")
    ax.axvline(alert, color="#c0392b", linestyle="--", label=f"alert {alert}")
    ax.set_xlabel("population stability index (capped at 5)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(
    path: Path,
    *,
    title: str,
    batch: str,
    drifts: list[FeatureDrift],
    checks: list[dict[str, Any]],
    alert: bool,
    reasons: list[str],
    plot: Path,
) -> None:
    """Write the Markdown report next to its chart."""
    rows = "\n".join(
        f"| {d.feature} | {d.kind} | {d.psi:.3f} | {d.p_value:.2g} | {d.status} |" for d in drifts
    )
    check_rows = "\n".join(
        f"| {c['check']} | {c['value']} | {c['limit']} | {'ok' if c['ok'] else 'FAIL'} |" for c in checks
    )
    verdict = "ALERT" if alert else "OK"
    why = "\n".join(f"- {reason}" for reason in reasons) or "- every check within its threshold"
    text = f"""# {title}: {verdict}

Batch: `{batch}`

{why}

## Drift (PSI against the training reference)
| Feature | Kind | PSI | p-value | Status |
|---|---|---|---|---|
{rows}

## Data quality
| Check | Value | Limit | Result |
|---|---|---|---|
{check_rows}

![PSI by feature]({plot.name})

See `docs/runbook.md` for what to do when this report says ALERT.
"""
    write_text(path, text)
