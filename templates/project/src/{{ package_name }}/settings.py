"""Configuration shared by every pipeline step: strict, frozen models loaded from YAML.

Config flows one way: YAML file -> validated model -> job. Unknown keys are errors, so a typo in
``configs/config.yaml`` fails loudly instead of silently falling back to a default. Secrets never
live in YAML: they come from the environment (see ``.env.example``) through :func:`secret`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ProjectError

_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "xxx", "todo"}

ModelT = TypeVar("ModelT", bound=BaseModel)


class ConfigError(ProjectError):
    """A configuration file or environment variable is missing or invalid."""


class StrictModel(BaseModel):
    """Base for every config section: unknown keys are rejected and values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PathsConfig(StrictModel):
    """Where each step reads and writes. Relative paths resolve against the working directory."""

    data_dir: Path = Path("data")
    artifacts_dir: Path = Path("artifacts")
    reports_dir: Path = Path("reports")
    docs_dir: Path = Path("docs")
    readme: Path = Path("README.md")


class GateConfig(StrictModel):
    """Promotion gate: the candidate must beat the best baseline and the current champion."""

    min_improvement: float = Field(0.05, ge=0.0, description="relative margin over the best baseline")
    champion_margin: float = Field(0.0, ge=0.0, description="relative margin over the champion")
    on_incomparable_champion: Literal["refuse", "ignore"] = Field(
        "refuse",
        description="when the champion cannot be scored on the current data: refuse, or promote "
        "on the baselines alone (recorded in the gate's reasons)",
    )
    bootstrap_resamples: int = Field(
        2000, ge=100, le=100_000, description="paired bootstrap resamples (with per-unit values)"
    )
    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="confidence level of the gate's intervals")
    versus_baselines: Literal["beat", "match"] = Field(
        "beat",
        description="with per-unit values: beat (the interval's lower bound must clear the margin) or "
        "match (the interval must not lie wholly below minus the margin: not shown worse)",
    )
    on_provisional: Literal["promote", "refuse"] = Field(
        "promote",
        description="when the evaluation's figures are provisional (e.g. an unreviewed evaluation set): "
        "promote over the baselines, flagged provisional in the reasons and the cards, or refuse",
    )


class FileAlertSink(StrictModel):
    """Append each alert as one JSON line to a file."""

    kind: Literal["file"] = "file"
    path: Path = Path("reports/alerts.jsonl")


class WebhookAlertSink(StrictModel):
    """POST each alert as JSON to the URL held in an environment variable."""

    kind: Literal["webhook"]
    url_env: str = "ALERT_WEBHOOK_URL"
    timeout_s: float = Field(5.0, gt=0)


AlertSink = Annotated[FileAlertSink | WebhookAlertSink, Field(discriminator="kind")]


class MonitoringConfig(StrictModel):
    """Drift thresholds (population stability index) and where alerts go."""

    psi_warn: float = Field(0.1, gt=0)
    psi_alert: float = Field(0.25, gt=0)
    max_drifted_features: int = Field(0, ge=0, description="alert when more features drift")
    max_missing_rate: float = Field(0.01, ge=0, le=1)
    min_reference_rows: int = Field(50, ge=1, description="a column with fewer is not judged")
    max_value_bins: int = Field(20, ge=2, description="columns with at most this many values bin by value")
    min_bin_count: int = Field(10, ge=1, description="sparser reference bins merge into a neighbour")
    alert: AlertSink = FileAlertSink()


class PredictionLogConfig(StrictModel):
    """The log of what the service and batch scoring scored (``data/logs/predictions.jsonl``)."""

    enabled: bool = True
    max_bytes: int = Field(50_000_000, ge=10_000, description="rotate the file past this size")
    backups: int = Field(5, ge=0, le=100, description="rotated files kept; older ones are deleted")
    window: int = Field(10_000, ge=100, description="newest entries `make monitor` compares")
    personal: Literal["hash", "drop"] = Field("hash", description="fields the schema marks personal")
    hash_key_env: str = Field("LOG_HASH_KEY", description="environment variable keying the hashes")


class ServingConfig(StrictModel):
    """Limits that keep the service answering under bad input and overload."""

    max_body_bytes: int = Field(65_536, gt=0)
    max_in_flight: int = Field(64, gt=0, description="requests beyond this get 503")
    max_batch: int = Field(100, gt=0)


class LoadTestConfig(StrictModel):
    """A bounded load test against 127.0.0.1 only."""

    requests: int = Field(1000, gt=0, le=100_000)
    concurrency: int = Field(8, gt=0, le=64)
    timeout_s: float = Field(120.0, gt=0)
    instance_cost_per_hour: float = Field(0.10, ge=0, description="USD, for cost per 1k")


