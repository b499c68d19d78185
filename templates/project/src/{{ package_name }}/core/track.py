"""What a track provides, checked by ``mypy --strict``: the shared lifecycle calls nothing else.

A track is one subpackage (``fraud``, ``rag``, ...) whose ``track`` module defines ``TRACK``, an
object that satisfies :class:`Track`. The lifecycle in ``jobs.pipeline`` runs every verb, data ->
validate -> train -> evaluate -> gate -> promote -> predict -> monitor -> report, and asks the track
only for the domain parts: its data, its models, its metrics, its API routes and what it monitors.
Run logs, artifacts and manifests, the promotion gate, ``metrics.json``, drift statistics, alerts
and the cards are written once, here in the base.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import pandas as pd
from fastapi import APIRouter
from pydantic import BaseModel

from ..settings import BaseConfig
from .drift import Check
from .results import DataProfile, Evaluation

ConfigT_contra = TypeVar("ConfigT_contra", bound=BaseConfig, contravariant=True)
ConfigT = TypeVar("ConfigT", bound=BaseConfig)

# What a track pickles into an artifact: named parts, one of them the monitoring reference.
Bundle = dict[str, Any]


@dataclass(frozen=True)
class DataOutcome:
    """What the data step made: a summary line, the data's fingerprint and its profile."""

    summary: str
    data_hash: str
    profile: DataProfile
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainOutcome:
    """What training made: the candidate's bundle (with ``reference``) and the baselines'."""

    summary: str
    data_hash: str
    candidate: Bundle
    baselines: Bundle
    metrics: dict[str, float] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scored:
    """Batch output: one row per input record, and how many the model flagged or refused.

    ``frame`` is the whole output, or its parts in order, written as they come so that a batch of
    any size never sits in memory whole; then ``flagged`` counts the flagged rows of one part.
    """

    frame: pd.DataFrame | Iterable[pd.DataFrame]
    flagged: int | Callable[[pd.DataFrame], int]
    flagged_as: str


@dataclass(frozen=True)
class MonitorView:
    """A monitored batch next to the training reference, as columns the drift checks compare.

    ``score`` names the model-output column (its drift always alerts); ``numeric`` and
    ``categorical`` list the monitored input features; ``checks`` are the track's data-quality and
    live-metric checks, every limit taken from configuration.
    """

    reference: pd.DataFrame
    current: pd.DataFrame
    numeric: list[str]
    categorical: list[str]
    score: str
    score_label: str
    checks: list[Check]
    extra: dict[str, Any] = field(default_factory=dict)


class ChampionScores(list[float]):
    """The champion's per-unit scores, with notes the gate reports about how they were obtained
    (for example, a fallback used for an artifact an earlier release saved)."""

    def __init__(self, values: Sequence[float], notes: Sequence[str] = ()) -> None:
        super().__init__(values)
        self.notes = list(notes)


@dataclass(frozen=True)
class Option:
    """One command-line option of a track command (``--flag VALUE``; ``kind`` parses VALUE)."""

    flag: str
    help: str
    kind: Callable[[str], Any] = str
    default: Any = None


@dataclass(frozen=True)
class CommandOutcome:
    """What a track command prints, and whether it raised an alert (exit code 3)."""

    summary: str
    alert: bool = False


@dataclass(frozen=True)
class Command(Generic[ConfigT]):
    """A verb a track adds to the shared ones: ``python -m <package> NAME`` and ``make NAME``.

    ``run`` receives the configuration and the parsed options by their flag names
    (``--since-days`` -> ``since_days``).
    """

    name: str
    help: str
    run: Callable[[ConfigT, dict[str, Any]], CommandOutcome]
    options: tuple[Option, ...] = ()


class Service(Protocol):
    """The promoted model as the API holds it."""

    @property
    def version(self) -> str:
        """The served model's version."""
        ...


class Track(Protocol[ConfigT_contra]):
    """The plug-in interface of a track (``ConfigT_contra``: the track's configuration model)."""

    @property
    def name(self) -> str:
        """The track's name, as ``copier.yml`` lists it."""
        ...

    @property
    def model_kind(self) -> str:
        """The kind recorded in the model's manifest (loading refuses any other)."""
        ...

    @property
    def baselines_kind(self) -> str:
        """The kind recorded in the baselines' manifest."""
        ...

    @property
    def libraries(self) -> tuple[str, ...]:
        """Distributions besides the shared ones whose versions shape the model file."""
        ...

    @property
    def record_schema(self) -> type[BaseModel]:
        """One record as the API and batch scoring accept it."""
        ...

    @property
    def predictions_file(self) -> str:
        """The file name batch scoring writes into ``reports/`` by default."""
        ...

    @property
    def title(self) -> str:
        """The API's title."""
        ...

    @property
    def description(self) -> str:
        """The API's description."""
        ...

    @property
    def router(self) -> APIRouter:
        """The track's API routes."""
        ...

    @property
    def load_path(self) -> str:
        """The route the load test and the API contract tests call."""
        ...

    @property
    def commands(self) -> Sequence[Command[Any]]:
        """The track's own verbs, besides the shared lifecycle (may be empty)."""
        ...

    def make_data(self, cfg: ConfigT_contra, rows: int | None) -> DataOutcome:
        """Generate or ingest the data, validate it, write the monitoring batches, profile it."""
        ...

    def train(self, cfg: ConfigT_contra) -> TrainOutcome:
        """Fit the candidate and the baselines on the training data."""
        ...

    def evaluate(self, cfg: ConfigT_contra, candidate: Bundle, baselines: Bundle) -> Evaluation:
        """Compare the candidate with the baselines on held-out data; write the plots."""
        ...

    def score_champion(self, cfg: ConfigT_contra, champion: Bundle) -> float | Sequence[float]:
        """The champion's business metric on the same held-out data (raises when it cannot): one
        number, or one per evaluation unit in the order of ``Evaluation.unit_scores`` (the gate then
        compares by a paired confidence interval)."""
        ...

    def predict(self, cfg: ConfigT_contra, model: Bundle, version: str, source: Path) -> Scored:
        """Score a batch file with the promoted model, through the API's validation."""
        ...

    def monitor(
        self, cfg: ConfigT_contra, model: Bundle, source: Path, logged: pd.DataFrame | None
    ) -> MonitorView:
        """Profile a batch file, or ``logged`` (the prediction log's newest window: the features
        and outputs recorded when each record was scored), against the model's reference."""
        ...

    def load_service(self, cfg: ConfigT_contra) -> Service:
        """Load the promoted model for the API, verified against its manifest."""
        ...

    def sample_requests(self, cfg: ConfigT_contra, n: int) -> list[dict[str, Any]]:
        """``n`` realistic request bodies for the main endpoint (load tests, contract tests)."""
        ...

    def small_overrides(self, project_root: Path) -> dict[str, Any]:
        """Config overrides that make a run take seconds while every step still means something."""
        ...
