"""Testing checks: tests exist, and a coverage floor makes them fail when coverage drops."""

from __future__ import annotations

from mlscaffold._audit.probes import find
from mlscaffold._audit.selectors import CI_FILES, TASK_FILES, TESTS, TOOL_CONFIGS, files, union
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
        "--cov-fail-under or fail_under above 0",
        union(
            "tool configs, .coveragerc, pytest.ini, task files, CI files",
            TOOL_CONFIGS,
            files(".coveragerc", "pytest.ini", "*/.coveragerc", "*/pytest.ini"),
            TASK_FILES,
            CI_FILES,
        ),
        r"--cov-fail-under[= ]+0*[1-9]|--fail-under[= ]+0*[1-9]|\bfail_under\s*=\s*0*[1-9]",
    ),
)
"""The test run fails below a coverage percentage."""
