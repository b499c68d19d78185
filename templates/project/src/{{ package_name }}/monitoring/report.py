"""Monitoring verdicts: a Markdown report and a PSI bar chart per run, and the alert when due."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.drift import Check, FeatureDrift
from ..io.figures import figure
from ..io.files import write_json, write_text
from ..settings import MonitoringConfig
from .alerts import send_alert


def plot_psi(drifts: list[FeatureDrift], path: Path, *, warn: float, alert: float) -> None:
    """Horizontal bars of PSI per feature, with the warn and alert thresholds."""
    names = [d.feature for d in drifts][::-1]
    values = [min(d.psi, 5.0) for d in drifts][::-1]
    colors = [
        "#c0392b" if d.status == "drift" else "#e67e22" if d.status == "warn" else "#27ae60" for d in drifts
    ][::-1]
    with figure(path, (7, max(2.5, 0.35 * len(names) + 1))) as ax:
        ax.barh(names, values, color=colors)
        ax.axvline(warn, color="#e67e22", linestyle="--", label=f"warn {warn}")
        ax.axvline(alert, color="#c0392b", linestyle="--", label=f"alert {alert}")
        ax.set_xlabel("population stability index (capped at 5)")
        ax.legend(loc="lower right")


def write_report(
    path: Path,
    *,
    title: str,
    batch: str,
    drifts: list[FeatureDrift],
    checks: list[Check],
    alert: bool,
    reasons: list[str],
    plot: Path,
) -> None:
    """Write the Markdown report next to its chart."""
    rows = "\n".join(
        f"| {d.feature} | {d.kind} | {d.psi:.3f} | {d.p_value:.2g} | {d.status if d.judged else d.note} |"
        for d in drifts
    )
    check_rows = "\n".join(
        f"| {c.check} | {c.value} | {c.limit} | {'ok' if c.ok else 'FAIL'} |" for c in checks
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


@dataclass(frozen=True)
class MonitorOutcome:
    """Result of one monitoring run."""

    alert: bool
    summary: str
    report: Path


def conclude(
    monitoring: MonitoringConfig,
    *,
    source: Path,
    out_dir: Path,
    drifts: list[FeatureDrift],
    checks: list[Check],
    score_feature: str,
    score_label: str,
    extra: dict[str, Any] | None = None,
) -> MonitorOutcome:
    """Turn drift results and data-quality checks into a verdict, a report and, if due, an alert.

    The alert fires when more input features drift than ``max_drifted_features`` allows, when the
    model's own output (``score_feature``) drifts, or when any check fails.
    """
    drifted = [d for d in drifts if d.status == "drift" and d.feature != score_feature]
    score = next(d for d in drifts if d.feature == score_feature)
    reasons = []
    if len(drifted) > monitoring.max_drifted_features:
        reasons.append(
            f"{len(drifted)} input feature(s) drifted (PSI >= {monitoring.psi_alert}): "
            + ", ".join(f"{d.feature} {d.psi:.2f}" for d in drifted)
        )
    if score.status == "drift":
        reasons.append(f"{score_label} distribution drifted (PSI {score.psi:.2f})")
    reasons += [f"{c.check} {c.value} outside {c.limit}" for c in checks if not c.ok]
    alert = bool(reasons)
    plot = out_dir / f"{source.stem}_psi.png"
    plot_psi(drifts, plot, warn=monitoring.psi_warn, alert=monitoring.psi_alert)
    report = out_dir / f"{source.stem}.md"
    write_report(
        report,
        title="Monitoring report",
        batch=str(source),
        drifts=drifts,
        checks=checks,
        alert=alert,
        reasons=reasons,
        plot=plot,
    )
    write_json(
        out_dir / f"{source.stem}.json",
        {
            "alert": alert,
            "reasons": reasons,
            "drift": [d.as_dict() for d in drifts],
            "checks": [c.as_dict() for c in checks],
        }
        | (extra or {}),
    )
    if not alert:
        return MonitorOutcome(
            False, f"no drift in {source}: every check within its threshold (report {report})", report
        )
    where = send_alert(monitoring.alert, {"batch": str(source), "reasons": reasons, "report": str(report)})
    return MonitorOutcome(
        True, f"ALERT for {source}: {'; '.join(reasons)} (alert sent to {where}; report {report})", report
    )


def refuse(monitoring: MonitoringConfig, *, source: Path, out_dir: Path, problem: str) -> Path:
    """Report and alert that a monitored batch could not be judged (unreadable or invalid).

    No drift figure is written: the batch was refused, and the alert says why.
    """
    report = out_dir / f"{source.stem}.md"
    write_text(
        report,
        f"# Monitoring report: REFUSED\n\nBatch: `{source}`\n\nThe batch could not be judged:\n\n"
        f"```\n{problem}\n```\n\nFix the producer of the batch and run `make monitor` again; see "
        "`docs/runbook.md`.\n",
    )
    write_json(out_dir / f"{source.stem}.json", {"alert": True, "refused": True, "reasons": [problem]})
    send_alert(
        monitoring.alert,
        {"batch": str(source), "reasons": [f"batch refused: {problem}"], "report": str(report)},
    )
    return report
