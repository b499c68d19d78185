"""The audit: checks on hand-made repositories, generated projects, and the command line."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mlscaffold._audit import AuditReport, Check, audit_repository
from mlscaffold.cli import main
from mlscaffold.errors import AuditError
from tests.support import EXAMPLES

# Built at run time so that this file holds no string a secret scanner would flag.
FAKE_AWS_KEY = "AKIA" + "Z7Q3" * 4
PINNED = "actions/checkout@" + "0123456789abcdef" * 2 + "01234567"

# Checks a freshly generated project passes only once `make all` has rendered its results.
PRODUCED_BY_PIPELINE = {"cards", "readme-results"}

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def by_id(report: AuditReport) -> dict[str, Check]:
    return {check.id: check for check in report.checks}


def passed_ids(report: AuditReport) -> set[str]:
    return {check.id for check in report.checks if check.passed}


def describe_failures(report: AuditReport) -> str:
    return "; ".join(f"{c.id}: {c.evidence}" for c in report.failed)


def git(root: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=Audit Test",
            "-c",
            "user.email=audit@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )


def commit_all(root: Path) -> None:
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")


# Hand-made repositories

NOTEBOOK = json.dumps(
    {
        "cells": [
            {
                "cell_type": "code",
                "source": ["import pandas as pd\n", "df = pd.read_csv('churn.csv')\n"],
                "metadata": {},
                "outputs": [],
                "execution_count": None,
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
)

WORKFLOW = f"""\
name: ci
on: [push, pull_request]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    steps:
      - uses: {PINNED} # v4
      - run: pytest
"""

README = """\
# Churn model

## Architecture
```mermaid
flowchart LR
    data --> train --> serve
```

