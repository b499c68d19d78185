"""Where every step reads and writes, derived once from ``paths`` in the configuration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..settings import BaseConfig
from .registry import Registry


@dataclass(frozen=True)
class Workspace:
    """The project's data, artifact and report locations."""

    data: Path
    artifacts: Path
    reports: Path

    @classmethod
    def of(cls, cfg: BaseConfig) -> Workspace:
        """The workspace a configuration names."""
        return cls(cfg.paths.data_dir, cfg.paths.artifacts_dir, cfg.paths.reports_dir)

    @property
    def clean_batch(self) -> Path:
        """The monitoring batch drawn like the training data."""
        return self.data / "batches" / "clean.csv"

    @property
    def shifted_batch(self) -> Path:
        """The monitoring batch with a known shift, which must raise an alert."""
        return self.data / "batches" / "shifted.csv"

    @property
    def quarantine(self) -> Path:
        """Where invalid rows go when ``data.on_invalid`` is ``quarantine``."""
        return self.data / "quarantine"

    @property
    def candidate(self) -> Path:
        """The model trained last, not yet promoted."""
        return self.artifacts / "candidate"

    @property
    def baselines(self) -> Path:
        """The baselines trained with the candidate."""
        return self.artifacts / "baselines"

    @property
    def registry(self) -> Registry:
        """Every promoted model, and the pointer to the one that serves."""
        return Registry(self.artifacts / "models")

    @property
    def model(self) -> Path:
        """The champion's folder: what the API and batch scoring serve (an error before any)."""
        return self.registry.champion_dir()

    @property
    def prediction_log(self) -> Path:
        """What the service and batch scoring scored, one JSON line each."""
        return self.data / "logs" / "predictions.jsonl"

    @property
    def runs(self) -> Path:
        """The run log."""
        return self.artifacts / "runs.jsonl"
