"""Testing checks: tests exist, and a coverage floor makes them fail when coverage drops."""

from __future__ import annotations

from mlscaffold._audit.probes import find
from mlscaffold._audit.selectors import MAKEFILE, TESTS, TOOL_CONFIGS, WORKFLOWS, files, union
from mlscaffold._audit.spec import CheckSpec

TESTS_PRESENT = CheckSpec(
    id="tests-present",
    title="Tests present",
    category="testing",
    weight=3,
    fix="Add tests/test_<module>.py files with `def test_...` functions that assert on outputs.",
    probe=find(
        "test function or assert",
        TESTS,
        r"^[ \t]*(?:async[ \t]+)?def[ \t]+test_\w*|^[ \t]*assert\b",
    ),
)
"""Test files hold test functions or asserts."""

COVERAGE_FLOOR = CheckSpec(
    id="coverage-floor",
    title="Coverage floor",
    category="testing",
    weight=2,
    fix="Make pytest fail below a coverage floor: `--cov-fail-under=80` in "
    "[tool.pytest.ini_options] addopts, or `fail_under = 80` in [tool.coverage.report].",
    probe=find(
        "--cov-fail-under or fail_under",
        union(
            "pyproject.toml, setup.cfg, tox.ini, .coveragerc, pytest.ini, Makefile, workflows",
            TOOL_CONFIGS,
            files(".coveragerc", "pytest.ini"),
            MAKEFILE,
            WORKFLOWS,
        ),
        r"--cov-fail-under|\bfail_under\s*=",
    ),
)
"""The test run fails below a coverage percentage."""
