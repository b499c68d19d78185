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

# 2: per-unit business-metric values, the gate's confidence intervals and provisional figures.
SCHEMA_VERSION = 2

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


class GateInterval(Result):
    """A paired bootstrap confidence interval of candidate - ``versus`` on the business metric."""

    versus: str
    role: Literal["baseline", "champion"]
    difference: float
    low: float
    high: float
    required: float = Field(description="the margin the comparison had to clear")
    confidence: float
    resamples: int
    units: int
    passed: bool


class GateResult(Result):
    """The promotion gate's verdict, its reasons, its intervals and whether it was provisional.

    ``provisional`` is true when the gate passed although the evaluation's figures are provisional
    (``gate.on_provisional: promote``): the model serves, and the cards say it is unproven.
    """

    passed: bool
    reasons: list[str]
    intervals: list[GateInterval] = Field(default_factory=list)
    provisional: bool = False


class Evaluation(Result):
    """What a track's evaluation returns; the shared lifecycle adds the gate and the version.

    ``business_metric`` decides the gate: the candidate's value is compared with every baseline's
    and with the champion's. A track opts in to the gate's confidence intervals by filling
    ``unit_scores``: for each system (by name), the business metric of every evaluation unit, in
    the same order for every system. ``provisional`` lists why the figures cannot be trusted yet
    (an unreviewed evaluation set, missing labels); the gate then follows ``gate.on_provisional``.
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
    unit_scores: dict[str, list[float]] = Field(
        default_factory=dict, description="per system, the business metric of each evaluation unit"
    )
    provisional: list[str] = Field(default_factory=list)

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
