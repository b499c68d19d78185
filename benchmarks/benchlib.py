"""Helpers shared by the benchmark scripts: environments, timing, servers and machine facts.

Every timed command runs as a whole process with ``PYTHONDONTWRITEBYTECODE`` removed from its
environment: a user's machine caches bytecode, and an interpreter that cannot spends seconds more
on every start.
"""

from __future__ import annotations

import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO_ROOT / "examples").glob("*.yml"))


class BenchError(RuntimeError):
    """A benchmarked command failed or did not finish in time."""


def clean_env(extra: Mapping[str, str] | None = None, drop: Sequence[str] = ()) -> dict[str, str]:
    """The environment for timed commands: no bytecode switch-off, no active venv, uv on PATH."""
    skip = {"PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV", *drop}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    env["PATH"] = os.pathsep.join([str(Path(uv).parent), env.get("PATH", "")])
    env.update(extra or {})
    return env


def script(name: str) -> list[str]:
    """A console script installed beside the running interpreter, or its ``-m`` form."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return [str(candidate)]
    return [sys.executable, "-m", name]


def template_root() -> tuple[Path, bool]:
    """The template mlscaffold renders, and whether it is a git checkout."""
    code = (
        "from mlscaffold._template import load_template as l; t = l(); "
        "print(t.is_git_clone); print(t.root)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return Path(out[1]), out[0] == "True"


def timed(
    command: Sequence[str],
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 1800,
) -> tuple[float, str]:
    """Run ``command`` to completion; return its wall time in seconds and its stdout."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            list(command),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{' '.join(command)} took more than {timeout:.0f} s") from exc
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise BenchError(
            f"{' '.join(command)} failed (exit {done.returncode}) in {cwd}:\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return elapsed, done.stdout


def timed_rss(
    command: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    timeout: float = 3600,
    ok_codes: Collection[int] = (0,),
) -> tuple[float, float, int, str]:
    """Run ``command``; return wall seconds, the largest max RSS (MB), exit code and stderr tail.

    The rusage returned by ``wait4`` covers the child and every descendant it waited for, so
    for ``make STEP`` it is the largest process the step started.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            raise BenchError(f"{' '.join(command)} took more than {timeout:.0f} s")
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    error = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode not in ok_codes:
        raise BenchError(f"{' '.join(command)} failed (exit {proc.returncode}):\n{error}")
    return elapsed, usage.ru_maxrss / 1024, proc.returncode, error


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            error = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
            raise BenchError(f"the server exited before it was ready:\n{error}")
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise BenchError(f"{url} was not ready within {timeout:.0f} s")


@contextmanager
def served(
    command: Sequence[str], ready_path: str, port: int, cwd: Path, env: Mapping[str, str]
) -> Iterator[str]:
    """Run a server on 127.0.0.1:``port`` until the block ends; yield its base URL."""
    proc = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base + ready_path, proc, timeout=90)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def generate(example: Path, dest: Path, env: Mapping[str, str]) -> float:
    """Create a project with ``mlscaffold new``; return the wall time."""
    command = [*script("mlscaffold"), "new", str(dest), "--answers-file", str(example)]
    elapsed, _ = timed([*command, "--defaults"], dest.parent, env)
    return elapsed


def package_name(project: Path) -> str:
    """The import name of a generated project, from its answers file."""
    answers = (project / ".copier-answers.yml").read_text(encoding="utf-8")
    return next(
        line.split(":", 1)[1].strip()
        for line in answers.splitlines()
        if line.startswith("package_name:")
    )


def template_commit() -> str:
    """The commit of this checkout (the template ``mlscaffold new`` renders), or ``unknown``."""
    done = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def median(values: Sequence[float]) -> float:
    """The median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")


def load_averages() -> str:
    """The 1, 5 and 15 minute load averages."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def machine() -> str:
    """CPU count and model, RAM and Python version, in one line."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    ram = "unknown RAM"
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        for line in meminfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    return (
        f"{os.cpu_count()} CPUs ({model}), {ram}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def repeat_timed(
    build: Callable[[Path], list[str]], runs: int, env: dict[str, str], work: Path
) -> list[float]:
    """Run ``build(dest)`` once untimed, then ``runs`` times timed, each into a new folder."""
    times = []
    for index in range(runs + 1):
        dest = work / f"run{index}" / "project"
        dest.parent.mkdir(parents=True)
        elapsed, _ = timed(build(dest), dest.parent, env)
        if index:
            times.append(elapsed)
    return times


def installed_cli(source: Path, tmp: Path, env: dict[str, str], name: str = "wheel") -> list[str]:
    """``mlscaffold`` from a wheel of ``source`` installed into a fresh venv, as users get it.

    The wheel is built with uv and installed with bytecode compiled, as pip does.
    """
    dist, venv = tmp / f"dist-{name}", tmp / f"venv-{name}"
    timed(["uv", "build", "--quiet", "--wheel", "--out-dir", str(dist), str(source)], tmp, env)
    (wheel,) = dist.glob("mlscaffold-*.whl")
    timed(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)], tmp, env)
    timed(
        ["uv", "pip", "install", "--quiet", "--compile-bytecode", "--python",
         str(venv / "bin" / "python"), str(wheel)],
        tmp,
        env,
    )  # fmt: skip
    return [str(venv / "bin" / "mlscaffold")]
