"""Where the data-heavy steps run: one interface, two engines.

Pipeline code is written once against :class:`Engine`: partitioned Parquet read and write, moving
each key's rows into one partition, a function mapped over partitions or over a list of items,
and reductions (a summary per partition, then one combine). :class:`LocalEngine` runs it all in
this process on pandas frames, as one partition; the Dask engine (``engine.kind: dask`` or
``ENGINE=dask``) runs the same functions on a cluster. Neither has a second copy of any feature,
scoring or summary logic: both call the functions they are given.

A step asks for the engine with :func:`current`. Inside :func:`scope` (every pipeline verb runs
in one), the first call opens it, so a step that never needs Dask never starts a cluster, and the
scope's end closes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar

from ..settings import EngineConfig
from .base import Engine, Table
from .local import LocalEngine

__all__ = ["Engine", "LocalEngine", "Table", "current", "open_engine", "scope"]

_LOCAL = LocalEngine()


class _Scope:
    """The engine of the running step, opened on first use."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.engine: Engine | None = None
        self._open = ExitStack()

    def get(self) -> Engine:
        if self.engine is None:
            if self.config.kind == "local":
                self.engine = _LOCAL
            else:
                from .cluster import DaskEngine

                self.engine = self._open.enter_context(DaskEngine.open(self.config))
        return self.engine

    def close(self) -> None:
        self.engine = None
        self._open.close()


_ACTIVE: ContextVar[_Scope | None] = ContextVar("engine_scope", default=None)


@contextmanager
def scope(config: EngineConfig) -> Iterator[None]:
    """Run a step with ``config``'s engine available through :func:`current`. Inside a scope of
    the same kind (a verb calling another, or a test session's shared cluster) that scope's engine
    is reused."""
    outer = _ACTIVE.get()
    if outer is not None and outer.config.kind == config.kind:
        yield
        return
    active = _Scope(config)
    token = _ACTIVE.set(active)
    try:
        yield
    finally:
        _ACTIVE.reset(token)
        active.close()


def current() -> Engine:
    """The engine of the running step; the local engine outside any :func:`scope`."""
    active = _ACTIVE.get()
    return _LOCAL if active is None else active.get()


@contextmanager
def open_engine(config: EngineConfig) -> Iterator[Engine]:
    """An engine for code outside the pipeline (benchmarks, tests), closed on exit."""
    with scope(config):
        yield current()
