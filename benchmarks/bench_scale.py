"""Wall time and peak memory of the fraud pipeline as the data grows, local engine beside Dask.

For each scale (default 1, 10 and 30) and each engine (``local``, ``dask``) this script runs the
data-heavy steps of a generated fraud-detection project, ``data train evaluate predict monitor``,
one process per step: ``python -m PACKAGE --config CFG STEP`` with ``ENGINE=local`` or
``ENGINE=dask``. Every run (one scale, one engine) has a working folder of its own, so no run
reads another's data, model or reports. At scale ``s`` the run's config is a copy of
``configs/config.yaml`` with:

- ``data.rows`` = ``s`` x the configured rows (150,000 as generated; at least 2,000);
- ``evaluation.review_capacity_per_day`` = ``s`` x its configured value: a team with ``s`` times
  the traffic reviews ``s`` times the alerts, so the policy and the promotion gate face the same
  problem at every size;
- ``engine.workers`` and ``engine.threads_per_worker`` from ``--local-cluster-workers`` and
  ``--local-cluster-threads`` (default 1 x 2), and ``engine.processes`` from
  ``--local-cluster-processes`` (default auto: the project's own choice): the Dask local cluster
  each Dask step starts and stops. ``DASK_SCHEDULER_ADDRESS`` is removed from the steps'
  environment, because the memory of an external cluster cannot be measured from here;
  ``OMP_NUM_THREADS`` is passed on as found.

Per step it records the wall time, the exit code and memory: every ~50 ms it sums the resident set
size (RSS) of the step's process and all its descendants (for Dask: the client and its scheduler,
the nanny and worker processes and anything they start; a process that leaves the tree stays
counted while it lives) and keeps the largest sum ("summed peak") and the largest single process.
RSS counts a shared page in every process that maps it, so the sum overstates what the processes
hold together by their shared libraries; a spike shorter than the poll can be missed.

A run stops at its first failed step (non-zero exit, over ``--step-timeout``, or killed when the
summed RSS passes ``--memory-cap-gb``); its later steps are recorded as skipped. Two non-zero
exits count as completed: ``monitor`` exit 3 (a drift alert) and ``evaluate`` exit 1 with
"promotion gate refused" (the run goes on; ``predict`` and ``monitor`` then have no promoted
model and fail, which is recorded as such).

Output: a Markdown report on stdout, also written as a section of ``--results-md``; the figures as
JSON (``--out``, rewritten after every run, so an interrupted benchmark keeps what it measured);
and a plot (``--plot``): total wall time and largest summed peak against the number of rows, one
line per engine. Figures are measured, never asserted.

The steps run with the interpreter of a venv holding the project with its ``dev`` and ``dask``
extras, created with uv in the generated project (``--python`` reuses an interpreter instead; the
project's ``src`` is put first on ``PYTHONPATH`` either way). The measurement needs psutil, which
the dask extra brings into that venv, and the plot needs matplotlib, a dependency of the project:
run from an interpreter without psutil, the script prepares the project and the venv, then runs
itself again with the venv's interpreter.

Usage::

    python benchmarks/bench_scale.py [--scales 1 10 30] [--engines local dask]
        [--steps data train evaluate predict monitor] [--project PATH] [--python PATH]
        [--local-cluster-workers 1] [--local-cluster-threads 2] [--memory-cap-gb 22]
        [--step-timeout SECONDS] [--out PATH] [--plot PATH] [--results-md PATH] [--keep]
    python benchmarks/bench_scale.py --plot-from RESULTS.json [--plot PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from benchlib import (
    EXAMPLES,
    REPO_ROOT,
    BenchError,
    clean_env,
    generate,
    load_averages,
    machine,
    package_name,
    template_commit,
    timed,
)

EXAMPLE = next(e for e in EXAMPLES if e.stem == "fraud-detection")
STEPS = ("data", "train", "evaluate", "predict", "monitor")
ENGINES = ("local", "dask")
SCALES = (1.0, 10.0, 30.0)
MIN_ROWS = 2_000
POLL_S = 0.05
MB = 1024 * 1024
# Installed beside the project's dev extra when its pyproject has no dask extra.
DASK_PACKAGES = ("dask[dataframe,distributed,diagnostics]", "pyarrow")
SECTION = "## Scale: the fraud pipeline on the local engine and on Dask"
# Step outcomes after which the run goes on.
COMPLETED = ("ok", "alert", "refused")
# The steps read and write these folders relative to their working directory (paths.*).
OUTPUT_DIRS = ("data", "artifacts", "reports")


def log(message: str) -> None:
    """Progress on stderr; stdout carries the report."""
    print(f"[bench_scale] {message}", file=sys.stderr, flush=True)


def _psutil() -> Any | None:
    try:
        return importlib.import_module("psutil")
    except ImportError:
        return None


def _scale_label(scale: float) -> str:
    return f"{scale:g}x"


# --------------------------------------------------------------------------------------------
# Project and interpreter


def _has_dask_extra(project: Path) -> bool:
    text = (project / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r"^dask\s*=", text, re.MULTILINE) is not None


def make_venv(project: Path, env: Mapping[str, str]) -> Path:
    """A venv in ``project/.venv`` with the project, its dev and dask extras, and psutil.

    An existing ``.venv`` is kept and the same packages are installed into it.
    """
    venv = project / ".venv"
    python = venv / "bin" / "python"
    if not python.exists():
        log(f"creating {venv} (uv)")
        timed(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)], project, env)
    log(f"installing the project into {venv} (uv)")
    constraints = project / "constraints.txt"
    pins = ["-c", str(constraints)] if constraints.is_file() else []
    if _has_dask_extra(project):
        wanted = [f"{project}[dev,dask]"]
    else:
        log("the project has no dask extra: installing its dev extra and the Dask packages")
        wanted = [f"{project}[dev]", *DASK_PACKAGES]
    command = ["uv", "pip", "install", "--quiet", "--python", str(python), *pins]
    timed([*command, "-e", *wanted, "psutil"], project, env, timeout=1800)
    return python


def step_env(project: Path, engine: str) -> dict[str, str]:
    """The environment of one step: the project's ``src`` first on the path, ``ENGINE`` set."""
    env: dict[str, str] = clean_env(drop=("DASK_SCHEDULER_ADDRESS", "PYTHONPATH", "ENGINE"))
    path = [str(project / "src"), *filter(None, os.environ.get("PYTHONPATH", "").split(":"))]
    return env | {"ENGINE": engine, "PYTHONPATH": os.pathsep.join(path)}


