"""Time the file validator (``core/validation.py``) of generated projects, rows per second.

For each track (default: every example in ``examples/``) a project is generated and its record
schema (``plugin.TRACK.record_schema``) validates N rows (default 100,000) read from a CSV file the
way the track reads its batches:

- fraud-detection: synthetic card transactions, every row distinct (ids, timestamps, amounts);
- rag: questions drawn the way the track draws its monitoring batches (golden questions, lightly
  rephrased, so questions repeat), 10 % of them with a ``top_k``; and the same questions each made
  distinct (a validator that runs once per distinct value pays for every row there).

Each measurement is the median of R runs (default 5) after one untimed warm-up, in one process per
project. With ``--baseline FILE`` (another version of ``core/validation.py``, kept outside the
repository) both versions are timed side by side on the same frames, and the table shows the ratio.
Figures are printed, never asserted.

The projects' dependencies must be importable: pass ``--project DIR`` (generated projects; their
``.venv`` is used when present) and/or ``--python PATH`` (an interpreter with the projects
installed). Without ``--project``, projects are generated into a temporary folder and set up with
``make setup``.

Usage::

    python benchmarks/bench_validation.py [--rows N] [--runs R] [--baseline FILE]
        [--project DIR ...] [--python PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, get_args

from benchlib import EXAMPLES, clean_env, generate, package_name, timed


def _answer(project: Path, key: str) -> str:
    """One answer from a generated project's answers file."""
    answers = (project / ".copier-answers.yml").read_text(encoding="utf-8")
    return next(
        line.split(":", 1)[1].strip() for line in answers.splitlines() if line.startswith(f"{key}:")
    )


# ------------------------------------------------------------------ worker (inside the project)

CHOICE_COLUMNS = ("category", "channel", "device_type")


def _fraud_data(rows: int, project: Path, package: str, schema: Any) -> dict[str, Any]:
    """Distinct card transactions."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    fields = schema.model_fields
    choices = {name: list(get_args(fields[name].annotation)) for name in CHOICE_COLUMNS}
    start = pd.Timestamp("2026-01-01", tz="UTC").value // 10**9
    seconds = np.sort(rng.integers(start, start + 90 * 86_400, rows))
    frame = pd.DataFrame(
        {
            "transaction_id": [f"t{i:011d}" for i in range(rows)],
            "customer_id": [f"c{i:06d}" for i in rng.integers(0, 20_000, rows)],
            "merchant_id": [f"m{i:05d}" for i in rng.integers(0, 2_000, rows)],
            "timestamp": pd.to_datetime(seconds, unit="s", utc=True).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "amount": np.round(np.clip(rng.lognormal(3.5, 1.1, rows), 0.01, 50_000), 2),
            **{name: rng.choice(values, rows) for name, values in choices.items()},
            "distance_from_home_km": np.round(rng.exponential(12, rows), 2),
        }
    )
    return {"distinct transactions": frame}


def _rag_data(rows: int, project: Path, package: str, schema: Any) -> dict[str, Any]:
    """Questions drawn as the track draws its batches, and the same made all distinct."""
    import importlib
    import random

    import pandas as pd

    batches = importlib.import_module(f"{package}.rag.batches")
    golden = [json.loads(line)["question"] for line in (project / "corpus" / "golden.jsonl").open()]
    questions = batches.clean_batch(golden, rows, seed=0)
    rng = random.Random(0)
    top_k = pd.array(
        [rng.randint(1, 20) if rng.random() < 0.1 else None for _ in range(rows)], "Int64"
    )
    distinct = [f"{q} (case {i})" for i, q in enumerate(questions)]
    return {
        "batch mix (questions repeat)": pd.DataFrame({"question": questions, "top_k": top_k}),
        "distinct questions": pd.DataFrame({"question": distinct, "top_k": top_k}),
    }


# How each track reads its files: identifiers and questions stay text.
_READ = {
    "fraud-detection": {"dtype": {"transaction_id": str, "customer_id": str, "merchant_id": str}},
    "rag": {"dtype": {"question": str}, "keep_default_na": False, "na_values": [""]},
}


def _load(path: Path, name: str) -> Any:
    """A module loaded from ``path`` under ``name`` (so its relative imports resolve)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path} is not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def worker(project: Path, rows: int, runs: int, baseline: Path | None) -> None:
    """Time the project's validator (and the baseline) on N rows; print JSON."""
    import importlib

    import pandas as pd

    package, track = package_name(project), _answer(project, "track")
    schema = importlib.import_module(f"{package}.plugin").TRACK.record_schema
    versions = {"after": importlib.import_module(f"{package}.core.validation")}
    if baseline:
        versions["before"] = _load(baseline, f"{package}.core._baseline_validation")
    make = _rag_data if track == "rag" else _fraud_data
    result: dict[str, Any] = {"track": track, "schema": schema.__name__, "data": []}
    with tempfile.TemporaryDirectory() as tmp:
        for label, generated in make(rows, project, package, schema).items():
            path = Path(tmp) / "rows.csv"
            generated.to_csv(path, index=False)
            frame = pd.read_csv(path, **_READ.get(track, {}))
            measured: dict[str, Any] = {"label": label, "rows": len(frame)}
            for name, module in versions.items():
                module.validate_frame(frame.head(1000), schema)  # warm-up: imports, cached adapters
                times, found = [], 0
                for _ in range(runs):
                    start = time.perf_counter()
                    found = len(module.validate_frame(frame, schema))
                    times.append(time.perf_counter() - start)
                measured[name] = {"times": times, "violations": found}
            result["data"].append(measured)
    print(json.dumps(result))


