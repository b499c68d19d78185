"""A bounded load test against 127.0.0.1: latency percentiles, throughput, errors and cost.

Without ``--url`` the service is started in-process on a free loopback port, so the test needs
nothing running beforehand. A URL that is not loopback is refused: this tool never loads a host
it does not own.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import httpx
import numpy as np

from ..config import Config
from ..errors import ProjectError
from ..io.files import write_json
from . import routes
from .app import create_app

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class LoadTestError(ProjectError):
    """The load test could not run as asked."""


@contextmanager
def local_server(cfg: Config) -> Iterator[str]:
    """Serve the app on a free 127.0.0.1 port in a background thread; yield its base URL."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(create_app(cfg), host="127.0.0.1", port=0, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise LoadTestError("the service did not start within 30 s")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def run_load(
    base_url: str, payloads: list[dict[str, Any]], *, requests: int, concurrency: int, timeout_s: float
) -> dict[str, Any]:
    """Send ``requests`` POSTs with ``concurrency`` workers; summarise latency and errors."""
    host = urlparse(base_url).hostname
    if host not in _LOOPBACK:
        raise LoadTestError(f"refusing to load {base_url}: only 127.0.0.1/localhost may be targeted")
    url = base_url.rstrip("/") + routes.LOAD_PATH
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
    payloads = routes.sample_requests(cfg, 256)
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
            "endpoint": routes.LOAD_PATH,
            "cost_per_1k_usd": round(cost, 6) if cost is not None else None,
            "instance_cost_per_hour_usd": settings.instance_cost_per_hour,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    write_json(cfg.paths.reports_dir / "perf.json", result)
    return result