class TrackingConfig(StrictModel):
    """Run log backend: a local JSON-lines file, optionally mirrored to MLflow."""

    kind: Literal["jsonl", "mlflow"] = "jsonl"
    mlflow_uri: str = "file:./mlruns"


class EngineConfig(StrictModel):
    """Where the data-heavy steps run: in this process (``local``) or on Dask (``dask``).

    ``ENGINE=dask`` on any make verb overrides ``kind``. With Dask, ``DASK_SCHEDULER_ADDRESS``
    names an existing cluster; without it a local cluster sized to the machine starts and stops
    around the step (``make setup EXTRAS=dev,dask``). See docs/scaling.md.
    """

    kind: Literal["local", "dask"] = "local"
    workers: int | None = Field(
        None, ge=1, description="local cluster: worker processes (default: one per two cores)"
    )
    threads_per_worker: int | None = Field(None, ge=1, description="local cluster: threads per worker")
    processes: bool | None = Field(
        None,
        description="local cluster: each worker in a process of its own (default: only when "
        "there is more than one worker; one worker runs as threads in the step's process)",
    )
    memory_limit: str = Field("auto", description="local cluster: memory per worker, e.g. 4GB")
    dashboard_address: str | None = Field(
        "127.0.0.1:8787",
        description="local cluster: where the dashboard listens, this machine only by default "
        "(null: no dashboard)",
    )
    partition_rows: int = Field(
        50_000, ge=1_000, description="rows per partition of the tables the engine reads or writes"
    )
    sample_rows: int = Field(
        250_000,
        ge=10_000,
        description="dask: a model that trains in one process fits on about this many training "
        "rows at most (a seeded sample the track describes in the model card); smaller data is "
        "used whole",
    )


class CardConfig(StrictModel):
    """Human text for the model card; figures are filled from evaluation artifacts."""

    title: str
    intended_use: str
    out_of_scope: str
    limitations: list[str]
    owners: str


class BaseConfig(StrictModel):
    """Sections every track shares. A track's ``Config`` extends this with its own sections."""

    seed: int = 42
    paths: PathsConfig = PathsConfig()
    gate: GateConfig = GateConfig()
    monitoring: MonitoringConfig = MonitoringConfig()
    serving: ServingConfig = ServingConfig()
    prediction_log: PredictionLogConfig = PredictionLogConfig()
    loadtest: LoadTestConfig = LoadTestConfig()
    tracking: TrackingConfig = TrackingConfig()
    engine: EngineConfig = EngineConfig()
    card: CardConfig


def _format_errors(path: Path, error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling, or remove it)"
        lines.append(f"  {where}: {message}")
    return f"{path}: invalid configuration\n" + "\n".join(lines)


def load_model(path: str | Path, model: type[ModelT], overrides: dict[str, Any] | None = None) -> ModelT:
    """Read a YAML file into ``model``, with a message naming every bad key on failure."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file not found (pass --config PATH)") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections at the top level")
    for dotted, value in (overrides or {}).items():
        node = raw
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_errors(path, exc)) from exc


ENGINE_ENV = "ENGINE"


def engine_override() -> dict[str, Any]:
    """``ENGINE=local|dask`` from the environment as a config override; empty when unset."""
    kind = os.environ.get(ENGINE_ENV, "").strip()
    if not kind:
        return {}
    if kind not in ("local", "dask"):
        raise ConfigError(f"{ENGINE_ENV}={kind!r} is not an engine: use ENGINE=local or ENGINE=dask")
    return {"engine.kind": kind}


def environment() -> str:
    """The deployment environment: ``development`` unless ``APP_ENV`` says otherwise."""
    return os.environ.get("APP_ENV", "development")


def secret(name: str) -> str | None:
    """Read a secret from the environment; refuse a placeholder value outside development."""
    value = os.environ.get(name)
    if value is None:
        return None
    if value.strip().lower() in _PLACEHOLDERS and environment() != "development":
        raise ConfigError(f"{name} holds a placeholder value; set a real secret in the environment")
    return value


SIGNING_KEY_ENV = "MODEL_SIGNING_KEY"
_MIN_SIGNING_KEY_CHARS = 32


def signing_key() -> bytes | None:
    """The key that signs model artifacts and verifies them before loading; None when unset.

    Read from ``MODEL_SIGNING_KEY`` through :func:`secret`; an empty value counts as unset, and
    surrounding whitespace is ignored. Whether a key is required (it is with ``APP_ENV=production``)
    is decided where artifacts are saved and loaded.
    """
    value = (secret(SIGNING_KEY_ENV) or "").strip()
    if not value:
        return None
    if len(value) < _MIN_SIGNING_KEY_CHARS:
        raise ConfigError(
            f"{SIGNING_KEY_ENV} is {len(value)} characters long; use at least {_MIN_SIGNING_KEY_CHARS} "
            "random ones, for example the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`"
        )
    return value.encode("utf-8")
