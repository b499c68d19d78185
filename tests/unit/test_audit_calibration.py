"""Calibration: public repositories, distilled to the files that decide each verdict.

Each fixture under tests/fixtures/audit/ says its source and commit in FIXTURE.md; its
expected.json holds the verdict of every check, decided by reading the repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlscaffold._audit import CHECKS, audit_repository

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "audit"
NAMES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").is_file())


def test_at_least_six_fixtures() -> None:
    assert len(NAMES) >= 6


@pytest.mark.parametrize("name", NAMES)
def test_no_false_pass_and_no_false_fail(name: str) -> None:
    expected = json.loads((FIXTURES / name / "expected.json").read_text(encoding="utf-8"))

    report = audit_repository(FIXTURES / name)

    assert set(expected["checks"]) == {spec.id for spec in CHECKS}
    verdicts = {c.id: "pass" if c.passed else "fail" for c in report.checks}
    false_fail = {i for i, v in verdicts.items() if v == "fail" and expected["checks"][i] == "pass"}
    false_pass = {i for i, v in verdicts.items() if v == "pass" and expected["checks"][i] == "fail"}
    evidence = {c.id: c.evidence for c in report.checks if c.id in false_fail | false_pass}
    assert not false_fail, evidence
    assert not false_pass, evidence
    assert report.rubric is not None
    for check in report.failed:
        assert check.fix
