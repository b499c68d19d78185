"""A compact statistical profile of a table, for the data card and data-quality checks.

Every figure is computed one column at a time through the engine's reductions, so a table on the
Dask engine is profiled without any process holding a whole column of text, and both engines give
the same card: a numeric column's exact median comes from its values (eight bytes a row), a text
column's distinct values and most common ones from the engine's ``value_counts``, which Dask
spreads over partitions by value. Ties between equally common values go to the smaller value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..engine import LocalEngine, Table, current
from .results import ColumnProfile

TOP = 3  # most common values shown for a text column
_LOCAL = LocalEngine()


@dataclass(frozen=True)
class ColumnSummary:
    """One column's figures: for booleans the true count, for numbers the range and median,
    for text the distinct values, the most common ones, and the smallest and largest."""

    name: str
    type: str
    rows: int
    missing: int
    true: int = 0
    low: float = float("nan")
    median: float = float("nan")
    high: float = float("nan")
    distinct: int = 0
    top: tuple[tuple[str, int], ...] = ()
    first: str = ""
    last: str = ""
    kind: str = "text"

    def profile(self) -> ColumnProfile:
        """The data card's line for the column."""
        if self.kind == "bool":
            summary = f"{self.true / max(self.rows, 1):.2%} true"
        elif self.kind == "numeric":
            summary = f"min {self.low:.4g}, median {self.median:.4g}, max {self.high:.4g}"
        else:
            summary = f"{self.distinct} distinct; top: " + ", ".join(
                f"{value} ({count / max(self.rows, 1):.0%})" for value, count in self.top
            )
        return ColumnProfile(
            name=self.name,
            type=self.type,
            missing=round(self.missing / max(self.rows, 1), 4),
            summary=summary,
        )


def profile_columns(frame: pd.DataFrame) -> list[ColumnProfile]:
    """Per column of an in-memory frame: type, missing share, and range or most common values."""
    return [summary.profile() for summary in summarize(frame, [str(name) for name in frame.columns])]


def summarize(table: Table, columns: list[str]) -> list[ColumnSummary]:
    """:class:`ColumnSummary` of each of ``columns`` of a table of the current engine (an
    in-memory frame counts as a table of the local engine)."""
    engine = current() if not isinstance(table, pd.DataFrame) else _LOCAL
    return [_summary(engine, table, name) for name in columns]


def _summary(engine: Any, table: Table, name: str) -> ColumnSummary:
    kind, dtype, rows, missing = engine.reduce(table, lambda part: _head(part, name), _first_head)
    base = ColumnSummary(name=name, type=dtype, rows=rows, missing=missing, kind=kind)
    if kind == "bool":
        true = engine.reduce(table, lambda part: int(part[name].to_numpy(dtype=bool).sum()), sum)
        return _with(base, true=int(true))
    if kind == "numeric":
        values = pd.Series(engine.reduce(table, lambda part: _numbers(part, name), _joined))
        if values.empty:
            return base
        return _with(base, low=float(values.min()), median=float(values.median()), high=float(values.max()))
    counts = engine.value_counts(table, name)
    distinct, top, first, last = engine.reduce(counts, _text_head, _text_combined)
    return _with(base, distinct=distinct, top=top, first=first, last=last)


def _with(base: ColumnSummary, **changes: Any) -> ColumnSummary:
    return ColumnSummary(**{**base.__dict__, **changes})


def _head(part: pd.DataFrame, name: str) -> tuple[str, str, int, int]:
    series = part[name]
    if pd.api.types.is_bool_dtype(series):
        kind = "bool"
    elif pd.api.types.is_numeric_dtype(series):
        kind = "numeric"
    else:
        kind = "text"
    return kind, str(series.dtype), len(series), int(series.isna().sum())


def _first_head(parts: list[tuple[str, str, int, int]]) -> tuple[str, str, int, int]:
    kind, dtype = parts[0][0], parts[0][1]
    return kind, dtype, sum(p[2] for p in parts), sum(p[3] for p in parts)


def _numbers(part: pd.DataFrame, name: str) -> np.ndarray:
    return part[name].dropna().to_numpy(dtype=float)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def _ranked(counts: pd.DataFrame) -> pd.DataFrame:
    """Most common first; among equally common values, the smaller value first."""
    return counts.sort_values(["count", "value"], ascending=[False, True], kind="stable")


def _text_head(part: pd.DataFrame) -> tuple[int, pd.DataFrame, str, str]:
    values = part["value"]
    return (
        len(part),
        _ranked(part).head(TOP),
        str(values.min()) if len(part) else "",
        str(values.max()) if len(part) else "",
    )


def _text_combined(
    parts: list[tuple[int, pd.DataFrame, str, str]],
) -> tuple[int, tuple[tuple[str, int], ...], str, str]:
    present = [p for p in parts if p[0]]
    top = _ranked(pd.concat([p[1] for p in present])).head(TOP) if present else None
    ranked = (
        () if top is None else tuple(zip(top["value"].astype(str), top["count"].astype(int), strict=True))
    )
    return (
        sum(p[0] for p in parts),
        tuple((value, int(count)) for value, count in ranked),
        min((p[2] for p in present), default=""),
        max((p[3] for p in present), default=""),
    )
