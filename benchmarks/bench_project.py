"""Time a generated project from nothing to green, its pipeline, and its API latency.

For each track (default: every example in ``examples/``) this script:

1. generates a project with ``mlscaffold new``;
2. times a fresh virtual environment plus install (uv, warm package cache) and, separately, the
   project's full test suite: "time to green" is their sum;
3. times ``make all`` at the default data size;
4. serves the promoted model in its own process (one worker, ``OMP_NUM_THREADS=1``) and sends
   sequential requests to the track's endpoint on 127.0.0.1, reporting p50/p95/p99.

It prints a Markdown table. Figures are measured, never asserted: machines are noisy, so compare
numbers taken side by side in one run.

Usage: python benchmarks/bench_project.py [--track NAME ...] [--requests N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchlib import EXAMPLES, clean_env, generate, package_name, timed

_LATENCY = """
import json, sys
from {pkg}.config import load_config
from {pkg}.plugin import TRACK
from {pkg}.serving.loadtest import local_server, run_load
cfg = load_config("configs/config.yaml")
payloads = TRACK.sample_requests(cfg, 256)
with local_server(cfg) as url:
    print(json.dumps(run_load(url, payloads, requests={n}, concurrency=1, timeout_s=600)))
"""


def bench(example: Path, requests: int) -> dict[str, object]:
    """Every figure for one track."""
    env = clean_env()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / example.stem
        generate(example, project, env)
        package = package_name(project)
        install_s, _ = timed(["make", "setup"], project, env)
        test_s, _ = timed(
            [".venv/bin/python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, env
        )
        all_s, _ = timed(["make", "all"], project, env)
        _, out = timed(
            [".venv/bin/python", "-c", _LATENCY.format(pkg=package, n=requests)],
            project,
            env | {"OMP_NUM_THREADS": "1"},
        )
        latency = json.loads(out.strip().splitlines()[-1])
    return {
        "track": example.stem,
        "install_s": install_s,
        "tests_s": test_s,
        "green_s": install_s + test_s,
        "make_all_s": all_s,
        **{k: latency[k] for k in ("p50_ms", "p95_ms", "p99_ms", "errors", "requests")},
    }


def main() -> None:
    """Measure the chosen tracks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--track", action="append", help="track to measure (repeatable)")
    parser.add_argument("--requests", type=int, default=1000, help="sequential API requests")
    args = parser.parse_args()
    examples = [e for e in EXAMPLES if not args.track or e.stem in args.track]
    rows = [bench(example, args.requests) for example in examples]
    when = time.strftime("%Y-%m-%d %H:%M")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {when}")
    print()
    print(
        "| track | venv + install (uv, warm) | test suite | time to green | make all "
        "| API p50 / p95 / p99 (sequential) | errors |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        latency = f"{r['p50_ms']:.1f} / {r['p95_ms']:.1f} / {r['p99_ms']:.1f} ms"
        print(
            f"| {r['track']} | {r['install_s']:.1f} s | {r['tests_s']:.1f} s | "
            f"{r['green_s']:.1f} s | {r['make_all_s']:.1f} s | {latency} | "
            f"{r['errors']} of {r['requests']} |"
        )


if __name__ == "__main__":
    main()
