"""Task resolution: CI calls tasks of any runner, and the checks judge what the tasks run."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlscaffold._audit import audit_repository
from mlscaffold._audit.repository import Repo
from mlscaffold._audit.tasks import ci_steps, invocations
from tests.unit.test_audit import by_id, write

PINNED = "actions/checkout@" + "0123456789abcdef" * 2 + "01234567"


def workflow(*runs: str) -> str:
    steps = "".join(f"      - run: {run}\n" for run in runs)
    return (
        "on: [push]\npermissions:\n  contents: read\njobs:\n  ci:\n    runs-on: ubuntu-24.04\n"
        f"    timeout-minutes: 5\n    steps:\n      - uses: {PINNED}\n{steps}"
    )


RUNNERS = {
    "make": ({"Makefile": "test:\n\tuv run pytest -q\n"}, "make test"),
    "just": (
        {"justfile": "set shell := ['bash']\n\ntest *args:\n    uv run pytest {{args}}\n"},
        "just test",
    ),
    "mise": ({"mise.toml": '[tasks.test]\nrun = "uv run pytest"\n'}, "mise run test"),
    "mise-inline": ({".mise.toml": '[tasks]\ntest = "uv run pytest"\n'}, "mise run test"),
    "nox": (
        {
            "noxfile.py": "import nox\n\n@nox.session(python=['3.12'])\ndef tests(session):\n"
            "    session.install('.')\n    session.run('pytest', '-q')\n"
        },
        "nox -s tests",
    ),
    "tox-ini": (
        {"tox.ini": "[tox]\nenv_list = py\n\n[testenv]\ncommands =\n    pytest {posargs}\n"},
        "tox -e py312",
    ),
    "tox-toml": (
        {"pyproject.toml": '[tool.tox.env_run_base]\ncommands = [["pytest", "-q"]]\n'},
        "uv run --group dev tox run",
    ),
    "poe": ({"pyproject.toml": '[tool.poe.tasks]\ntest = "pytest -q"\n'}, "uv run poe test"),
    "hatch": (
        {"pyproject.toml": '[tool.hatch.envs.default.scripts]\ntest = "pytest {args}"\n'},
        "hatch run test",
    ),
    "pdm": ({"pyproject.toml": '[tool.pdm.scripts]\ntest = "pytest"\n'}, "pdm run test"),
    "invoke": (
        {"tasks.py": "from invoke import task\n\n@task\ndef test(c):\n    c.run('pytest -q')\n"},
        "invoke test",
    ),
    "taskfile": (
        {"Taskfile.yml": "version: '3'\ntasks:\n  test:\n    cmds:\n      - pytest\n"},
        "task test",
    ),
    "script": (
        {"scripts/test.sh": "#!/bin/sh\nset -e\npython -m pytest\n"},
        "bash scripts/test.sh",
    ),
}


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_ci_calling_a_task_runs_the_tests_it_holds(tmp_path: Path, runner: str) -> None:
    files, call = RUNNERS[runner]
    write(tmp_path, {**files, ".github/workflows/ci.yml": workflow(call)})

    check = by_id(audit_repository(tmp_path))["tests-in-ci"]

    assert check.passed, check.evidence
    assert " -> " in check.evidence
    assert check.evidence.startswith(".github/workflows/ci.yml:")


def test_a_task_that_does_not_run_the_tests_does_not_count(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"Makefile": "test:\n\techo skipped\n", ".github/workflows/ci.yml": workflow("make test")},
    )

    assert not by_id(audit_repository(tmp_path))["tests-in-ci"].passed


def test_mise_ty_lefthook_gitleaks_template_is_recognised(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "mise.toml": (
                '[tasks.test]\nrun = "uv run pytest"\n\n[tasks.lint]\nrun = ["uv run ruff check .",'
                ' "uv run ruff format --check ."]\n\n[tasks.typecheck]\nrun = "uv run ty check"\n'
                '\n[tasks.install]\nrun = "uv sync"\n\n[tasks.train]\n'
                'run = "uv run python -m pkg.train"\n'
            ),
            "pyproject.toml": '[project]\nname = "pkg"\ndependencies = []\n\n[tool.ty]\n',
            "lefthook.yml": "pre-commit:\n  commands:\n    secrets:\n"
            "      run: gitleaks protect --staged\n    lint:\n      run: mise run lint\n",
            ".github/workflows/ci.yml": workflow(
                "mise run lint", "mise run typecheck", "mise run test"
            ),
            "README.md": "# pkg\n\n```\nmise run install\nmise run test\n```\n",
            "tests/test_pkg.py": "def test_ok() -> None:\n    assert True\n",
        },
    )

    checks = by_id(audit_repository(tmp_path))

    for check_id in ("tests-in-ci", "lint", "typecheck", "pre-commit", "task-vocabulary"):
        assert checks[check_id].passed, f"{check_id}: {checks[check_id].evidence}"
    assert "mise.toml:" in checks["typecheck"].evidence
    assert "gitleaks" in checks["pre-commit"].evidence


def test_pre_commit_in_ci_resolves_to_its_hooks(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
            "    rev: v0.8.6\n    hooks:\n      - id: ruff\n  - repo: local\n    hooks:\n"
            "      - id: pyright\n        entry: uv run basedpyright\n        language: system\n",
            ".github/workflows/ci.yml": workflow("pre-commit run --all-files"),
        },
    )

    checks = by_id(audit_repository(tmp_path))

    assert checks["lint"].passed, checks["lint"].evidence
    assert checks["typecheck"].passed, checks["typecheck"].evidence


def test_gitlab_ci_scripts_are_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".gitlab-ci.yml": "default:\n  timeout: 10m\ntest:\n  script:\n    - make test\n",
            "Makefile": "test:\n\tpytest\n",
        },
    )

    checks = by_id(audit_repository(tmp_path))

    assert checks["tests-in-ci"].passed, checks["tests-in-ci"].evidence
    assert checks["tests-in-ci"].evidence.startswith(".gitlab-ci.yml:5:")
    assert checks["ci-timeouts"].passed, checks["ci-timeouts"].evidence


def test_working_directory_and_make_dash_c_find_the_nested_task(tmp_path: Path) -> None:
    wf = workflow("make -C backend test").replace(
        "      - run: make -C backend test\n",
        "      - run: make -C backend test\n      - run: make lint\n"
        "        working-directory: api\n",
    )
    write(
        tmp_path,
        {
            "backend/Makefile": "test:\n\tpytest\n",
            "api/Makefile": "lint:\n\truff check .\n",
            ".github/workflows/ci.yml": wf,
        },
    )

    checks = by_id(audit_repository(tmp_path))

    assert "backend/Makefile:2" in checks["tests-in-ci"].evidence
    assert "api/Makefile:2" in checks["lint"].evidence


def test_task_loops_terminate(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Makefile": "a:\n\t$(MAKE) b\nb:\n\t$(MAKE) a\n",
            ".github/workflows/ci.yml": workflow("make a"),
        },
    )

    steps = ci_steps(Repo.open(tmp_path.resolve()))

    assert 1 < len(steps) < 20


def test_noxfile_is_parsed_never_imported(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    write(
        tmp_path,
        {
            "noxfile.py": f"open({str(marker)!r}, 'w').close()\nimport nox\n\n@nox.session\n"
            "def lint(session):\n    session.run('ruff', 'check', '.')\n",
            ".github/workflows/ci.yml": workflow("nox -s lint"),
        },
    )

    assert by_id(audit_repository(tmp_path))["lint"].passed
    assert not marker.exists()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("make -C api test lint", [("api", "make", ["test", "lint"])]),
        ("cd web && npm run lint", [("web", "npm", ["lint"])]),
        ("uv run --frozen poe check", [("", "poe", ["check"])]),
        ("tox -e lint,type", [("", "tox", ["lint", "type"])]),
        ("echo make test", []),
    ],
)
def test_invocations(line: str, expected: list[tuple[str, str, list[str]]]) -> None:
    assert list(invocations(line)) == expected
