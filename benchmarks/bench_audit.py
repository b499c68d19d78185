"""Time ``mlscaffold audit`` on a synthetic 5,000-file repository, median over N runs.

The repository is written to a temporary folder (not a git repository, so the folder is walked):
Python packages with tests, configuration, Markdown, a Makefile, a workflow and a
pre-commit configuration. Each run audits it from scratch in this process. Figures are printed,
never asserted.

Usage::

    python benchmarks/bench_audit.py [--files N] [--runs R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from mlscaffold._audit import audit_repository

MODULE = '''"""Module {i}."""

import numpy as np


def feature_{i}(values: list[float], seed: int = 42) -> float:
    rng = np.random.default_rng(seed)
    return float(sum(values) + rng.random())
'''

TEST = """from pkg{p}.mod{i} import feature_{i}


def test_feature_{i}() -> None:
    assert feature_{i}([1.0]) > 1.0
"""


def build(root: Path, files: int) -> None:
    """Write a synthetic repository of about FILES files under ROOT."""
    (root / ".github/workflows").mkdir(parents=True)
    (root / ".github/workflows/ci.yml").write_text(
        "on: [push]\npermissions:\n  contents: read\njobs:\n  ci:\n    runs-on: ubuntu-24.04\n"
        "    timeout-minutes: 5\n    steps:\n      - run: make lint\n      - run: make test\n"
    )
    (root / "Makefile").write_text("test:\n\tpytest\nlint:\n\truff check .\n")
    (root / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.8.6\n"
        "    hooks:\n      - id: ruff\n"
    )
    (root / "README.md").write_text("# Synthetic\n\n`make test`\n")
    written = 4
    package = 0
    while written < files:
        folder = root / f"src/pkg{package}"
        tests = root / f"tests/pkg{package}"
        folder.mkdir(parents=True)
        tests.mkdir(parents=True)
        for i in range(20):
            if written >= files:
                break
            kind = written % 4
            if kind == 0:
                (tests / f"test_mod{i}.py").write_text(TEST.format(p=package, i=i))
            elif kind == 1:
                (root / f"src/pkg{package}/conf{i}.yaml").write_text(f"seed: {i}\nname: c{i}\n")
            elif kind == 2:
                (root / f"src/pkg{package}/notes{i}.md").write_text(f"# Note {i}\n\nText.\n" * 5)
            else:
                (folder / f"mod{i}.py").write_text(MODULE.format(i=i))
            written += 1
        package += 1


def main() -> None:
    """Build the repository once, then time R audits of it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as folder:
        root = Path(folder)
        build(root, args.files)
        count = sum(len(names) for _, _, names in os.walk(root))
        times = []
        score = 0.0
        for _ in range(args.runs):
            start = time.perf_counter()
            score = audit_repository(root).score
            times.append(time.perf_counter() - start)
        print(f"files: {count}, runs: {args.runs}, cpus: {os.cpu_count()}, score: {score:g}")
        median = statistics.median(times)
        print(f"median: {median:.3f} s (min {min(times):.3f} s, max {max(times):.3f} s)")


if __name__ == "__main__":
    main()