def check_interpreter(python: Path, project: Path, package: str, engines: Sequence[str]) -> None:
    """Fail early when ``python`` cannot import the project or lacks what the engines need."""
    modules = [package, "psutil", "yaml"]
    if "dask" in engines:
        modules += ["dask.dataframe", "distributed"]
    code = "import " + ", ".join(modules)
    done = subprocess.run(
        [str(python), "-c", code],
        env=step_env(project, "local"),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise BenchError(f"{python} cannot run the benchmark ({code}):\n{done.stderr[-1500:]}")


# --------------------------------------------------------------------------------------------
# Configs and working folders


PROCESSES = {"auto": None, "yes": True, "no": False}  # --local-cluster-processes: engine.processes


def _where_workers(processes: str, workers: int) -> str:
    """Where the local cluster's workers ran, in words (``engine.processes``)."""
    own = processes == "yes" or (processes == "auto" and workers > 1)
    if own:
        return "each worker in a process of its own (`engine.processes`)"
    return "the worker's threads in the step's process too (`engine.processes`: " + (
        "auto, one worker)" if processes == "auto" else "false)"
    )


def scaled_config(
    project: Path, scale: float, workers: int, threads: int, processes: bool | None = None
) -> dict[str, Any]:
    """The project's config with the data, review capacity and local cluster of ``scale``."""
    cfg: dict[str, Any] = yaml.safe_load(
        (project / "configs" / "config.yaml").read_text(encoding="utf-8")
    )
    try:
        base_rows = int(cfg["data"]["rows"])
        base_capacity = float(cfg["evaluation"]["review_capacity_per_day"])
    except (KeyError, TypeError) as exc:
        raise BenchError(
            f"{project}/configs/config.yaml has no data.rows or "
            "evaluation.review_capacity_per_day: is it a fraud-detection project?"
        ) from exc
    rows = round(base_rows * scale)
    if rows < MIN_ROWS:
        raise BenchError(f"scale {scale:g} gives {rows:,} rows; the pipeline needs {MIN_ROWS:,}")
    capacity = round(base_capacity * scale, 6)
    cfg["data"]["rows"] = rows
    cfg["evaluation"]["review_capacity_per_day"] = (
        int(capacity) if capacity.is_integer() else capacity
    )
    engine = cfg.get("engine") or {}
    engine.update({"workers": workers, "threads_per_worker": threads, "processes": processes})
    cfg["engine"] = engine
    return cfg


def prepare_workdir(
    project: Path, workdir: Path, cfg: Mapping[str, Any], steps: Sequence[str]
) -> str:
    """A working folder for one run, holding its config; return the config's relative path.

    It starts from the project as generated (configs, docs, README); the project's data,
    artifacts and reports are copied only when the run leaves out ``data``, since the later
    steps read them.
    """
    workdir.mkdir(parents=True)
    shutil.copytree(project / "configs", workdir / "configs")
    if (project / "docs").is_dir():
        shutil.copytree(project / "docs", workdir / "docs")
    if (project / "README.md").is_file():
        shutil.copy2(project / "README.md", workdir / "README.md")
    if "data" not in steps:
        for name in OUTPUT_DIRS:
            if (project / name).is_dir():
                shutil.copytree(project / name, workdir / name)
    config = workdir / "configs" / "bench-scale.yaml"
    config.write_text(yaml.safe_dump(dict(cfg), sort_keys=False), encoding="utf-8")
    return str(config.relative_to(workdir))


# --------------------------------------------------------------------------------------------
# Measurement


@dataclass
class StepResult:
    """One step of one run."""

    step: str
    status: str  # ok, alert, refused, failed, memory-cap, timeout, skipped
    exit_code: int | None = None
    wall_s: float | None = None
    peak_sum_mb: float | None = None
    peak_process_mb: float | None = None
    max_processes: int | None = None
    leftover_processes: int = 0
    summary: str = ""
    stderr_tail: str = ""


@dataclass
class Run:
    """Every step of one engine at one scale."""

    scale: float
    engine: str
    rows: int
    review_capacity_per_day: float
    steps: list[StepResult] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every step ran to the end (a drift alert or a refusing gate included)."""
        return bool(self.steps) and all(s.status in COMPLETED for s in self.steps)

    def measured(self) -> list[StepResult]:
        """The steps that ran (not skipped)."""
        return [s for s in self.steps if s.wall_s is not None]

    def total_wall_s(self) -> float:
        """Sum of the wall times of the steps that ran."""
        return sum(s.wall_s or 0.0 for s in self.measured())

    def max_peak_sum_mb(self) -> float:
        """The largest summed peak over the steps that ran."""
        return max((s.peak_sum_mb or 0.0 for s in self.measured()), default=0.0)

    def max_peak_process_mb(self) -> float:
        """The largest single process over the steps that ran."""
        return max((s.peak_process_mb or 0.0 for s in self.measured()), default=0.0)

    def as_json(self) -> dict[str, Any]:
        """The run with its totals, for the JSON file."""
        return {
            "scale": self.scale,
            "engine": self.engine,
            "rows": self.rows,
            "review_capacity_per_day": self.review_capacity_per_day,
            "complete": self.complete,
            "total_wall_s": round(self.total_wall_s(), 3),
            "max_peak_sum_mb": round(self.max_peak_sum_mb(), 1),
            "max_peak_process_mb": round(self.max_peak_process_mb(), 1),
            "steps": [asdict(s) for s in self.steps],
        }


class ProcessTree:
    """RSS of a process and its descendants, sampled on demand."""

    def __init__(self, psutil: Any, pid: int) -> None:
        self.psutil = psutil
        self.root = psutil.Process(pid)
        self.seen: dict[int, Any] = {pid: self.root}

    def sample(self) -> tuple[int, int, int]:
        """Summed RSS, largest RSS (bytes) and the number of live processes in the tree."""
        ps = self.psutil
        try:
            for child in self.root.children(recursive=True):
                self.seen.setdefault(child.pid, child)
        except ps.Error:
            pass  # the root ended: the processes seen so far are still counted while they live
        total = largest = count = 0
        for pid, proc in list(self.seen.items()):
            try:
                rss = int(proc.memory_info().rss)
            except ps.Error:  # ended (or a zombie) since the last poll
                del self.seen[pid]
                continue
            total += rss
            largest = max(largest, rss)
            count += 1
        return total, largest, count

    def alive(self) -> list[Any]:
        """The processes of the tree still running, the root excepted."""
        found = []
        for pid, proc in self.seen.items():
            if pid == self.root.pid:
                continue
            try:
                if proc.is_running() and proc.status() != self.psutil.STATUS_ZOMBIE:
                    found.append(proc)
            except self.psutil.Error:
                pass
        return found

    def kill(self) -> None:
        """SIGKILL every process of the tree (the process group first, then each one seen)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.root.pid, signal.SIGKILL)
        for proc in self.seen.values():
            with contextlib.suppress(self.psutil.Error):
                proc.kill()  # psutil checks the pid still names the same process


