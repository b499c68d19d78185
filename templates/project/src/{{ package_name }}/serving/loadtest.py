"""A bounded load test against 127.0.0.1: latency percentiles, throughput, errors and cost.

Without ``--url`` the service is started in-process on a free loopback port, so the test needs
nothing running beforehand. A URL that is not loopback is refused: this tool never loads a host
it does not own.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import numpy as np
import yaml

from ..config import Config
from ..errors import ProjectError
from ..io.files import write_json
from ..plugin import TRACK

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_PACKAGE = __name__.split(".")[0]


class LoadTestError(ProjectError):
    """The load test could not run as asked."""


@contextmanager
def local_server(cfg: Config) -> Iterator[str]:
    """Serve the app in a child process on a free 127.0.0.1 port; yield its base URL.

    A separate process keeps the load generator's threads from competing with the server for
    the interpreter lock, so the figures are the server's, as in production.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        config.write_text(yaml.safe_dump(cfg.model_dump(mode="json")), encoding="utf-8")
        command = [sys.executable, "-m", _PACKAGE, "--config", str(config), "serve", "--port", str(port)]
        env = {**os.environ, "OMP_NUM_THREADS": "1", "LOG_LEVEL": "WARNING"}
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, server)
            yield base
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            error = server.stderr.read().decode(errors="replace")[-2000:] if server.stderr else ""
            raise LoadTestError(f"the service exited before it was ready:\n{error}")
        try:
            if httpx.get(f"{base}/ready", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise LoadTestError("the service was not ready within 60 s (see `make serve`)")


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def run_load(
    base_url: str, payloads: list[dict[str, Any]], *, requests: int, concurrency: int, timeout_s: float
) -> dict[str, Any]:
    """Send ``requests`` POSTs with ``concurrency`` workers; summarise latency and errors."""
    host = urlparse(base_url).hostname
    if host not in _LOOPBACK:
        raise LoadTestError(f"refusing to load {base_url}: only 127.0.0.1/localhost may be targeted")
    url = base_url.rstrip("/") + TRACK.load_path
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + timeout_s
    counter = iter(range(requests))

    def worker() -> None:
        with httpx.Client(timeout=10.0) as client:
            while time.monotonic() < deadline:
                with lock:
                    index = next(counter, None)
                if index is None:
                    return
                start = time.perf_counter()
                try:
                    response = client.post(url, json=payloads[index % len(payloads)])
                    outcome = None if response.status_code == 200 else f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                elapsed = time.perf_counter() - start
                with lock:
                    if outcome is None:
                        latencies.append(elapsed * 1000)
                    else:
                        errors[outcome] = errors.get(outcome, 0) + 1

    with httpx.Client(timeout=10.0) as warm:  # first request pays one-off costs; not measured
        warm.post(url, json=payloads[0])
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(worker)
    wall = time.perf_counter() - started
    done = len(latencies) + sum(errors.values())
    return {
        "requests": done,
        "planned_requests": requests,
        "concurrency": concurrency,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "p50_ms": round(_percentile(latencies, 50), 3),
        "p95_ms": round(_percentile(latencies, 95), 3),
        "p99_ms": round(_percentile(latencies, 99), 3),
        "mean_ms": round(statistics.fmean(latencies), 3) if latencies else None,
        "throughput_rps": round(done / wall, 1) if wall > 0 else 0.0,
        "wall_s": round(wall, 3),
    }


def loadtest(cfg: Config, url: str | None = None, requests: int | None = None) -> dict[str, Any]:
    """Run the configured load test and write ``reports/perf.json``."""
    settings = cfg.loadtest
    total = requests or settings.requests
    payloads = TRACK.sample_requests(cfg, 256)
    if url is None:
        with local_server(cfg) as base:
            result = run_load(
                base, payloads, requests=total, concurrency=settings.concurrency, timeout_s=settings.timeout_s
            )
    else:
        result = run_load(
            url, payloads, requests=total, concurrency=settings.concurrency, timeout_s=settings.timeout_s
        )
    throughput = result["throughput_rps"]
    cost = settings.instance_cost_per_hour / (throughput * 3600) * 1000 if throughput else None
    result.update(
        {
            "endpoint": TRACK.load_path,
            "cost_per_1k_usd": round(cost, 6) if cost is not None else None,
            "instance_cost_per_hour_usd": settings.instance_cost_per_hour,
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
    )
    write_json(cfg.paths.reports_dir / "perf.json", result)
    return result
