"""The audit report: a plain-text table, Markdown, SARIF 2.1.0, and JSON-ready data.

The table is for people at a terminal, Markdown for a pull-request comment, SARIF for code
scanning (GitHub shows each failed check inline, at its file and line), JSON for CI and badges.
Each lists our score and the ML Test Score side by side, and the files left unread.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlscaffold._audit.rubric import LABEL, SECTIONS

if TYPE_CHECKING:
    from mlscaffold._audit.results import AuditReport, Check
    from mlscaffold._audit.rubric import RubricScore

FORMATS = ("table", "json", "markdown", "sarif")
"""The output formats of ``mlscaffold audit --format``."""

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
"""The SARIF 2.1.0 schema the SARIF output declares."""

TOOL_URI = "https://github.com/mlscaffold/mlscaffold/blob/main/docs/audit.md"
"""Where the checks are documented, named in the SARIF output."""

_WHERE = re.compile(r"(?<![\w./-])((?:[\w.@+-]+/)*[\w.@+-]+\.?[\w-]*):(\d+)\b")

_STATUS = {"automated": "automated", "manual": "manual", "missing": "MISSING"}


def location(report: AuditReport, check: Check) -> tuple[str, int]:
    """The file and line a check's evidence names first, else the README (or ``.``) at line 1.

    Args:
        report: The audit, for its root folder.
        check: The check.

    Returns:
        A path relative to the root, and a line number from 1.
    """
    for match in _WHERE.finditer(check.evidence):
        path, line = match.group(1), int(match.group(2))
        if (report.path / path).is_file():
            return path, max(line, 1)
    for anchor in ("README.md", "pyproject.toml"):
        if (report.path / anchor).is_file():
            return anchor, 1
    return "README.md", 1


def _rubric_lines(rubric: RubricScore) -> list[str]:
    lines = ["", LABEL + ":"]
    for section in SECTIONS:
        lines.append(
            f"  {section}: {rubric.section(section):g} of {rubric.checkable(section)} checkable "
            f"(7 in the paper)"
        )
        for result in rubric.items:
            if result.item.section != section:
                continue
            status = _STATUS.get(result.status, result.status)
            lines.append(
                f"    {result.item.id} {result.item.title:<56} {status:<13} {result.evidence}"
            )
    lines.append(
        f"ML Test Score: {rubric.final:g} (lowest section, over {rubric.checkable()} of "
        f"{len(rubric.items)} items checkable by reading files)"
    )
    return lines


def format_report(report: AuditReport) -> str:
    """The report as a plain-text table: check, result and evidence, then each failure's fix.

    Args:
        report: The audit to print.

    Returns:
        The table, the audited path above it and the scores below, without a final newline.
    """
    width = max((len(check.title) for check in report.checks), default=5)
    lines = [f"Audit of {report.path}", "", f"{'Check':<{width}}  Result  Evidence"]
    lines.append(f"{'-' * width}  ------  {'-' * 8}")
    for check in report.checks:
        result = "pass" if check.passed else "FAIL"
        lines.append(f"{check.title:<{width}}  {result:<6}  {check.evidence}")
        if not check.passed:
            lines.append(f"{'':<{width}}          fix: {check.fix}")
    if report.rubric is not None:
        lines += _rubric_lines(report.rubric)
    if report.skipped:
        lines += ["", f"Skipped: {report.skipped_summary}"]
    lines += ["", f"Score: {report.score:g}/100 ({report.passed} of {report.total} checks passed)"]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_markdown(report: AuditReport) -> str:
    """The report as Markdown for a pull-request comment: scores, failures first, then passes.

    Args:
        report: The audit.

    Returns:
        The Markdown text, ending with a newline.
    """
    lines = [
        f"## mlscaffold audit: {report.score:g}/100",
        "",
        f"{report.passed} of {report.total} checks passed.",
    ]
    if report.rubric is not None:
        rubric = report.rubric
        sections = ", ".join(f"{s} {rubric.section(s):g}/{rubric.checkable(s)}" for s in SECTIONS)
        lines.append(
            f"ML Test Score (Breck et al., 2017; lowest section, over the {rubric.checkable()} "
            f"of 28 items checkable by reading files): **{rubric.final:g}** ({sections})."
        )
    lines += ["", "| Check | Result | Evidence | Fix |", "|---|---|---|---|"]
    for check in sorted(report.checks, key=lambda c: c.passed):
        result = "pass" if check.passed else "**FAIL**"
        fix = "" if check.passed else _cell(check.fix)
        lines.append(f"| {_cell(check.title)} | {result} | `{_cell(check.evidence)}` | {fix} |")
    if report.rubric is not None:
        lines += [
            "",
            "<details><summary>ML Test Score items</summary>",
            "",
            "| Item | Test | Status | Evidence |",
            "|---|---|---|---|",
        ]
        for item in report.rubric.items:
            lines.append(
                f"| {item.item.id} | {_cell(item.item.title)} | {item.status} | "
                f"{_cell(item.evidence)} |"
            )
        lines += ["", "</details>"]
    if report.skipped:
        lines += ["", f"Skipped: {report.skipped_summary}"]
    return "\n".join(lines) + "\n"


def format_sarif(report: AuditReport) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log: one rule per check, one result per failed check.

    Args:
        report: The audit.

    Returns:
        The log as JSON-ready data.
    """
    from mlscaffold import __version__

    rules = []
    for check in report.checks:
        rules.append(
            {
                "id": check.id,
                "name": "".join(w.capitalize() for w in re.split(r"[^A-Za-z0-9]+", check.id)),
                "shortDescription": {"text": check.title},
                "fullDescription": {"text": f"{check.title}. Fix: {check.fix}"},
                "help": {"text": check.fix, "markdown": f"**Fix:** {check.fix}"},
                "helpUri": f"{TOOL_URI}#{check.id}",
                "defaultConfiguration": {"level": "error" if check.weight >= 3 else "warning"},
                "properties": {"category": check.category, "weight": check.weight},
            }
        )
    results = []
    for index, check in enumerate(report.checks):
        if check.passed:
            continue
        path, line = location(report, check)
        results.append(
            {
                "ruleId": check.id,
                "ruleIndex": index,
                "level": "error" if check.weight >= 3 else "warning",
                "message": {"text": f"{check.title}: {check.evidence}. Fix: {check.fix}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
                            "region": {"startLine": line},
                        }
                    }
                ],
                "partialFingerprints": {"mlscaffoldAudit/v1": f"{check.id}:{path}"},
            }
        )
    properties: dict[str, Any] = {"score": report.score, "passed": report.passed}
    if report.rubric is not None:
        properties["mlTestScore"] = report.rubric.final
    if report.skipped:
        properties["skipped"] = report.skipped_summary
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlscaffold-audit",
                        "version": __version__,
                        "informationUri": TOOL_URI,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(report.path).as_uri() + "/"}},
                "results": results,
                "properties": properties,
            }
        ],
    }


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
        The audited path, score, passed, total, every check, the ML Test Score and the files
        skipped, in that order.
    """
    return {
        "path": str(report.path),
        "score": report.score,
        "passed": report.passed,
        "total": report.total,
        "checks": [check_to_dict(check) for check in report.checks],
        "ml_test_score": report.rubric.to_dict() if report.rubric is not None else None,
        "skipped": {
            "count": len(report.skipped),
            "summary": report.skipped_summary,
            "files": report.skipped,
        },
    }
