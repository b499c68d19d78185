"""Reading tabular files, validated against a schema, with invalid rows rejected or quarantined."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel

from ..core.validation import enforce
from ..errors import PipelineError
from .files import write_csv


def read_csv(path: Path, what: str, **options: Any) -> pd.DataFrame:
    """A CSV file as a frame; a missing or unreadable file is a :class:`PipelineError` naming it."""
    if not path.is_file():
        raise PipelineError(f"{what} not found at {path}; run `make data` first or pass a file")
    try:
        return pd.read_csv(path, **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
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
    if len(bad):
        target = quarantine / source.name
        write_csv(bad, target)
        print(f"quarantined {len(bad)} invalid row(s) to {target}")
    return valid
