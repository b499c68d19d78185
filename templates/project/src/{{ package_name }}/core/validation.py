"""Vectorised validation of a table against the same pydantic schema the API uses.

The schema is declared once. Row-by-row pydantic validation of a large file is slow, so the rules
(type, range, allowed values, required) are read off the model's fields and applied to whole
columns. Every violation names its row, column and rule; nothing is coerced silently.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
import numpy as np
import pandas as pd
from pydantic import BaseModel

from ..errors import ProjectError

Mode = Literal["reject", "quarantine"]


@dataclass(frozen=True)
class Violation:
    """One broken rule in one cell (row is the 0-based position in the input)."""

    row: int
    column: str
    rule: str
    value: str


class DataValidationError(ProjectError):
    """A table broke its schema; the message lists the first violations."""

    def __init__(self, source: str, violations: list[Violation]) -> None:
        self.violations = violations
        shown = "\n".join(
            f"  row {v.row}, column '{v.column}': {v.rule} (got {v.value})" for v in violations[:10]
        )
        more = f"\n  ... and {len(violations) - 10} more" if len(violations) > 10 else ""
        super().__init__(f"{source}: {len(violations)} schema violation(s)\n{shown}{more}")


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """Strip ``X | None`` to ``(X, True)``."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0], len(args) < len(get_args(annotation))
    return annotation, False


def _bounds_rules(series: pd.Series, metadata: list[Any]) -> list[tuple[pd.Series, str]]:
    rules = []
    for item in metadata:
        if isinstance(item, at.Ge):
            rules.append((series < item.ge, f"must be >= {item.ge}"))
        elif isinstance(item, at.Gt):
            rules.append((series <= item.gt, f"must be > {item.gt}"))
        elif isinstance(item, at.Le):
            rules.append((series > item.le, f"must be <= {item.le}"))
        elif isinstance(item, at.Lt):
            rules.append((series >= item.lt, f"must be < {item.lt}"))
        elif isinstance(item, at.MaxLen):
            rules.append((series.str.len() > item.max_length, f"longer than {item.max_length} characters"))
        elif isinstance(item, at.MinLen):
            rules.append((series.str.len() < item.min_length, f"shorter than {item.min_length} characters"))
    return rules


def _column_violations(name: str, raw: pd.Series, annotation: Any, metadata: list[Any]) -> list[Violation]:
    kind, optional = _unwrap(annotation)
    if get_origin(kind) is Annotated:  # ``Annotated[X, ...] | None`` keeps its rules inside
        kind, *inner = get_args(kind)
        metadata = [*metadata, *(rule for item in inner for rule in getattr(item, "metadata", [item]))]
    missing = raw.isna()
    if raw.dtype == object:
        missing |= raw.astype(str).str.strip() == ""
    found: list[tuple[pd.Series, str]] = []
    if not optional:
        found.append((missing, "required value is missing"))
    present = ~missing
    if kind in (int, float):
        numbers = pd.to_numeric(raw, errors="coerce")
        bad_type = present & numbers.isna()
        found.append((bad_type, f"not a number ({kind.__name__} expected)"))
        ok = present & ~bad_type
        found.append((ok & ~np.isfinite(numbers.fillna(0.0)), "must be finite"))
        if kind is int:
            found.append((ok & (numbers.fillna(0) % 1 != 0), "must be a whole number"))
        found += [(ok & mask.fillna(False), rule) for mask, rule in _bounds_rules(numbers, metadata)]
    elif kind is bool:
        allowed = {"true", "false", "1", "0"}
        found.append((present & ~raw.astype(str).str.lower().isin(allowed), "not a boolean"))
    elif kind is datetime:
        parsed = pd.to_datetime(raw, errors="coerce", utc=True, format="ISO8601")
        found.append((present & parsed.isna(), "not an ISO-8601 timestamp"))
        found += [(present & mask.fillna(False), rule) for mask, rule in _bounds_rules(parsed, metadata)]
    elif get_origin(kind) is Literal:
        choices = [str(c) for c in get_args(kind)]
        found.append((present & ~raw.isin(choices), f"not one of {choices}"))
    else:
        text = raw.astype(str)
        found += [(present & mask, rule) for mask, rule in _bounds_rules(text, metadata)]
        for item in metadata:
            pattern = getattr(item, "pattern", None)
            if pattern:
                found.append((present & ~text.str.fullmatch(pattern), f"does not match {pattern}"))
    violations = []
    for mask, rule in found:
        for row in np.flatnonzero(mask.to_numpy(dtype=bool)):
            violations.append(Violation(int(row), name, rule, repr(str(raw.iloc[row]))[:60]))
    return violations


def validate_frame(frame: pd.DataFrame, schema: type[BaseModel]) -> list[Violation]:
    """Every violation of ``schema`` in ``frame``, ordered by row then column."""
    violations: list[Violation] = []
    frame = frame.reset_index(drop=True)
    for name, field in schema.model_fields.items():
        if name not in frame.columns:
            if field.is_required():
                violations.append(Violation(-1, name, "required column is missing", "-"))
            continue
        violations += _column_violations(name, frame[name], field.annotation, field.metadata)
    extra = sorted(set(frame.columns) - set(schema.model_fields))
    if schema.model_config.get("extra") == "forbid":
        violations += [Violation(-1, column, "unexpected column", "-") for column in extra]
    return sorted(violations, key=lambda v: (v.row, v.column))


def enforce(
    frame: pd.DataFrame, schema: type[BaseModel], *, mode: Mode, source: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``frame`` into valid rows and quarantined rows, or raise on any violation.

    With ``mode="reject"`` any violation raises :class:`DataValidationError`. With
    ``mode="quarantine"`` bad rows are returned separately (with a ``violations`` column), unless
    the table itself is broken (a missing column, or no valid row at all), which always raises.
    """
    if frame.empty:
        raise DataValidationError(source, [Violation(-1, "*", "the table has no rows", "-")])
    violations = validate_frame(frame, schema)
    if not violations:
        return frame.reset_index(drop=True), frame.iloc[0:0]
    structural = [v for v in violations if v.row < 0]
    if mode == "reject" or structural:
        raise DataValidationError(source, structural or violations)
    frame = frame.reset_index(drop=True)
    bad_rows = sorted({v.row for v in violations})
    reasons = {row: [] for row in bad_rows}  # type: dict[int, list[str]]
    for v in violations:
        reasons[v.row].append(f"{v.column}: {v.rule}")
    quarantined = frame.loc[bad_rows].assign(violations=["; ".join(reasons[r]) for r in bad_rows])
    valid = frame.drop(index=bad_rows).reset_index(drop=True)
    if valid.empty:
        raise DataValidationError(source, violations)
    return valid, quarantined