# ------------------------------------------------------------------ driver


def _interpreter(project: Path, python: str | None) -> str:
    """The interpreter to run a project's worker with."""
    if python:
        return python
    venv = project / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def measure(
    project: Path, python: str, rows: int, runs: int, baseline: Path | None
) -> dict[str, Any]:
    """Run the worker for one project with its own interpreter."""
    command = [python, str(Path(__file__).resolve()), "--worker", str(project), "--rows", str(rows)]
    command += ["--runs", str(runs)] + (["--baseline", str(baseline)] if baseline else [])
    env = clean_env(
        {"PYTHONPATH": os.pathsep.join([str(project / "src"), str(Path(__file__).parent)])}
    )
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(
            f"validation benchmark failed for {project}:\n{done.stderr[-3000:]}\n"
            "pass --python (an interpreter with the project installed) or a set-up --project"
        )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Measure every project and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows validated per run")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per version (median shown)")
    parser.add_argument("--baseline", type=Path, help="another core/validation.py to time beside")
    parser.add_argument(
        "--project", type=Path, action="append", help="a generated project (repeatable)"
    )
    parser.add_argument("--python", help="interpreter with the projects installed")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.rows, args.runs, args.baseline)
        return
    with tempfile.TemporaryDirectory() as tmp:
        projects = list(args.project or [])
        if not projects:
            env = clean_env()
            for example in EXAMPLES:
                projects.append(Path(tmp) / example.stem)
                generate(example, projects[-1], env)
                if not args.python:
                    timed(["make", "setup"], projects[-1], env)
        results = [
            measure(p.resolve(), _interpreter(p, args.python), args.rows, args.runs, args.baseline)
            for p in projects
        ]
    when = time.strftime("%Y-%m-%d %H:%M")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {when}")
    print(f"median of {args.runs} runs after one warm-up; rows/s = rows / median seconds\n")
    header = ["track (schema)", "data", "rows", "version", "median s", "min s", "max s", "rows/s"]
    header += ["violations", "vs before"]
    print("| " + " | ".join(header) + " |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        for d in r["data"]:
            before = statistics.median(d["before"]["times"]) if "before" in d else None
            for name in ("before", "after"):
                if name not in d:
                    continue
                times = d[name]["times"]
                median = statistics.median(times)
                cells = [f"{r['track']} ({r['schema']})", d["label"], f"{d['rows']:,}", name]
                cells += [f"{median:.3f}", f"{min(times):.3f}", f"{max(times):.3f}"]
                cells += [f"{d['rows'] / median:,.0f}", str(d[name]["violations"])]
                cells += [f"{median / before:.2f}x" if before else "-"]
                print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