def _tail(path: Path, lines: int = 15, chars: int = 2500) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    return "\n".join(text.rstrip().splitlines()[-lines:])[-chars:]


def _status(step: str, code: int, stderr: str) -> str:
    if code == 0:
        return "ok"
    if step == "monitor" and code == 3:
        return "alert"
    if step == "evaluate" and code == 1 and "promotion gate refused" in stderr:
        return "refused"
    return "failed"


def run_step(
    step: str,
    command: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    cap_mb: float,
    timeout_s: float,
) -> StepResult:
    """Run one step to its end, sampling the memory of its process tree every ``POLL_S``."""
    ps = _psutil()
    if ps is None:
        raise BenchError("measuring needs psutil in the running interpreter")
    logs = cwd / "logs"
    logs.mkdir(exist_ok=True)
    out_path, err_path = logs / f"{step}.stdout", logs / f"{step}.stderr"
    peak_sum = peak_one = most = 0
    killed = ""
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(command), cwd=cwd, env=dict(env), stdout=out, stderr=err, start_new_session=True
        )
        try:
            tree = ProcessTree(ps, proc.pid)
        except ps.Error:  # ended before the first sample
            tree = None
        while True:
            if tree is not None:
                total, largest, count = tree.sample()
                peak_sum, peak_one, most = (
                    max(peak_sum, total),
                    max(peak_one, largest),
                    max(most, count),
                )
            if proc.poll() is not None:
                break
            if peak_sum > cap_mb * MB:
                killed = "memory-cap"
            elif time.perf_counter() - start > timeout_s:
                killed = "timeout"
            if killed:
                if tree is not None:
                    tree.kill()
                proc.kill()
                proc.wait()
                break
            time.sleep(POLL_S)
        wall = time.perf_counter() - start
    leftovers = 0
    if tree is not None:
        # Processes that outlive the step would weigh on the next one: give them a moment to
        # finish, then end them and record how many there were.
        alive = tree.alive()
        if alive:
            _, alive = ps.wait_procs(alive, timeout=5)
            leftovers = len(alive)
            tree.kill()
    code = proc.returncode
    stderr = _tail(err_path)
    stdout = _tail(out_path, lines=1, chars=400)
    return StepResult(
        step=step,
        status=killed or _status(step, code, stderr),
        exit_code=code,
        wall_s=round(wall, 3),
        peak_sum_mb=round(peak_sum / MB, 1),
        peak_process_mb=round(peak_one / MB, 1),
        max_processes=most,
        leftover_processes=leftovers,
        summary=stdout,
        stderr_tail=stderr,
    )


