"""The audit report for people (a plain-text table) and for machines (JSON-ready data)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlscaffold._audit.results import AuditReport, Check


def format_report(report: AuditReport) -> str:
    """The report as a plain-text table: check, result and evidence, then each failure's fix.

    Args:
        report: The audit to print.

    Returns:
        The table, the audited path above it and the score below, without a final newline.
    """
    width = max((len(check.title) for check in report.checks), default=5)
    lines = [f"Audit of {report.path}", "", f"{'Check':<{width}}  Result  Evidence"]
    lines.append(f"{'-' * width}  ------  {'-' * 8}")
    for check in report.checks:
        result = "pass" if check.passed else "FAIL"
        lines.append(f"{check.title:<{width}}  {result:<6}  {check.evidence}")
        if not check.passed:
            lines.append(f"{'':<{width}}          fix: {check.fix}")
    lines += ["", f"Score: {report.score:g}/100 ({report.passed} of {report.total} checks passed)"]
    return "\n".join(lines)


def check_to_dict(check: Check) -> dict[str, Any]:
    """One check's result as JSON-ready data.

    Args:
        check: The result.

    Returns:
        Its id, title, category, passed, evidence, fix and weight, in that order.
    """
    return {
        "id": check.id,
        "title": check.title,
        "category": check.category,
        "passed": check.passed,
        "evidence": check.evidence,
        "fix": check.fix,
        "weight": check.weight,
    }


def report_to_dict(report: AuditReport) -> dict[str, Any]:
    """The report as JSON-ready data.

    Args:
        report: The audit.

    Returns:
        The audited path, score, passed, total and every check, in that order.
    """
    return {
        "path": str(report.path),
        "score": report.score,
        "passed": report.passed,
        "total": report.total,
        "checks": [check_to_dict(check) for check in report.checks],
    }
