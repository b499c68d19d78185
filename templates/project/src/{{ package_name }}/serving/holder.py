"""Holds the loaded model; a reload that fails keeps the old one serving."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from fastapi import HTTPException, Request

logger = logging.getLogger(__name__.rsplit(".", 1)[0])
ServiceT = TypeVar("ServiceT")


class ModelHolder(Generic[ServiceT]):
    """The model a process serves, loaded once at startup and swapped atomically on reload."""

    def __init__(self, loader: Callable[[], ServiceT]) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self.service: ServiceT | None = None
        self.error: str | None = None

    def load(self) -> None:
        """Load (or reload) the model; on failure keep whatever was serving before and re-raise."""
        with self._lock:
            try:
                fresh = self._loader()
            except Exception as exc:
                self.error = str(exc)
                logger.error("model load failed: %s", exc)
                raise
            self.service = fresh
            self.error = None


def current_service(request: Request) -> Any:
    """FastAPI dependency: the loaded model, or 503 while there is none."""
    holder: ModelHolder[Any] = request.app.state.holder
    if holder.service is None:
        raise HTTPException(503, f"model not loaded: {holder.error or 'starting up'}")
    return holder.service
