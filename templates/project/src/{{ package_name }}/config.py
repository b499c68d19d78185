"""The project's configuration: the shared sections plus the track's (see ``plugin``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .plugin import Config
from .settings import engine_override, load_model

__all__ = ["Config", "load_config"]


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> Config:
    """Load and validate ``configs/config.yaml`` (``overrides`` use dotted keys); ``ENGINE`` in the
    environment chooses the engine (``engine.kind``)."""
    return load_model(path, Config, {**engine_override(), **(overrides or {})})