def bench_run(
    project: Path,
    python: Path,
    package: str,
    workdir: Path,
    scale: float,
    engine: str,
    args: argparse.Namespace,
) -> Run:
    """Every chosen step of one engine at one scale, in a working folder of its own."""
    cfg = scaled_config(
        project,
        scale,
        args.local_cluster_workers,
        args.local_cluster_threads,
        PROCESSES[args.local_cluster_processes],
    )
    config = prepare_workdir(project, workdir, cfg, args.steps)
    run = Run(
        scale=scale,
        engine=engine,
        rows=cfg["data"]["rows"],
        review_capacity_per_day=cfg["evaluation"]["review_capacity_per_day"],
    )
    env = step_env(project, engine)
    stopped = ""
    for step in args.steps:
        if stopped:
            run.steps.append(StepResult(step=step, status="skipped", summary=f"after {stopped}"))
            continue
        log(f"{_scale_label(scale)} ({run.rows:,} rows) {engine}: {step}")
        result = run_step(
            step,
            [str(python), "-m", package, "--config", config, step],
            workdir,
            env,
            cap_mb=args.memory_cap_gb * 1024,
            timeout_s=args.step_timeout,
        )
        log(
            f"  {result.status} (exit {result.exit_code}) in {result.wall_s:.1f} s, summed peak "
            f"{result.peak_sum_mb:.0f} MB over up to {result.max_processes} process(es)"
        )
        run.steps.append(result)
        if result.status not in COMPLETED:
            stopped = f"{step} {result.status}"
    return run


