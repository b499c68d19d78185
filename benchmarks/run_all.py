"""Run every benchmark and write ``benchmarks/RESULTS.md``.

Sections, all measured in one run so that ratios compare numbers taken side by side:

1. Generation: ``mlscaffold new`` per track (from this checkout and from an installed wheel),
   beside ``copier copy`` of the same template and beside ``ccds`` (cookiecutter-data-science,
   installed from the package index into a throwaway venv, rendering a local clone of its
   template). Whole-process medians; one untimed warm-up run each.
2. Time to green per track: fresh venv plus install (uv with a warm cache, uv with an empty
   cache, pip) and then the project's full test suite.
3. Serving per track: the main endpoint on 127.0.0.1, one uvicorn worker, sequential and with 8
   concurrent clients, with ``OMP_NUM_THREADS=1`` and unset, beside a bare FastAPI endpoint that
   returns a constant (served the same way, with the project's own interpreter).
4. Pipeline per track: every step of ``make all``, its wall time and the max RSS of the
   processes it starts, at the default size and at a larger one.

Usage::

    python benchmarks/run_all.py [--quick] [--output PATH] [--only SECTION] [--ccds-template REPO]

``--quick`` uses 3 generation runs (default 5), 300 requests per load run (default 1000) and a 3x
pipeline scale (default 10x). Figures are printed and written, never asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from benchlib import (
    EXAMPLES,
    REPO_ROOT,
    BenchError,
    clean_env,
    free_port,
    generate,
    installed_cli,
    load_averages,
    machine,
    median,
    package_name,
    repeat_timed,
    script,
    served,
    template_commit,
    template_root,
    timed,
    timed_rss,
)

CCDS_PACKAGE = "cookiecutter-data-science"

# Written to a temporary folder and served with the generated project's interpreter.
FLOOR_APP = '''"""A bare FastAPI endpoint returning a constant: the serving floor."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ready")
async def ready() -> dict[str, str]:
    return {{"status": "ready"}}


@app.post("{path}")
async def constant() -> dict[str, bool]:
    return {{"ok": True}}
