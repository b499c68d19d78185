"""The typed, versioned results every track produces: the data profile and the evaluation report.

``data`` writes a :class:`DataProfile` to ``reports/data_profile.json`` and ``evaluate`` writes an
:class:`EvaluationReport` to ``reports/metrics.json``. The report job reads them back through these
models, so a missing or misspelled field fails at load, with the field named, instead of deep in
the rendering of a card.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

MetricFormat = Literal["float", "money", "pct", "int", "ms"]
Role = Literal["candidate", "baseline"]


class Result(BaseModel):
    """Base of every results model: unknown fields are rejected, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Metric(Result):
    """One metric column: its key in each system's metrics, a label and a display format."""

    key: str
    label: str
    format: MetricFormat = "float"


class SystemResult(Result):
    """The metrics of one system (the candidate or a baseline) on the evaluation data."""

    name: str
    role: Role
    metrics: dict[str, float | None]


class SliceResult(Result):
    """The candidate's metrics on one slice of the evaluation data."""

    by: str
    value: str
    rows: int
    positives: int
    metrics: dict[str, float | None]


class Plot(Result):
    """A PNG written by ``evaluate``, relative to the project root."""

    path: str
    title: str


class ModelInfo(Result):
    """What the candidate is: its kind and its parameters."""

    kind: str
    params: dict[str, Any] = Field(default_factory=dict)


class GateResult(Result):
    """The promotion gate's verdict and its reasons."""

    passed: bool
    reasons: list[str]


class Evaluation(Result):
    """What a track's evaluation returns; the shared lifecycle adds the gate and the version.

    ``business_metric`` decides the gate: the candidate's value is compared with every baseline's
    and with the champion's.
    """

    model: ModelInfo
    data_sha256: str = Field(description="fingerprint of the data the figures were computed on")
    ml_metric: Metric
    business_metric: Metric
    extra_metrics: list[Metric] = Field(default_factory=list)
    systems: list[SystemResult]
    slices: list[SliceResult] = Field(default_factory=list)
    plots: list[Plot] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    evaluation_data: dict[str, str] = Field(default_factory=dict)

    @property
    def candidate(self) -> SystemResult:
        """The candidate's results."""
        return next(s for s in self.systems if s.role == "candidate")

    @property
    def baselines(self) -> list[SystemResult]:
        """Every baseline's results."""
        return [s for s in self.systems if s.role == "baseline"]

    def columns(self) -> list[Metric]:
        """Every metric column, the ML and business metrics first."""
        return [self.ml_metric, self.business_metric, *self.extra_metrics]


class EvaluationReport(Evaluation):
    """``reports/metrics.json``: a track's evaluation, the gate's verdict and the model version."""

    schema_version: int = SCHEMA_VERSION
    track: str
    model_version: str
    gate: GateResult

    @classmethod
    def read(cls, path: Path) -> EvaluationReport:
        """Load and validate a report written by ``evaluate``."""
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


class ColumnProfile(Result):
    """One column of the data card: type, missing share and a summary."""

    name: str
    type: str
    missing: float
    summary: str


class DataProfile(Result):
    """``reports/data_profile.json``: what the data card says about the data."""

    schema_version: int = SCHEMA_VERSION
    description: str
    facts: dict[str, str]
    columns: list[ColumnProfile] = Field(default_factory=list)
    caveats: list[str] = Field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> DataProfile:
        """Load and validate a profile written by ``data``."""
        return cls.model_validate_json(path.read_text(encoding="utf-8"))
