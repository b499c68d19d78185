"""The prediction log's cost: serving latency with the log on and off, and `monitor` over a big log.

Usage: python benchmarks/bench_predlog.py PROJECT [--python PY] [--rounds 5] [--requests 2000]
       [--log-rows 1000000]

PROJECT is a generated project, installed (``make setup``) and trained (``make data train
evaluate``). In one run, the script:

1. starts the service with ``prediction_log.enabled`` false and true in alternation, ``--rounds``
   times each, sends ``--requests`` sequential requests to the track's endpoint each time, and
   prints the median p50 of each setting and their ratio (target: at most 1.2);
2. writes a prediction log of ``--log-rows`` entries (the clean batch's logged entries, repeated)
   and times ``monitor`` over a window of all of them, with its peak memory (targets: under 30 s
   and 1.5 GB on 2 cores).

The work runs in the project's interpreter (``--python``, default ``PROJECT/.venv/bin/python``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

_LATENCY = """
import json, statistics, sys
from {pkg}.config import load_config
from {pkg}.plugin import TRACK
from {pkg}.serving.loadtest import local_server, run_load
rounds, requests = int(sys.argv[1]), int(sys.argv[2])
base = load_config("configs/config.yaml")
payloads = TRACK.sample_requests(base, 256)
p50 = {{False: [], True: []}}
for _ in range(rounds):
    for enabled in (False, True):
        cfg = load_config("configs/config.yaml", {{"prediction_log.enabled": enabled}})
        with local_server(cfg) as url:
            run_load(url, payloads, requests=50, concurrency=1, timeout_s=600)  # warm up
            result = run_load(url, payloads, requests=requests, concurrency=1, timeout_s=600)
            p50[enabled].append(result["p50_ms"])
off, on = statistics.median(p50[False]), statistics.median(p50[True])
print(json.dumps({{"off": off, "on": on, "runs": p50}}))
"""

_MONITOR = """
import json, resource, shutil, sys, time
from pathlib import Path
from {pkg}.config import load_config
from {pkg}.io.workspace import Workspace
from {pkg}.jobs import pipeline
rows = int(sys.argv[1])
work = Path("bench-predlog"); shutil.rmtree(work, ignore_errors=True)
overrides = {{"paths.data_dir": str(work / "data"), "paths.reports_dir": str(work / "reports"),
             "prediction_log.window": rows, "prediction_log.max_bytes": 10**12,
             "monitoring.alert": {{"kind": "file", "path": str(work / "alerts.jsonl")}}}}
cfg = load_config("configs/config.yaml", overrides)
shutil.copytree("data/batches", work / "data" / "batches")
pipeline.predict(cfg, work / "data" / "batches" / "clean.csv", work / "predictions.csv")
log = Workspace.of(cfg).prediction_log
lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
with log.open("w", encoding="utf-8") as handle:
    for n in range(rows):
        handle.write(lines[n % len(lines)])
started = time.perf_counter()
outcome = pipeline.monitor(cfg)
elapsed = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"rows": rows, "seconds": round(elapsed, 2), "peak_rss_mb": round(peak_mb),
                  "log_mb": round(log.stat().st_size / 1e6), "alert": outcome.alert}}))
shutil.rmtree(work, ignore_errors=True)
"""


def _run(python: str, code: str, project: Path, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [python, "-c", code, *args], cwd=project, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"benchmark failed in {project}:\n{done.stdout}\n{done.stderr}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--python", default=None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--log-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    project = args.project.resolve()
    python = args.python or str(project / ".venv" / "bin" / "python")
    import yaml

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    package = answers["package_name"]
    rounds, requests = str(args.rounds), str(args.requests)
    latency = _run(python, _LATENCY.format(pkg=package), project, rounds, requests)
    off, on = float(latency["off"]), float(latency["on"])  # type: ignore[arg-type]
    print(f"p50 with the log off {off:.3f} ms, on {on:.3f} ms: ratio {on / off:.2f} (target 1.2)")
    print(f"  per-round p50s: {latency['runs']}")
    monitor = _run(python, _MONITOR.format(pkg=package), project, str(args.log_rows))
    print(
        f"monitor over {monitor['rows']:,} logged predictions ({monitor['log_mb']} MB): "
        f"{monitor['seconds']} s, peak RSS {monitor['peak_rss_mb']} MB (targets < 30 s, < 1500 MB)"
    )


if __name__ == "__main__":
    main()