'''

# Run with the generated project's interpreter: the project's own load generator and bodies.
LOAD_CLIENT = """
import json
from {pkg}.config import load_config
from {pkg}.plugin import TRACK
from {pkg}.serving.loadtest import run_load
cfg = load_config("configs/config.yaml")
payloads = TRACK.sample_requests(cfg, 256)
print(json.dumps(run_load({url!r}, payloads, requests={n}, concurrency={c}, timeout_s={t})))
"""

LOAD_PATH = {"fraud-detection": "/predict", "rag": "/ask"}


@dataclass
class Settings:
    """How much to measure."""

    runs: int
    requests: int
    scale: int
    load_timeout_s: float = 120.0


@dataclass
class Results:
    """Everything measured, as Markdown-ready rows and notes."""

    generation: list[tuple[str, str, list[float]]] = field(default_factory=list)
    generation_notes: list[str] = field(default_factory=list)
    green: list[dict[str, Any]] = field(default_factory=list)
    serving: list[dict[str, Any]] = field(default_factory=list)
    pipeline: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def log(message: str) -> None:
    """Progress on stderr, so stdout carries only the results."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# 1. Generation


CCDS_TEMPLATE = "https://github.com/drivendataorg/cookiecutter-data-science"


def _ccds(tmp: Path, env: dict[str, str], source: str) -> tuple[list[str] | None, str]:
    """Install ccds into a throwaway venv and clone its template once (untimed).

    ``ccds`` clones its template from ``source`` on every run by default; the timed runs render a
    local clone instead, at the tag of the installed release, as ``mlscaffold new`` renders a
    local template. Returns the command, or None and why the row is skipped.
    """
    venv = tmp / "ccds-venv"
    try:
        timed(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)], tmp, env)
        timed(
            ["uv", "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
             CCDS_PACKAGE],
            tmp,
            env,
        )  # fmt: skip
    except BenchError as exc:
        return None, f"`{CCDS_PACKAGE}` could not be installed from the package index: {exc}"
    metadata = f"import importlib.metadata as m; print(m.version({CCDS_PACKAGE!r}))"
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", metadata], capture_output=True, text=True, check=False
    ).stdout.strip()
    template = tmp / "ccds-template"
    clone = subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", "--branch", f"v{version}", source,
         str(template)],
        env=env | {"GIT_TERMINAL_PROMPT": "0"},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )  # fmt: skip
    if clone.returncode != 0:
        last = (clone.stderr.strip().splitlines() or ["no output"])[-1]
        return None, (
            f"`{CCDS_PACKAGE}` {version} ships no template and its template could not be cloned "
            f"from {source} ({last[:200]}); the row was skipped. Pass `--ccds-template` a "
            "reachable clone of it."
        )
    command = [str(venv / "bin" / "ccds"), str(template), "--no-input"]
    origin = source if "://" in source else f"a local copy of {CCDS_TEMPLATE} (--ccds-template)"
    return command, (
        f"`{CCDS_PACKAGE}` {version}: `ccds TEMPLATE --no-input`, TEMPLATE a clone of {origin} "
        f"at tag v{version} (ccds ships no template; by default it clones one from GitHub on "
        "every run, which the timed runs leave out)."
    )


def bench_generation(settings: Settings, results: Results, tmp: Path, ccds_source: str) -> None:
    """Whole-process generation times, every command side by side."""
    root, is_git = template_root()
    settings_file = tmp / "copier-settings.yml"
    settings_file.write_text("{}\n", encoding="utf-8")
    env = clean_env({"COPIER_SETTINGS_PATH": str(settings_file)})
    mlscaffold, copier = script("mlscaffold"), script("copier")
    installed = installed_cli(REPO_ROOT, tmp, env)
    ccds, note = _ccds(tmp, env, ccds_source)
    results.generation_notes.append(
        f"`mlscaffold new` and `copier copy` render this repository's template "
        f"({'git checkout' if is_git else 'plain folder'}); `mlscaffold new (installed wheel)` "
        "is a wheel of this repository installed into a fresh venv, which renders the template "
        f"packaged inside it, as after `pip install`. {settings.runs} timed runs per command "
        "after one untimed warm-up; whole processes, bytecode caching allowed."
    )
    if ccds is None:
        results.generation_notes.append(note)
    ref = ["--vcs-ref", "HEAD"] if is_git else []
    for example in EXAMPLES:

        def new(dest: Path, e: Path = example) -> list[str]:
            return [*mlscaffold, "new", str(dest), "--answers-file", str(e), "--defaults"]

        def copy(dest: Path, e: Path = example) -> list[str]:
            return [*copier, "copy", "--quiet", "--defaults", "--data-file", str(e), *ref,
                    str(root), str(dest)]  # fmt: skip

        def new_installed(dest: Path, e: Path = example) -> list[str]:
            return [*installed, "new", str(dest), "--answers-file", str(e), "--defaults"]

        commands = {
            "mlscaffold new": new,
            "mlscaffold new (installed wheel)": new_installed,
            "copier copy": copy,
        }
        for label, build in commands.items():
            log(f"generation: {example.stem} / {label}")
            work = tmp / "gen" / example.stem / "".join(c if c.isalnum() else "-" for c in label)
            results.generation.append(
                (example.stem, label, repeat_timed(build, settings.runs, env, work))
            )
    if ccds is not None:
        log("generation: cookiecutter-data-science")

        def ccds_build(dest: Path, command: list[str] = ccds) -> list[str]:
            return [*command, "--output-dir", str(dest.parent)]

        results.generation.append(
            ("cookiecutter-data-science", "ccds TEMPLATE --no-input",
             repeat_timed(ccds_build, settings.runs, env, tmp / "gen" / "ccds"))
        )  # fmt: skip
        results.generation_notes.append(note)


# --------------------------------------------------------------------------------------------
# 2. Time to green


def _green(example: Path, how: str, tmp: Path) -> dict[str, Any]:
    """Generate, create a venv, install with ``how``, run the full suite; time each part."""
    base = clean_env()
    work = tmp / f"green-{example.stem}-{how.replace(' ', '-')}"
    work.mkdir()
    project = work / example.stem
    generate(example, project, base)
    py = str(project / ".venv" / "bin" / "python")
    if how.startswith("uv"):
        env = base
        if how == "uv, cold cache":
            cache = work / "uv-cache"
            cache.mkdir()
            env = base | {"UV_CACHE_DIR": str(cache)}
        venv_s, _ = timed(
            ["uv", "venv", "--quiet", "--python", sys.executable, ".venv"], project, env
        )
        pip_s, _ = timed(
            ["uv", "pip", "install", "--quiet", "--python", py, "-e", ".[dev]"], project, env
        )
    else:
        env = base
        venv_s, _ = timed([sys.executable, "-m", "venv", ".venv"], project, env)
        pip_s, _ = timed([py, "-m", "pip", "install", "--quiet", "-e", ".[dev]"], project, env)
    test_s, out = timed([py, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, base)
    summary = (out.strip().splitlines() or [""])[-1]
    return {
        "track": example.stem,
        "how": how,
        "install_s": venv_s + pip_s,
        "test_s": test_s,
        "green_s": venv_s + pip_s + test_s,
        "summary": summary.strip("= "),
    }


def bench_green(results: Results, tmp: Path) -> None:
    """Time to green for every track and installer, one after the other."""
    for example in EXAMPLES:
        for how in ("uv, warm cache", "uv, cold cache", "pip"):
            log(f"time to green: {example.stem} / {how}")
            try:
                results.green.append(_green(example, how, tmp))
            except BenchError as exc:
                results.notes.append(f"Time to green, {example.stem} with {how}: failed: {exc}")


# --------------------------------------------------------------------------------------------
# 3. Serving


def _load(
    project: Path, pkg: str, url: str, settings: Settings, concurrency: int
) -> dict[str, Any]:
    client = LOAD_CLIENT.format(
        pkg=pkg, url=url, n=settings.requests, c=concurrency, t=settings.load_timeout_s
    )
    _, out = timed(
        [str(project / ".venv" / "bin" / "python"), "-c", client],
        project,
        clean_env(),
        timeout=settings.load_timeout_s + 120,
    )
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def bench_serving(project: Path, track: str, settings: Settings, tmp: Path) -> list[dict[str, Any]]:
    """Floor, then the service with OMP_NUM_THREADS=1 and unset, at concurrency 1 and 8."""
    pkg = package_name(project)
    python = str(project / ".venv" / "bin" / "python")
    floor_dir = tmp / f"floor-{track}"
    floor_dir.mkdir()
    (floor_dir / "floor_app.py").write_text(
        FLOOR_APP.format(path=LOAD_PATH[track]), encoding="utf-8"
    )
    rows = []
    for concurrency in (1, 8):
        for variant in ("bare FastAPI floor", "OMP_NUM_THREADS=1", "OMP_NUM_THREADS unset"):
            log(f"serving: {track} / concurrency {concurrency} / {variant}")
            port = free_port()
            env = clean_env({"LOG_LEVEL": "WARNING"}, drop=("OMP_NUM_THREADS",))
            if variant == "bare FastAPI floor":
                command = [python, "-m", "uvicorn", "floor_app:app", "--app-dir", str(floor_dir),
                           "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                           "--no-access-log", "--log-level", "warning"]  # fmt: skip
            else:
                if variant == "OMP_NUM_THREADS=1":
                    env["OMP_NUM_THREADS"] = "1"
                command = [python, "-m", pkg, "--config", "configs/config.yaml", "serve",
                           "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
            with served(command, "/ready", port, project, env) as url:
                result = _load(project, pkg, url, settings, concurrency)
            rows.append({"track": track, "variant": variant, **result})
    return rows


# --------------------------------------------------------------------------------------------
# 4. Pipeline


def _make_steps(project: Path) -> list[str]:
    for line in (project / "Makefile").read_text(encoding="utf-8").splitlines():
        if line.startswith("all:"):
            return line.split(":", 1)[1].split("##", 1)[0].split()
    raise BenchError("the Makefile has no `all` target")


def _pipeline(project: Path, config: str, label: str) -> dict[str, Any]:
    env = clean_env()
    steps = {}
    alerts = []
    for step in _make_steps(project):
        log(f"pipeline: {project.name} / {label} / make {step}")
        # `monitor` exits 3 when it raises an alert (make then exits 2 and names "Error 3"):
        # the step still ran to the end.
        ok = (0, 2) if step == "monitor" else (0,)
        seconds, rss, code, error = timed_rss(
            ["make", step, f"CONFIG={config}"], project, env, ok_codes=ok
        )
        if code and "Error 3" not in error:
            raise BenchError(f"make {step} CONFIG={config} failed (exit {code}):\n{error}")
        steps[step] = (seconds, rss)
        if code:
            alerts.append(f"`{step}` raised a drift alert (exit 3)")
    return {
        "alerts": alerts,
        "track": project.name,
        "size": label,
        "wall_s": sum(s for s, _ in steps.values()),
        "max_rss_mb": max(m for _, m in steps.values()),
        "sum_rss_mb": sum(m for _, m in steps.values()),
        "steps": {k: {"s": round(s, 2), "max_rss_mb": round(m)} for k, (s, m) in steps.items()},
    }


def _scaled_config(project: Path, track: str, scale: int) -> tuple[str, str]:
    """A copy of the config at ``scale`` times the data; return its path and a description."""
    cfg = yaml.safe_load((project / "configs" / "config.yaml").read_text(encoding="utf-8"))
    if track == "rag":
        source = project / cfg["corpus"]["path"]
        target = source.parent / f"documents_x{scale}"
        shutil.rmtree(target, ignore_errors=True)
        # The original layout stays at the root, where the golden set's source paths point.
        shutil.copytree(source, target)
        for index in range(1, scale):
            shutil.copytree(source, target / f"replica{index}")
        files = sum(1 for p in target.rglob("*") if p.is_file())
        cfg["corpus"]["path"] = str(target.relative_to(project))
        what = f"corpus replicated {scale}x ({files} files)"
    else:
        cfg["data"]["rows"] = int(cfg["data"]["rows"]) * scale
        what = f"data.rows = {cfg['data']['rows']:,}"
    path = project / "configs" / f"bench-x{scale}.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return f"configs/{path.name}", what


def bench_track(example: Path, settings: Settings, results: Results, tmp: Path) -> None:
    """Default pipeline, serving on its artefacts, then the scaled pipeline from clean."""
    track = example.stem
    project = tmp / "tracks" / track
    project.parent.mkdir(exist_ok=True)
    env = clean_env()
    generate(example, project, env)
    log(f"{track}: make setup")
    timed(["make", "setup"], project, env)
    try:
        row = _pipeline(project, "configs/config.yaml", "default")
        cfg = yaml.safe_load((project / "configs" / "config.yaml").read_text(encoding="utf-8"))
        row["what"] = f"data.rows = {cfg['data']['rows']:,}" if track != "rag" else "shipped corpus"
        results.pipeline.append(row)
    except BenchError as exc:
        results.notes.append(f"Pipeline, {track}, default size: failed: {exc}")
        return
    try:
        results.serving.extend(bench_serving(project, track, settings, tmp))
    except BenchError as exc:
        results.notes.append(f"Serving, {track}: failed: {exc}")
    timed(["make", "clean"], project, env)
    config, what = _scaled_config(project, track, settings.scale)
    try:
        row = _pipeline(project, config, f"{settings.scale}x")
        row["what"] = what
        results.pipeline.append(row)
    except BenchError as exc:
        results.notes.append(f"Pipeline, {track}, {settings.scale}x: failed: {exc}")


# --------------------------------------------------------------------------------------------
# Report


# The product's published targets, checked against the figures of the same run.
TARGETS_TEXT = {
    "new": "`mlscaffold new` as a whole process: under 1 s median",
    "green": "fresh project to green (venv + install + full test suite): under 30 s",
    "all": "`make all` at the default size: under 60 s",
    "predict": "`/predict` on loopback, one worker, sequential: p99 under 10 ms",
    "ask": "rag `/ask` on loopback, one worker, sequential: p95 under 50 ms",
}


def targets(results: Results) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for every target this run has figures for."""
    rows = []

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    for track, label, times in results.generation:
        if label.startswith("mlscaffold new"):
            value = median(times)
            measured = f"{track}, {label}: {value:.2f} s"
            rows.append((TARGETS_TEXT["new"], measured, verdict(value < 1)))
    for g in results.green:
        if g["how"] == "uv, warm cache":
            measured = f"{g['track']}, uv warm cache: {g['green_s']:.1f} s"
            rows.append((TARGETS_TEXT["green"], measured, verdict(g["green_s"] < 30)))
    for p in results.pipeline:
        if p["size"] == "default":
            rows.append((TARGETS_TEXT["all"], f"{p['track']}: {p['wall_s']:.1f} s",
                         verdict(p["wall_s"] < 60)))  # fmt: skip
    for r in results.serving:
        if r["concurrency"] != 1 or r["variant"] == "bare FastAPI floor":
            continue
        if r["track"] == "rag":
            rows.append((TARGETS_TEXT["ask"], f"{r['variant']}: p95 {r['p95_ms']:.2f} ms",
                         verdict(r["p95_ms"] < 50)))  # fmt: skip
        else:
            rows.append((TARGETS_TEXT["predict"], f"{r['variant']}: p99 {r['p99_ms']:.2f} ms",
                         verdict(r["p99_ms"] < 10)))  # fmt: skip
    return rows


def render(results: Results, settings: Settings, quick: bool, started: str, loads: tuple[str, str],
           total_s: float, commits: str) -> str:  # fmt: skip
    """The Markdown report."""
    out = [
        "# Benchmarks",
        "",
        f"Measured {started} UTC with `python benchmarks/run_all.py{' --quick' if quick else ''}`"
        f" in {total_s / 60:.1f} min.",
        "",
        f"- Machine: {machine()}.",
        f"- Template (this repository) at commit {commits}.",
        f"- Load averages (1 / 5 / 15 min): {loads[0]} before, {loads[1]} after. The machine is "
        "shared, so compare figures within one run (same table) rather than across runs.",
        "- `PYTHONDONTWRITEBYTECODE` and `VIRTUAL_ENV` are removed from the environment of every "
        "timed command: a user's machine caches bytecode.",
        "",
        "## Targets",
        "",
        "Verdicts are computed from the tables below, in this run.",
        "",
        "| target | measured | verdict |",
        "| --- | --- | --- |",
        *[f"| {t} | {m} | {v} |" for t, m, v in targets(results)],
        "",
        "## Generation (whole process, wall seconds)",
        "",
        *[f"{n}" for n in results.generation_notes],
        "",
        "| track | command | median | min | max | vs `mlscaffold new` |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    ours = {t: median(v) for t, label, v in results.generation if label == "mlscaffold new"}
    # A peer's template is no track of ours: it is compared with the fastest track.
    fastest = min(ours.values(), default=None)
    for track, label, times in results.generation:
        ref = ours.get(track, fastest)
        ratio = f"{median(times) / ref:.2f}x" if ref else "-"
        out.append(
            f"| {track} | `{label}` | {median(times):.2f} | {min(times):.2f} | {max(times):.2f} "
            f"| {ratio} |"
        )
    out += [
        "",
        "## Time to green (fresh venv + install, then the full test suite; seconds, one run each)",
        "",
        "Cold uv cache: `UV_CACHE_DIR` points at an empty folder, so every wheel comes from the "
        "package index. pip: `python -m venv` and `pip install -e '.[dev]'` with pip's own cache "
        "as found on this machine.",
        "",
        "| track | installer | venv + install | test suite | time to green | tests |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for g in results.green:
        out.append(
            f"| {g['track']} | {g['how']} | {g['install_s']:.1f} | {g['test_s']:.1f} "
            f"| {g['green_s']:.1f} | {g['summary']} |"
        )
    out += [
        "",
        f"## Serving (127.0.0.1, one uvicorn worker, {settings.requests} requests per run)",
        "",
        "Each row starts its own server; the client is the project's own `run_load` with "
        "`TRACK.sample_requests` bodies, run by the project's interpreter on the same machine "
        "(it shares the 2 cores with the server). The floor is a bare FastAPI endpoint on the same "
        "path returning a constant, served by uvicorn with the same interpreter. Ratios are "
        "against the floor at the same concurrency.",
        "",
        "| track | concurrency | server | p50 ms | p95 ms | p99 ms | req/s | errors "
        "| p50 / floor | req/s / floor |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    floors = {
        (r["track"], r["concurrency"]): r
        for r in results.serving
        if r["variant"] == "bare FastAPI floor"
    }
    for r in results.serving:
        floor = floors.get((r["track"], r["concurrency"]))
        p50_ratio = f"{r['p50_ms'] / floor['p50_ms']:.1f}x" if floor else "-"
        rps_ratio = f"{r['throughput_rps'] / floor['throughput_rps']:.2f}" if floor else "-"
        out.append(
            f"| {r['track']} | {r['concurrency']} | {r['variant']} | {r['p50_ms']:.2f} "
            f"| {r['p95_ms']:.2f} | {r['p99_ms']:.2f} | {r['throughput_rps']:.0f} "
            f"| {r['errors']} / {r['requests']} | {p50_ratio} | {rps_ratio} |"
        )
    out += [
        "",
        "## Pipeline (`make all`, step by step)",
        "",
        "Each step of `make all` runs as `make STEP CONFIG=...`; wall time is the sum of the "
        "steps. "
        "Max RSS per step comes from `wait4` and is the largest process the step started (for "
        "`loadtest`, the larger of client and server). The last two columns are the largest of "
        "those and their sum over steps (an upper bound: steps run one after the other). "
        f"{'With --quick the larger size is 3x, not 10x.' if quick else ''}",
        "",
        "| track | size | data | wall s | largest max RSS MB | sum of per-step max RSS MB "
        "| slowest steps |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for p in results.pipeline:
        slow = sorted(p["steps"].items(), key=lambda kv: -kv[1]["s"])[:3]
        slow_text = ", ".join(f"{k} {v['s']:.1f} s / {v['max_rss_mb']} MB" for k, v in slow)
        out.append(
            f"| {p['track']} | {p['size']} | {'; '.join([p['what'], *p['alerts']])} "
            f"| {p['wall_s']:.1f} "
            f"| {p['max_rss_mb']:.0f} | {p['sum_rss_mb']:.0f} | {slow_text} |"
        )
    if results.notes:
        out += ["", "## Not measured", "", *[f"- {n}" for n in results.notes]]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark, write the report and print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, requests and scale")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "benchmarks" / "RESULTS.md")
    parser.add_argument(
        "--only",
        choices=["generation", "green", "tracks"],
        action="append",
        help="run only these sections (repeatable); default: all",
    )
    parser.add_argument(
        "--ccds-template",
        default=CCDS_TEMPLATE,
        help="where to clone the cookiecutter-data-science template from (a URL or a local "
        "repository; default: GitHub)",
    )
    args = parser.parse_args(argv)
    settings = (
        Settings(runs=3, requests=300, scale=3)
        if args.quick
        else Settings(runs=5, requests=1000, scale=10)
    )
    sections = set(args.only or ["generation", "green", "tracks"])
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    commit = template_commit()
    before = load_averages()
    clock = time.perf_counter()
    results = Results()
    with tempfile.TemporaryDirectory(prefix="mlscaffold-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if "generation" in sections:
            bench_generation(settings, results, tmp, args.ccds_template)
        if "green" in sections:
            bench_green(results, tmp)
        if "tracks" in sections:
            for example in EXAMPLES:
                bench_track(example, settings, results, tmp)
    end_commit = template_commit()
    commits = (
        commit
        if commit == end_commit
        else f"{commit} at the start and {end_commit} at the end (it changed during the run)"
    )
    report = render(
        results, settings, args.quick, started, (before, load_averages()),
        time.perf_counter() - clock, commits,
    )  # fmt: skip
    args.output.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