## Results
| Metric | Model | Baseline |
|---|---|---|
| ROC-AUC | 0.91 | 0.50 |
"""

# Satisfies exactly the checks in SUBSET_PASSES, and nothing else.
SUBSET_FILES = {
    "README.md": README,
    "tests/test_churn.py": "def test_adds() -> None:\n    assert 1 + 1 == 2\n",
    ".github/workflows/ci.yml": WORKFLOW,
    "docs/runbook.md": "# Runbook\nRestart the service.\n",
    "docs/adr/0001-use-adrs.md": "# Use ADRs\n",
    ".dockerignore": ".git\n.env\n",
    ".gitignore": ".venv/\n.env\n",
    ".env.example": "API_KEY=\n",
    ".pre-commit-config.yaml": (
        "repos:\n  - repo: local\n    hooks:\n      - id: whitespace\n        entry: true\n"
    ),
}
SUBSET_PASSES = {
    "tests-present",
    "tests-in-ci",
    "ci-least-privilege",
    "ci-timeouts",
    "runbook",
    "adr",
    "dockerignore",
    "env-ignored",
    "pre-commit",
    "readme-architecture",
    "readme-results",
    "no-secrets",
}


def test_empty_folder_scores_zero_and_every_check_says_how_to_fix_it(tmp_path: Path) -> None:
    report = audit_repository(tmp_path)

    assert report.score == 0
    assert report.passed == 0
    assert report.total == len(report.checks) >= 20
    for check in report.checks:
        assert not check.passed
        assert check.fix
        assert check.evidence


def test_check_ids_are_unique_and_weights_positive(tmp_path: Path) -> None:
    checks = audit_repository(tmp_path).checks

    assert len({check.id for check in checks}) == len(checks)
    assert all(check.weight > 0 for check in checks)


def test_notebook_only_repository_scores_low_with_specific_failures(tmp_path: Path) -> None:
    write(tmp_path, {"analysis.ipynb": NOTEBOOK, "README.md": "# Churn\nExploration.\n"})

    report = audit_repository(tmp_path)

    assert passed_ids(report) == {"no-secrets"}
    assert report.score < 10
    checks = by_id(report)
    assert checks["tests-present"].evidence == (
        "no test function or assert found in test_*.py files"
    )
    assert checks["task-vocabulary"].evidence.startswith("no task runner found")
    assert checks["dockerfile"].evidence == "no Dockerfile or Containerfile found"
    assert "no ```mermaid diagram found in README.md" in checks["readme-architecture"].evidence
    assert "README.md has no Markdown table" in checks["readme-results"].evidence


def test_chosen_subset_passes_exactly_those_checks(tmp_path: Path) -> None:
    write(tmp_path, SUBSET_FILES)

    report = audit_repository(tmp_path)

    assert passed_ids(report) == SUBSET_PASSES, describe_failures(report)
    weights = {check.id: check.weight for check in report.checks}
    expected = sum(weights[i] for i in SUBSET_PASSES) / sum(weights.values())
    assert report.score == math.floor(1000 * expected) / 10


def test_evidence_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, SUBSET_FILES)

    checks = by_id(audit_repository(tmp_path))

    assert checks["tests-present"].evidence.startswith("tests/test_churn.py:1: def test_adds()")
    assert checks["tests-in-ci"].evidence == ".github/workflows/ci.yml:11: - run: pytest"
    assert checks["readme-results"].evidence.startswith("README.md:10: | Metric |")
    assert checks["env-ignored"].evidence == ".gitignore:2 ignores .env; .env.example:1"


@needs_git
def test_committed_secret_and_env_file_fail_with_file_and_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "README.md": "# Service\n",
            "config/settings.yaml": f"region: eu-west-1\nbucket: data\naws_key: {FAKE_AWS_KEY}\n",
            ".env": "DATABASE_URL=postgres://app@db/app\n",
        },
    )
    commit_all(tmp_path)

    check = by_id(audit_repository(tmp_path))["no-secrets"]

    assert not check.passed
    assert "config/settings.yaml:3: AWS access key ID" in check.evidence
    assert ".env:1: committed environment file" in check.evidence
    assert FAKE_AWS_KEY not in check.evidence


@needs_git
def test_ignored_untracked_env_file_is_not_a_committed_secret(tmp_path: Path) -> None:
    write(tmp_path, {"README.md": "# Service\n", ".gitignore": ".env\n"})
    commit_all(tmp_path)
    write(tmp_path, {".env": f"AWS_KEY={FAKE_AWS_KEY}\n"})

    check = by_id(audit_repository(tmp_path))["no-secrets"]

    assert check.passed, check.evidence


def test_secrets_in_virtualenvs_and_git_folders_are_skipped(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "README.md": "# Service\n",
            ".venv/lib/site.py": f"KEY = '{FAKE_AWS_KEY}'\n",
            "node_modules/pkg/index.js": f"const key = '{FAKE_AWS_KEY}';\n",
        },
    )

    assert by_id(audit_repository(tmp_path))["no-secrets"].passed


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("-----BEGIN RSA " + "PRIVATE KEY-----\nMIIE\n", "key.pem:1: private key"),
        ('settings = {"api_key": "9f8e7d6c5b4a39281706"}\n', "app.py:1: hard-coded credential"),
        ("token = 'sk-" + "a1B2c3D4e5F6g7H8i9J0k1L2'\n", "app.py:1: API secret key"),
    ],
)
def test_secret_kinds_are_found(tmp_path: Path, text: str, found: str) -> None:
    name = "key.pem" if "PRIVATE" in text else "app.py"
    write(tmp_path, {name: text})

    check = by_id(audit_repository(tmp_path))["no-secrets"]

    assert not check.passed
    assert found in check.evidence


def test_placeholder_credentials_are_not_secrets(tmp_path: Path) -> None:
    write(tmp_path, {"settings.py": 'api_key = "changeme-please"\npassword = "<your password>"\n'})

    assert by_id(audit_repository(tmp_path))["no-secrets"].passed


@pytest.mark.parametrize(
    ("files", "check_id", "evidence"),
    [
        (
            {
                "pyproject.toml": (
                    '[project]\nname = "x"\ndependencies = [\n  "pandas>=2",\n  "requests",\n]\n'
                )
            },
            "dependencies-pinned",
            "pyproject.toml:5: dependency 'requests' has no version bound",
        ),
        (
            {".github/workflows/ci.yml": WORKFLOW.replace(PINNED, "actions/checkout@v4")},
            "ci-least-privilege",
            ".github/workflows/ci.yml:10: actions/checkout@v4 is not pinned to a commit SHA",
        ),
        (
            {
                ".github/workflows/ci.yml": WORKFLOW.replace(
                    "permissions:\n  contents: read", "permissions: write-all"
                )
            },
            "ci-least-privilege",
            ".github/workflows/ci.yml:3: permissions: write-all grants every permission",
        ),
        (
            {".github/workflows/ci.yml": WORKFLOW.replace("    timeout-minutes: 10\n", "")},
            "ci-timeouts",
            ".github/workflows/ci.yml:6: job 'test' has no timeout-minutes",
        ),
        (
            {"Dockerfile": "FROM python:3.11 AS build\nFROM python:3.11-slim\nUSER root\n"},
            "dockerfile",
            "Dockerfile: no non-root USER, no HEALTHCHECK",
        ),
        (
            {"Makefile": "test:\n\tpytest\nlint:\n\truff check .\n"},
            "task-vocabulary",
            "Makefile:1: make tasks, but its tasks lack: setup, ml",
        ),
    ],
)
def test_failures_say_what_is_wrong_and_where(
    tmp_path: Path, files: dict[str, str], check_id: str, evidence: str
) -> None:
    write(tmp_path, files)

    check = by_id(audit_repository(tmp_path))[check_id]

    assert not check.passed
    assert evidence in check.evidence


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="does not exist; pass the folder"):
        audit_repository(tmp_path / "nowhere")


def test_file_path_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"README.md": "# x\n"})

    with pytest.raises(AuditError, match="is not a folder"):
        audit_repository(tmp_path / "README.md")


def test_audit_reads_files_without_running_them(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    write(
        tmp_path,
        {
            "conftest.py": f"open({str(marker)!r}, 'w').close()\n",
            "setup.py": f"open({str(marker)!r}, 'w').close()\n",
        },
    )

    audit_repository(tmp_path)

    assert not marker.exists()


# Generated projects


@pytest.mark.parametrize("example", [e.stem for e in EXAMPLES])
def test_generated_project_lacks_only_what_its_pipeline_produces(
    rendered_examples: dict[str, Path], example: str
) -> None:
    # The cards and the README results table are rendered from real results by `make all`;
    # the end-to-end layer audits each project again after its pipeline ran and expects 100.
    report = audit_repository(rendered_examples[example])

    assert {c.id for c in report.failed} == PRODUCED_BY_PIPELINE, describe_failures(report)


# Command line


def audit(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["audit", *[str(a) for a in args]])


def test_cli_prints_a_table_with_the_score(tmp_path: Path) -> None:
    write(tmp_path, SUBSET_FILES)
    report = audit_repository(tmp_path)

    result = audit(tmp_path)

    assert result.exit_code == 0, result.output
    assert "Check" in result.stdout
    assert "Evidence" in result.stdout
    assert "Tests present" in result.stdout
    assert "tests/test_churn.py:1" in result.stdout
    assert "FAIL" in result.stdout
    assert "fix: " in result.stdout
    assert f"Score: {report.score:g}/100 ({report.passed} of {report.total} checks passed)" in (
        result.stdout
    )


def test_cli_audits_the_current_folder_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, SUBSET_FILES)
    monkeypatch.chdir(tmp_path)

    result = audit()

    assert result.exit_code == 0, result.output
    assert str(tmp_path.resolve()) in result.stdout


def test_cli_json(tmp_path: Path) -> None:
    write(tmp_path, SUBSET_FILES)

    result = audit(tmp_path, "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["score"] == audit_repository(tmp_path).score
    assert data["passed"] == len(SUBSET_PASSES)
    assert data["total"] == len(data["checks"])
    first = data["checks"][0]
    assert set(first) == {"id", "title", "category", "passed", "evidence", "fix", "weight"}
    assert set(data) >= {"ml_test_score", "skipped"}
    assert {c["id"] for c in data["checks"] if c["passed"]} == SUBSET_PASSES


@pytest.mark.parametrize(("fail_under", "exit_code"), [("0", 0), ("40", 0), ("60", 1)])
def test_cli_fail_under(tmp_path: Path, fail_under: str, exit_code: int) -> None:
    write(tmp_path, SUBSET_FILES)  # scores 43.7

    result = audit(tmp_path, "--fail-under", fail_under)

    assert result.exit_code == exit_code, result.output
    if exit_code:
        assert "below --fail-under 60" in result.stderr


def test_cli_fail_under_keeps_json_on_stdout(tmp_path: Path) -> None:
    result = audit(tmp_path, "--json", "--fail-under", "1")

    assert result.exit_code == 1
    assert json.loads(result.stdout)["score"] == 0


def test_cli_never_fails_by_default(tmp_path: Path) -> None:
    assert audit(tmp_path).exit_code == 0


def test_cli_missing_path(tmp_path: Path) -> None:
    result = audit(tmp_path / "nowhere")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "does not exist; pass the folder of the repository to audit" in result.stderr


def test_cli_rejects_a_fail_under_out_of_range(tmp_path: Path) -> None:
    result = audit(tmp_path, "--fail-under", "101")

    assert result.exit_code == 2
