"""Output formats: table, JSON, Markdown and SARIF 2.1.0, with the ML Test Score beside ours."""

from __future__ import annotations

import json
from pathlib import Path

from mlscaffold._audit import audit_repository
from mlscaffold._audit.report import format_markdown, format_sarif
from mlscaffold._audit.rubric import ITEMS, SECTIONS
from tests.unit.test_audit import SUBSET_FILES, audit, write


def test_rubric_has_the_papers_28_items_seven_per_section() -> None:
    assert len(ITEMS) == 28
    for section in SECTIONS:
        assert sum(item.section == section for item in ITEMS) == 7
    assert all(item.not_checkable or item.levels for item in ITEMS)


def test_json_reports_ml_test_score_and_skipped(tmp_path: Path) -> None:
    write(tmp_path, SUBSET_FILES)

    data = json.loads(audit(tmp_path, "--format", "json").stdout)

    rubric = data["ml_test_score"]
    assert rubric["total"] == 28
    assert rubric["checkable"] == sum(1 for i in ITEMS if not i.not_checkable)
    assert rubric["final"] == min(s["score"] for s in rubric["sections"].values())
    statuses = {item["status"] for item in rubric["items"]}
    assert statuses <= {"automated", "manual", "missing", "not checkable"}
    assert "not checkable" in statuses
    assert data["skipped"]["count"] == 0


def test_json_flag_is_an_alias(tmp_path: Path) -> None:
    write(tmp_path, SUBSET_FILES)

    assert (
        json.loads(audit(tmp_path, "--json").stdout)["score"]
        == json.loads(audit(tmp_path, "--format", "json").stdout)["score"]
    )


def test_table_shows_the_ml_test_score(tmp_path: Path) -> None:
    write(tmp_path, SUBSET_FILES)

    out = audit(tmp_path).stdout

    assert "ML Test Score (Breck et al., 2017)" in out
    assert "not checkable" in out
    assert "D2 All features are beneficial" in out


def test_markdown_for_a_pull_request_comment(tmp_path: Path) -> None:
    write(tmp_path, SUBSET_FILES)
    report = audit_repository(tmp_path)

    text = format_markdown(report)

    assert text.startswith(f"## mlscaffold audit: {report.score:g}/100\n")
    assert "| Check | Result | Evidence | Fix |" in text
    assert "**FAIL**" in text
    assert "ML Test Score" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert all(line.count(" | ") >= 3 for line in rows)
    failed_first = text.index("**FAIL**") < text.index("| pass |")
    assert failed_first
    assert audit(tmp_path, "--format", "markdown").stdout == text


def test_sarif_2_1_0_structure(tmp_path: Path) -> None:
    write(tmp_path, SUBSET_FILES)
    report = audit_repository(tmp_path)

    log = json.loads(audit(tmp_path, "--format", "sarif").stdout)

    assert log == json.loads(json.dumps(format_sarif(report)))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"]
    assert driver["version"]
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == [check.id for check in report.checks]
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["help"]["text"]
    assert len(run["results"]) == len(report.failed)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note", "none"}
        assert "Fix: " in result["message"]["text"]
        (loc,) = result["locations"]
        physical = loc["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert not uri.startswith("/")
        assert (tmp_path / uri).is_file()
        assert physical["region"]["startLine"] >= 1


def test_sarif_location_is_the_evidence_file_and_line(tmp_path: Path) -> None:
    write(
        tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = [\n  "requests",\n]\n'}
    )

    log = format_sarif(audit_repository(tmp_path))

    (result,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "dependencies-pinned"]
    region = result["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == "pyproject.toml"
    assert region["region"]["startLine"] == 4


def test_fail_under_applies_to_every_format(tmp_path: Path) -> None:
    for fmt in ("table", "markdown", "sarif", "json"):
        assert audit(tmp_path, "--format", fmt, "--fail-under", "1").exit_code == 1


def test_json_and_another_format_conflict(tmp_path: Path) -> None:
    assert audit(tmp_path, "--json", "--format", "sarif").exit_code == 2