# --------------------------------------------------------------------------------------------
# Report


_STATUS_TEXT = {
    "ok": "ok",
    "alert": "ok, drift alert (exit 3)",
    "refused": "gate refused (exit 1)",
    "skipped": "skipped",
    "timeout": "killed: over the step timeout",
}


def _status_text(step: Mapping[str, Any], cap_gb: float) -> str:
    status = str(step["status"])
    if status == "failed":
        return f"**failed** (exit {step['exit_code']})"
    if status == "memory-cap":
        return f"**killed**: summed RSS over {cap_gb:g} GB"
    text = _STATUS_TEXT.get(status, status)
    return f"**{text}**" if status == "timeout" else text


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _times(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def _ratios(runs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Dask over local per scale: total wall time and largest summed peak.

    Both are taken over the steps that completed on both engines (every step, when both runs
    are complete), so a run that stopped early is not compared on fewer steps.
    """
    out = []
    for scale in dict.fromkeys(r["scale"] for r in runs):
        by = {r["engine"]: r for r in runs if r["scale"] == scale}
        local, dask = by.get("local"), by.get("dask")
        if not local or not dask:
            continue
        done = [
            {st["step"]: st for st in r["steps"] if st["status"] in COMPLETED}
            for r in (local, dask)
        ]
        common = [step for step in done[0] if step in done[1]]
        if not common:
            continue
        wall = [sum(d[step]["wall_s"] for step in common) for d in done]
        peak = [max(d[step]["peak_sum_mb"] for step in common) for d in done]
        out.append(
            {
                "scale": scale,
                "rows": local["rows"],
                "steps": common,
                "local_wall_s": wall[0],
                "dask_wall_s": wall[1],
                "local_peak_sum_mb": peak[0],
                "dask_peak_sum_mb": peak[1],
                "wall": wall[1] / wall[0] if wall[0] else None,
                "peak_sum": peak[1] / peak[0] if peak[0] else None,
                "complete": bool(local["complete"] and dask["complete"]),
            }
        )
    return out


def render(results: Mapping[str, Any], plot_link: str | None) -> str:
    """The Markdown section for ``results``."""
    s = results["settings"]
    runs = results["runs"]
    cap_gb = float(s["memory_cap_gb"])
    omp = s["omp_num_threads"]
    out = [
        SECTION,
        "",
        f"Measured {results['started']} UTC with `{results['command']}` in "
        f"{results['elapsed_s'] / 60:.1f} min.",
        "",
    ]
    partial = [
        what
        for what, chosen, default in (
            ("scales", s["scales"], SCALES),
            ("engines", s["engines"], ENGINES),
            ("steps", s["steps"], STEPS),
        )
        if list(chosen) != list(default)
    ]
    if partial:
        out += [
            f"**Partial run**: its {' and '.join(partial)} differ from the defaults (scales "
            f"{' '.join(f'{x:g}' for x in SCALES)}; engines {' '.join(ENGINES)}; steps "
            f"{' '.join(STEPS)}), so these figures do not stand for the full benchmark.",
            "",
        ]
    out += [
        f"- Machine: {results['machine']}. Template (this repository) at commit "
        f"{results['commit']}.",
        f"- Load averages (1 / 5 / 15 min): {results['load_before']} before, "
        f"{results['load_after']} after.",
        f"- Each step is its own process, `python -m {s['package']} --config CFG STEP` with "
        "`ENGINE=local` or `ENGINE=dask`, in a working folder of its own per scale and engine "
        "(each run starts from the generated project: no data, no model). "
        f"`OMP_NUM_THREADS` {'unset' if omp is None else '= ' + omp}.",
        f"- Scale s: `data.rows` = s x {s['base_rows']:,}, and "
        f"`evaluation.review_capacity_per_day` = s x {s['base_review_capacity_per_day']:g}: a team "
        "with s times the traffic reviews s times the alerts, so the policy and the promotion "
        "gate face the same problem at every size.",
        f"- Dask: a local cluster of {s['workers']} worker(s) x {s['threads']} thread(s) "
        "(`engine.workers`, `engine.threads_per_worker`), started and stopped by each step that "
        "uses it, with the scheduler in the step's process; "
        + _where_workers(s.get("processes", "yes"), s["workers"])
        + ".",
        "- Memory: every 50 ms the RSS of the step's process and all its descendants (client, "
        "nanny, workers) is summed; *summed peak* is the largest sum, *largest process* the "
        "largest single RSS. RSS counts a shared page in every process that maps it, so the sum "
        "overstates what the processes hold together by roughly one copy of the shared "
        f"libraries per extra process. A step is killed when the sum passes {cap_gb:g} GB.",
        "- A run stops at its first failed step; a drift alert from `monitor` (exit 3) and a "
        "refusing promotion gate (`evaluate` exit 1) count as completed.",
        "",
        "| scale | rows | engine | step | wall s | summed peak MB | largest process MB "
        "| processes | status |",
        "| ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in runs:
        for st in r["steps"]:
            out.append(
                f"| {_scale_label(r['scale'])} | {r['rows']:,} | {r['engine']} | {st['step']} "
                f"| {_num(st['wall_s'], 1)} | {_num(st['peak_sum_mb'])} "
                f"| {_num(st['peak_process_mb'])} | {_num(st['max_processes'])} "
                f"| {_status_text(st, cap_gb)} |"
            )
    out += [
        "",
        "Per run: the sum of the steps' wall times, the largest summed peak of any step and the "
        "largest single process.",
        "",
        "| scale | rows | review capacity / day | engine | total wall s | max summed peak MB "
        "| largest process MB | steps completed |",
        "| ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for r in runs:
        done = sum(1 for st in r["steps"] if st["status"] in COMPLETED)
        out.append(
            f"| {_scale_label(r['scale'])} | {r['rows']:,} | {r['review_capacity_per_day']:g} "
            f"| {r['engine']} | {r['total_wall_s']:,.1f} | {r['max_peak_sum_mb']:,.0f} "
            f"| {r['max_peak_process_mb']:,.0f} | {done} of {len(r['steps'])} |"
        )
    ratios = _ratios(runs)
    if ratios:
        out += [
            "",
            "Dask / local, per scale (below 1: Dask is faster or lighter), over the steps "
            "that completed on both engines: every step when both runs are complete.",
            "",
            "| scale | rows | steps compared | total wall time | max summed peak "
            "| both runs complete |",
            "| ---: | ---: | --- | ---: | ---: | --- |",
        ]
        for q in ratios:
            steps = "all" if len(q["steps"]) == len(s["steps"]) else " ".join(q["steps"])
            out.append(
                f"| {_scale_label(q['scale'])} | {q['rows']:,} | {steps} "
                f"| {_times(q['wall'])} ({q['dask_wall_s']:,.1f} / {q['local_wall_s']:,.1f} s) "
                f"| {_times(q['peak_sum'])} ({q['dask_peak_sum_mb']:,.0f} / "
                f"{q['local_peak_sum_mb']:,.0f} MB) | {'yes' if q['complete'] else '**no**'} |"
            )
    notes: list[str] = []
    for r in runs:
        for st in r["steps"]:
            if st["status"] in ("ok", "alert", "skipped"):
                continue
            where = f"{_scale_label(r['scale'])} {r['engine']} `{st['step']}`"
            tail = [f"  {line}" for line in str(st["stderr_tail"]).splitlines()[-8:]]
            notes += [
                f"- {where}: {_status_text(st, cap_gb)}; the last lines of its stderr:",
                "",
                "  ```text",
                *tail,
                "  ```",
                "",
            ]
        leftover = [st["step"] for st in r["steps"] if st.get("leftover_processes")]
        if leftover:
            notes += [
                f"- {_scale_label(r['scale'])} {r['engine']}: processes outlived "
                f"{', '.join(leftover)} and were ended before the next step.",
                "",
            ]
    if notes:
        out += ["", "Failed, refused or unusual steps:", "", *notes]
    if plot_link:
        out += ["", f"![Wall time and peak memory against rows, per engine]({plot_link})"]
    return "\n".join(out).rstrip() + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section of ``path`` (up to the next ``## `` heading), or append."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    lines = text.splitlines()
    if SECTION in lines:
        start = lines.index(SECTION)
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        rest = lines[end:]
        new = [*lines[:start], *section.rstrip().splitlines(), *([""] if rest else []), *rest]
    else:
        new = [*lines, *([""] if lines else []), *section.rstrip().splitlines()]
    path.write_text("\n".join(new) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Plot


def _rows_label(rows: float) -> str:
    if rows >= 1_000_000:
        return f"{rows / 1_000_000:g}M"
    return f"{rows / 1_000:g}k" if rows >= 1_000 else f"{rows:g}"


def draw(results: Mapping[str, Any], path: Path) -> None:
    """Two panels against rows: total wall time, and the largest summed peak; one line per engine.

    Hollow markers are runs in which a step failed or was skipped. Axes are logarithmic when the
    sizes span a factor of 8 or more, with ticks at the measured sizes.
    """
    matplotlib = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    ticker = importlib.import_module("matplotlib.ticker")
    runs = results["runs"]
    sizes = sorted({r["rows"] for r in runs})
    log_axes = bool(sizes) and sizes[-1] / sizes[0] >= 8
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), constrained_layout=True)
    panels = (
        ("total_wall_s", "total wall time (s)", "Wall time, sum of the steps"),
        ("max_peak_sum_mb", "largest summed peak RSS (MB)", "Peak memory, all processes of a step"),
    )
    styles = {"local": ("tab:blue", "o", 6), "dask": ("tab:orange", "s", -13)}
    for ax, (key, ylabel, title) in zip(axes, panels, strict=True):
        for engine in dict.fromkeys(r["engine"] for r in runs):
            mine = sorted((r for r in runs if r["engine"] == engine), key=lambda r: r["rows"])
            xs, ys = [r["rows"] for r in mine], [r[key] for r in mine]
            color, marker, offset = styles.get(engine, ("tab:gray", "^", 6))
            ax.plot(xs, ys, color=color, label=engine, linewidth=1.6)
            for r, x, y in zip(mine, xs, ys, strict=True):
                face = color if r["complete"] else "white"
                ax.plot(x, y, marker=marker, color=color, markerfacecolor=face, markersize=7)
                label = f"{y:,.0f}" if y >= 10 else f"{y:.1f}"
                ax.annotate(
                    label,
                    (x, y),
                    textcoords="offset points",
                    xytext=(6, offset),
                    fontsize=8,
                    color=color,
                )
        if log_axes:
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.xaxis.set_minor_locator(ticker.NullLocator())
            ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_minor_locator(ticker.NullLocator())
            ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
            ax.margins(x=0.15, y=0.2)
        else:
            ax.set_ylim(bottom=0, top=max((r[key] for r in runs), default=1) * 1.15)
            ax.margins(x=0.1)
        ax.set_xticks(sizes)
        ax.set_xticklabels([_rows_label(n) for n in sizes])
        ax.set_xlabel("data.rows (training transactions)")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(title="engine")
    s = results["settings"]
    fig.suptitle(
        f"Fraud pipeline ({' '.join(s['steps'])}) per engine; Dask: a local cluster of "
        f"{s['workers']} worker(s) x {s['threads']} threads; {results['machine_short']}.\n"
        "Hollow marker: a step failed or was skipped.",
        fontsize=9,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot(results_json: Path, path: Path, python: Path | None) -> bool:
    """Draw ``path`` from ``results_json`` here, or with ``python`` when matplotlib is missing."""
    results = json.loads(results_json.read_text(encoding="utf-8"))
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        if python is None:
            log("no matplotlib here and no --python to draw with: no plot")
            return False
        command = [str(python), __file__, "--plot-from", str(results_json), "--plot", str(path)]
        done = subprocess.run(command, check=False, env=clean_env(), capture_output=True, text=True)
        if done.returncode:
            log(f"the plot failed:\n{done.stderr[-1500:]}")
            return False
        return True
    draw(results, path)
    return True


# --------------------------------------------------------------------------------------------
# Main


def _parser() -> argparse.ArgumentParser:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(
        "--scales", type=float, nargs="+", default=list(SCALES), help="multiples of data.rows"
    )
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--project", type=Path, help="a generated fraud-detection project to reuse")
    parser.add_argument(
        "--python",
        type=Path,
        help="an interpreter that imports the project (with PYTHONPATH=src) and Dask; "
        "default: a new venv in the project",
    )
    parser.add_argument("--local-cluster-workers", type=int, default=1, help="engine.workers")
    parser.add_argument(
        "--local-cluster-processes",
        choices=list(PROCESSES),
        default="auto",
        help="engine.processes: auto (the project's default: a process per worker only with two "
        "or more workers), yes or no",
    )
    parser.add_argument(
        "--local-cluster-threads", type=int, default=2, help="engine.threads_per_worker"
    )
    parser.add_argument(
        "--memory-cap-gb", type=float, default=22.0, help="kill a step whose summed RSS passes it"
    )
    parser.add_argument("--step-timeout", type=float, default=7200.0, help="seconds per step")
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "benchmarks" / "results" / "scale.json"
    )
    parser.add_argument("--plot", type=Path, default=REPO_ROOT / "docs" / "images" / "scale.png")
    parser.add_argument(
        "--results-md",
        default=str(REPO_ROOT / "benchmarks" / "RESULTS.md"),
        help="Markdown file whose scale section is written ('' to leave it alone)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--plot-from", type=Path, help="only draw --plot from this results JSON")
    # The command line as typed, when the script runs itself again with the venv's interpreter.
    parser.add_argument("--reported-command", help=argparse.SUPPRESS)
    return parser


def _measure(
    args: argparse.Namespace, argv: Sequence[str], project: Path, python: Path, tmp: Path
) -> int:
    """Every run, then the JSON, the plot and the report."""
    package = package_name(project)
    check_interpreter(python, project, package, args.engines)
    base = yaml.safe_load((project / "configs" / "config.yaml").read_text(encoding="utf-8"))
    for scale in args.scales:
        scaled_config(project, scale, 1, 1)  # a scale too small fails here, before any run
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    clock = time.perf_counter()
    results: dict[str, Any] = {
        "started": started,
        "command": "python benchmarks/bench_scale.py "
        + (args.reported_command or shlex.join(argv)),
        "machine": machine(),
        "machine_short": f"{os.cpu_count()} CPUs",
        "commit": template_commit(),
        "load_before": load_averages(),
        "settings": {
            "package": package,
            "base_rows": int(base["data"]["rows"]),
            "base_review_capacity_per_day": float(base["evaluation"]["review_capacity_per_day"]),
            "scales": args.scales,
            "engines": args.engines,
            "steps": args.steps,
            "workers": args.local_cluster_workers,
            "threads": args.local_cluster_threads,
            "processes": args.local_cluster_processes,
            "memory_cap_gb": args.memory_cap_gb,
            "step_timeout_s": args.step_timeout,
            "poll_s": POLL_S,
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
            "python": str(python),
            "project": str(project),
        },
        "runs": [],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for scale in args.scales:
        for engine in args.engines:
            workdir = tmp / f"run-{_scale_label(scale)}-{engine}"
            run = bench_run(project, python, package, workdir, scale, engine, args)
            results["runs"].append(run.as_json())
            results["ratios"] = _ratios(results["runs"])
            results["elapsed_s"] = time.perf_counter() - clock
            results["load_after"] = load_averages()
            args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
    log(f"wrote {args.out}")
    plotted = plot(args.out, args.plot, python)
    link = None
    if plotted:
        log(f"wrote {args.plot}")
        where = Path(args.results_md).parent if args.results_md else Path.cwd()
        link = os.path.relpath(args.plot.resolve(), where.resolve())
    section = render(results, link)
    print(section)
    if args.results_md:
        write_section(Path(args.results_md), section)
        log(f"wrote the scale section of {args.results_md}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Prepare the project and interpreter, measure every run, write the report."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    if args.plot_from:
        return 0 if plot(args.plot_from, args.plot, args.python) else 1
    args.out, args.plot = args.out.resolve(), args.plot.resolve()
    tmp = Path(tempfile.mkdtemp(prefix="mlscaffold-bench-scale-"))
    try:
        env = clean_env()
        if args.project:
            project = args.project.resolve()
        else:
            project = tmp / "fraud-detection"
            log(f"generating {project}")
            generate(EXAMPLE, project, env)
        python = args.python.absolute() if args.python else make_venv(project, env)
        if _psutil() is None:
            # The measurement loop needs psutil: run it with the benchmark's own interpreter.
            log(f"no psutil in {sys.executable}: measuring with {python}")
            again = [str(python), str(Path(__file__).resolve()), *argv]
            again += ["--project", str(project), "--python", str(python)]
            again += ["--out", str(args.out), "--plot", str(args.plot)]
            again += ["--reported-command", shlex.join(argv)]
            return subprocess.run(again, env=env, check=False).returncode
        return _measure(args, argv, project, python, tmp)
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
