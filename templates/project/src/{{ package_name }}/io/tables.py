"""Reading tabular files, validated against a schema, with invalid rows rejected or quarantined."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ..core.validation import Violation, enforce, judge_violations, quarantined, validate_frame
from ..engine import Table, current
from ..errors import PipelineError
from .files import write_csv

# What reading a file that is not CSV raises.
UNREADABLE = (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError)


def read_csv(path: Path, what: str, **options: Any) -> pd.DataFrame:
    """A CSV file as a frame; a missing or unreadable file is a :class:`PipelineError` naming it."""
    if not path.is_file():
        raise PipelineError(f"{what} not found at {path}; run `make data` first or pass a file")
    try:
        return pd.read_csv(path, **options)
    except UNREADABLE as exc:
        raise PipelineError(f"{path} is not a readable CSV file: {exc}") from exc


def validated(
    frame: pd.DataFrame,
    schema: type[BaseModel],
    *,
    source: Path,
    mode: Literal["reject", "quarantine"],
    quarantine: Path,
) -> pd.DataFrame:
    """The rows of ``frame`` that satisfy ``schema``; the rest are refused or set aside.

    With ``mode="reject"`` any invalid row raises a ``DataValidationError`` naming each column, row
    and rule, and nothing is written. With ``"quarantine"`` invalid rows go to
    ``quarantine/<file name>`` and the valid ones are returned.
    """
    valid, bad = enforce(frame, schema, mode=mode, source=str(source))
    _set_aside(bad, source, quarantine)
    return valid


def _set_aside(bad: pd.DataFrame, source: Path, quarantine: Path) -> None:
    if len(bad):
        target = quarantine / source.name
        write_csv(bad, target)
        print(f"quarantined {len(bad)} invalid row(s) to {target}")


def validated_table(
    table: Table,
    schema: type[BaseModel],
    *,
    source: Path,
    mode: Literal["reject", "quarantine"],
    quarantine: Path,
    position: str,
) -> tuple[Table, int]:
    """:func:`validated` for a table of the engine, checked part by part where the parts are:
    the same rows refused or set aside, with the same messages. Returns the valid rows, each with
    its row number in ``source`` as column ``position``, and how many there are."""
    engine = current()
    try:
        numbered = engine.number_rows(table, position)
        rows, violations = engine.reduce(
            numbered, partial(_violations, schema=schema, position=position), _joined
        )
    except UNREADABLE as exc:
        raise PipelineError(f"{source} is not a readable CSV file: {exc}") from exc
    bad_rows = judge_violations(violations, mode=mode, source=str(source), rows=rows)
    if bad_rows:
        bad = engine.to_pandas(
            engine.map_partitions(_rows_in, numbered, position, np.asarray(bad_rows, dtype=np.int64), True)
        )
        bad = bad.set_index(position).sort_index()
        bad.index.name = None
        _set_aside(quarantined(bad, violations), source, quarantine)
    valid = engine.map_partitions(_rows_in, numbered, position, np.asarray(bad_rows, dtype=np.int64), False)
    return valid, rows - len(bad_rows)


def _violations(part: pd.DataFrame, *, schema: type[BaseModel], position: str) -> tuple[int, list[Violation]]:
    """A part's rows and violations, named by row number in the whole table."""
    first = int(part[position].iloc[0]) if len(part) else 0
    found = validate_frame(part.drop(columns=[position]), schema) if len(part) else []
    return len(part), [v if v.row < 0 else Violation(v.row + first, v.column, v.rule, v.value) for v in found]


def _joined(parts: list[tuple[int, list[Violation]]]) -> tuple[int, list[Violation]]:
    """Every part's violations, ordered by row then column; a broken table's named once."""
    rows = sum(n for n, _ in parts)
    structural = list(dict.fromkeys(v for _, found in parts for v in found if v.row < 0))
    by_row = sorted((v for _, found in parts for v in found if v.row >= 0), key=lambda v: (v.row, v.column))
    return rows, sorted(structural, key=lambda v: v.column) + by_row


def _rows_in(part: pd.DataFrame, position: str, rows: np.ndarray, keep: bool) -> pd.DataFrame:
    """The part's rows whose number is (``keep``) or is not in ``rows``."""
    return part.loc[np.isin(part[position].to_numpy(), rows) == keep]
