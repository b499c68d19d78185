"""The run log: one JSON line per pipeline run, optionally mirrored to MLflow."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ..settings import ConfigError, TrackingConfig

_PACKAGE = __name__.split(".")[0]


def code_version() -> str:
    """The git commit of the working tree (``+dirty`` when modified), else the package version."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        try:
            return f"v{version(_PACKAGE)}"
        except PackageNotFoundError:
            return "unknown"


class RunRecorder:
    """Collects what one run did; :func:`record_run` writes it when the run ends."""

    def __init__(self, command: str, params: dict[str, Any]) -> None:
        self.record: dict[str, Any] = {
            "run_id": uuid.uuid4().hex[:12],
            "command": command,
            "params": params,
            "metrics": {},
            "data_hash": None,
            "code_version": code_version(),
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }

    def log_metrics(self, metrics: dict[str, float]) -> None:
        """Add metrics to the run."""
        self.record["metrics"].update(metrics)

    def log_data_hash(self, data_hash: str) -> None:
        """Record the fingerprint of the data the run read."""
        self.record["data_hash"] = data_hash


def read_runs(path: Path) -> list[dict[str, Any]]:
    """All runs recorded so far, oldest first."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@contextmanager
def record_run(
    log_path: Path, tracking: TrackingConfig, command: str, params: dict[str, Any]
) -> Iterator[RunRecorder]:
    """Time a run and append its record to ``log_path``, whether it succeeds or fails."""
    recorder = RunRecorder(command, params)
    start = time.perf_counter()
    status = "failed"
    try:
        yield recorder
        status = "succeeded"
    finally:
        recorder.record["status"] = status
        recorder.record["duration_s"] = round(time.perf_counter() - start, 3)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(recorder.record, sort_keys=True, default=str) + "\n")
        if tracking.kind == "mlflow":
            _mirror_to_mlflow(tracking.mlflow_uri, recorder.record)


def _mirror_to_mlflow(uri: str, record: dict[str, Any]) -> None:
    try:
        import mlflow
    except ImportError as exc:
        raise ConfigError(
            "tracking.kind is 'mlflow' but mlflow is not installed: make setup EXTRAS=dev,mlflow"
        ) from exc
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(_PACKAGE)
    with mlflow.start_run(run_name=f"{record['command']}-{record['run_id']}"):
        mlflow.log_params({k: str(v)[:250] for k, v in _flatten(record["params"]).items()})
        mlflow.log_metrics({k: float(v) for k, v in record["metrics"].items()})
        mlflow.set_tags({"data_hash": str(record["data_hash"]), "code_version": record["code_version"]})


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat
