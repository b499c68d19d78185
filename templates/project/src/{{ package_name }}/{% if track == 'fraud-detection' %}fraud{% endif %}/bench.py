"""Latency of ``POST /predict`` next to a bare FastAPI endpoint, and the live state's cost.

``python -m <package>.fraud.bench --config configs/config.yaml [--requests 500]`` after
``make data train evaluate``. It serves the app (with one extra bare route that parses the same
JSON body and returns a constant) on a free 127.0.0.1 port in a child process, alternates
requests to both routes one at a time, and prints p50/p99 of each and their ratio; then it times
the live state's read and write per request in-process. It uses a copy of the live state.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from ..config import load_config
from . import routes
from .config import Config
from .live import ensure_state
from .state import CustomerKeys, open_state, state_path


def _serve(config_path: str, port: int) -> None:
    import uvicorn
    from fastapi import FastAPI

    from ..serving.app import create_app

    cfg = load_config(Path(config_path))
    app: FastAPI = create_app(cfg)

    @app.post("/bare")
    async def bare(body: dict[str, Any]) -> dict[str, str]:
        return {"transaction_id": str(body.get("transaction_id"))}

    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, access_log=False, log_level="warning")


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def http_latency(config_path: Path, cfg: Config, n: int) -> dict[str, float]:
    """p50 and p99 (ms) of /predict and of the bare route, requests interleaved."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = f"from {__package__}.bench import _serve; _serve({str(config_path)!r}, {port})"
    server = subprocess.Popen([sys.executable, "-c", code])  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10.0) as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    if client.get("/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            bodies = routes.sample_requests(cfg, n)
            timings: dict[str, list[float]] = {"/predict": [], "/bare": []}
            for i, body in enumerate(bodies):
                for path in ("/bare", "/predict") if i % 2 else ("/predict", "/bare"):
                    started = time.perf_counter()
                    client.post(path, json=body).raise_for_status()
                    timings[path].append((time.perf_counter() - started) * 1000)
    finally:
        server.terminate()
        server.wait(timeout=15)
    (p50, p99), (b50, b99) = _percentiles(timings["/predict"][20:]), _percentiles(timings["/bare"][20:])
    return {"predict_p50": p50, "predict_p99": p99, "bare_p50": b50, "bare_p99": b99}


def state_cost(cfg: Config, n: int) -> dict[str, float]:
    """Median ms per single-transaction request of the state's read and of its write."""
    bodies = routes.sample_requests(cfg, n)
    keys = CustomerKeys(cfg.prediction_log.hash_key_env)
    store = open_state(cfg)
    reads, writes = [], []
    try:
        for body in bodies:
            key = keys([body["customer_id"]])
            with store.session() as session:
                started = time.perf_counter()
                session.history(key)
                read = time.perf_counter()
                session.add(
                    key,
                    [body["transaction_id"]],
                    np.array([0]),
                    np.array([body["amount"]]),
                    [body["merchant_id"]],
                )
                reads.append((read - started) * 1000)
                writes.append((time.perf_counter() - read) * 1000)
    finally:
        store.close()
    return {"state_read_p50": statistics.median(reads), "state_write_p50": statistics.median(writes)}


def main(argv: list[str] | None = None) -> None:
    """Print the latency comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("configs/config.yaml"))
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(args.config)
        ensure_state(cfg)
        copy = Path(tmp) / "state.sqlite"
        shutil.copy(state_path(cfg), copy)
        cfg = load_config(args.config, {"state.path": str(copy), "prediction_log.enabled": False})
        config_path = Path(tmp) / "config.yaml"
        import yaml

        config_path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")), encoding="utf-8")
        result = http_latency(config_path, cfg, args.requests) | state_cost(cfg, args.requests)
    print(
        f"/predict p50 {result['predict_p50']:.2f} ms, p99 {result['predict_p99']:.2f} ms; "
        f"bare p50 {result['bare_p50']:.2f} ms, p99 {result['bare_p99']:.2f} ms; "
        f"ratio p50 {result['predict_p50'] / result['bare_p50']:.2f}x, "
        f"p99 {result['predict_p99'] / result['bare_p99']:.2f}x"
    )
    print(
        f"live state per request: read {result['state_read_p50']:.3f} ms, "
        f"write {result['state_write_p50']:.3f} ms (p50)"
    )


if __name__ == "__main__":
    main()
