"""Validation of a table against the same pydantic schema the API uses, with the same verdict.

The schema is declared once. Row-by-row pydantic validation of a large file is slow, so the
built-in rules (type, range, length, pattern, allowed values, required) are read off the model's
fields and applied to whole columns. Rules that cannot be read off a field, the schema's own
validators above all (``@field_validator``, ``BeforeValidator`` and the like), are applied by
pydantic itself, and only where the schema has them:

- a column with such rules (or a timestamp column: pandas and pydantic do not read the same
  timestamp texts) is validated by pydantic with that field's full set of rules, once per distinct
  value (a file repeats values: a million questions may hold a few thousand distinct ones), and
  pydantic's verdict on the column is final;
- a schema with rules that need the whole row (``@model_validator``, or a validator that reads
  other fields through ``info.data``) also has every row that passed the column checks validated
  by the model, in batches, once per distinct row.

Validators must be pure functions of their input, as pydantic assumes. Other columns are checked
column-wise only (a pattern is matched by pydantic's own regex engine, once per distinct value).

Every violation names its row, column and rule; nothing is coerced silently. A file is text, so a
few things are read the way a file means them, and handed to pydantic as the API would get them
in JSON: an empty or blank cell is a missing value (NaN included, so NaN is never a number here),
and numbers and booleans may be written as text (``"12"``, ``"true"``, ``"no"``). A rule of the
row as a whole (a model validator) is reported under column ``*``.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
import numpy as np
import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    TypeAdapter,
    ValidationError,
    WrapValidator,
)
from pydantic.fields import FieldInfo
from pydantic.types import AllowInfNan

from ..errors import ProjectError

Mode = Literal["reject", "quarantine"]

# Rows validated by the model per call: bounds the memory of the row dicts on large files.
MODEL_BATCH_ROWS = 20_000
_BOUNDS = (at.Ge, at.Gt, at.Le, at.Lt, at.MinLen, at.MaxLen)
_READ_OFF = (*_BOUNDS, Strict, AllowInfNan)
# Types whose rules the column checks apply exactly as pydantic does. Timestamps are not among them:
# pydantic and pandas read different sets of timestamp texts, so pydantic has the last word on them.
_SIMPLE_KINDS = (int, float, bool, str)
# Model settings that change what a text value must look like; the column checks do not apply them.
_STRING_SETTINGS = (
    "str_strip_whitespace",
    "str_to_lower",
    "str_to_upper",
    "str_min_length",
    "str_max_length",
)
# Model settings that shape how a single field validates, passed on to per-field validation.
_FIELD_SETTINGS = (
    *_STRING_SETTINGS,
    "strict",
    "allow_inf_nan",
    "regex_engine",
    "coerce_numbers_to_str",
    "arbitrary_types_allowed",
    "use_enum_values",
    "val_temporal_unit",
)
_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "before": BeforeValidator,
    "after": AfterValidator,
    "wrap": WrapValidator,
    "plain": PlainValidator,
}
# Built at run time from a field's own type and rules.
_ANNOTATED: Any = Annotated
_LIST: Any = list
_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}
_MESSAGE_PREFIXES = ("Value error, ", "Assertion failed, ")


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


@dataclass(frozen=True)
class _Rules:
    """What the column checks know of one field."""

    kind: Any
    optional: bool
    metadata: list[Any]


def _rules(info: FieldInfo) -> _Rules:
    """The field's type with ``X | None`` stripped, and every constraint, nested ones included."""
    kind, optional, metadata = info.annotation, False, list(info.metadata)
    if get_origin(kind) in (Union, types.UnionType):
        args = [a for a in get_args(kind) if a is not type(None)]
        kind, optional = (args[0] if len(args) == 1 else kind), len(args) < len(get_args(kind))
    if get_origin(kind) is Annotated:  # ``Annotated[X, ...] | None`` keeps its rules inside
        kind, *inner = get_args(kind)
        metadata += [rule for item in inner for rule in getattr(item, "metadata", [item])]
    return _Rules(kind, optional, metadata)


def _read_off(item: Any) -> bool:
    """Whether the column checks apply this constraint exactly as pydantic does."""
    if isinstance(item, _READ_OFF):
        return True
    return type(item).__name__ == "_PydanticGeneralMetadata" and set(vars(item)) <= {"pattern"}


def _uses_info(func: Any, mode: str) -> bool:
    """Whether a validator takes pydantic's ``info`` argument (and so may read other fields)."""
    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return True
    return len(parameters) > (2 if mode == "wrap" else 1)


def _annotated_mode(item: Any) -> str | None:
    for mode, kind in _VALIDATORS.items():
        if isinstance(item, kind):  # type: ignore[arg-type]
            return mode
    return None


@dataclass(frozen=True)
class _Plan:
    """Where pydantic must look at a schema's data, beyond the column checks."""

    columns: dict[str, TypeAdapter[list[Any]]] = field(default_factory=dict)
    rows: bool = False


@functools.cache
def _plan(schema: type[BaseModel]) -> _Plan:
    """Per-field validators for columns with custom rules; whole rows when rules span fields."""
    decorators = schema.__pydantic_decorators__
    rows = bool(decorators.model_validators or decorators.root_validators or decorators.validators)
    fields = schema.model_fields
    extra: dict[str, list[Any]] = {name: [] for name in fields}
    needs_row: set[str] = set()
    for decorator in decorators.field_validators.values():
        mode = decorator.info.mode
        targets = list(fields) if "*" in decorator.info.fields else decorator.info.fields
        for name in targets:
            if _uses_info(decorator.func, mode):
                needs_row.add(name)
            elif name in extra:
                extra[name].append(_VALIDATORS[mode](decorator.func))
    config = {key: value for key, value in schema.model_config.items() if key in _FIELD_SETTINGS}
    string_settings = any(config.get(key) for key in _STRING_SETTINGS)
    columns: dict[str, TypeAdapter[list[Any]]] = {}
    for name, info in fields.items():
        rules = _rules(info)
        simple = (rules.kind in _SIMPLE_KINDS or get_origin(rules.kind) is Literal) and all(
            _read_off(item) for item in rules.metadata
        )
        if rules.kind is str and string_settings:
            simple = False
        if any((how := _annotated_mode(item)) and _uses_info(item.func, how) for item in rules.metadata):
            needs_row.add(name)
        if name in needs_row:
            rows = True
        elif extra[name] or not simple:
            annotated = _ANNOTATED[(info.annotation, *info.metadata, *extra[name])]
            columns[name] = TypeAdapter(_LIST[annotated], config=ConfigDict(**config))  # type: ignore[typeddict-item]
    return _Plan(columns, rows)


@functools.cache
def _batch_adapter(schema: type[BaseModel]) -> TypeAdapter[list[BaseModel]]:
    return TypeAdapter(list[schema])  # type: ignore[valid-type]


@functools.cache
def _pattern_adapter(pattern: str, engine: str) -> TypeAdapter[list[str]]:
    config = ConfigDict(regex_engine=engine)  # type: ignore[typeddict-item]
    return TypeAdapter(list[Annotated[str, Field(pattern=pattern)]], config=config)


def _message(error: Any) -> str:
    message = str(error["msg"])
    for prefix in _MESSAGE_PREFIXES:
        message = message.removeprefix(prefix)
    return message


def _list_errors(adapter: TypeAdapter[Any], values: list[Any]) -> dict[int, list[str]]:
    """The rules ``adapter`` (a list adapter) finds broken, by position in ``values``."""
    found: dict[int, list[str]] = {}
    try:
        adapter.validate_python(values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_context=False, include_input=False):
            found.setdefault(int(error["loc"][0]), []).append(_message(error))
    except Exception:  # a validator that raises something else: find its values one by one
        for position, value in enumerate(values):
            try:
                adapter.validate_python([value])
            except ValidationError as exc:
                found[position] = [_message(e) for e in exc.errors(include_url=False, include_input=False)]
            except Exception as exc:  # reported as a violation of the value
                found[position] = [f"the schema's validation failed ({type(exc).__name__}: {exc})"]
    return found


def _pattern_mask(text: pd.Series, present: pd.Series, pattern: str, engine: str) -> pd.Series:
    """Cells that do not match ``pattern``, by pydantic's own regex engine and matching rule."""
    unique = pd.unique(text[present].to_numpy(dtype=object))
    bad = [unique[i] for i in _list_errors(_pattern_adapter(pattern, engine), list(unique))]
    return present & text.isin(bad)


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


@dataclass
class _Column:
    """One column's violations, and its values as the API would get them when pydantic needs them."""

    violations: list[Violation]
    present: np.ndarray
    values: np.ndarray | None


def _finite_required(rules: _Rules, schema: type[BaseModel]) -> bool:
    """Whether inf is refused (NaN is a missing cell), as pydantic refuses it for this field."""
    if rules.kind is int:
        return True
    for item in rules.metadata:
        if isinstance(item, AllowInfNan):
            return not item.allow_inf_nan
    return schema.model_config.get("allow_inf_nan") is False


def _is_text(raw: pd.Series) -> bool:
    return bool(raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype))


def _put(values: np.ndarray, mask: pd.Series | np.ndarray, items: Iterable[Any]) -> None:
    """Set ``values`` where ``mask`` holds to ``items`` (Python objects, kept as they are)."""
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    for position, item in zip(positions, items, strict=True):
        values[position] = item


def _check_column(
    name: str, raw: pd.Series, rules: _Rules, schema: type[BaseModel], want_values: bool
) -> _Column:
    kind, metadata = rules.kind, rules.metadata
    missing = raw.isna()
    if _is_text(raw):
        text = raw.astype(str)
        missing |= (text == "") | text.str.isspace()
    found: list[tuple[pd.Series, str]] = []
    if not rules.optional:
        found.append((missing, "required value is missing"))
    present = ~missing
    values = raw.to_numpy(dtype=object, copy=True) if want_values else None
    if kind in (int, float):
        numbers = pd.to_numeric(raw, errors="coerce").astype(float)
        bad_type = present & numbers.isna()
        found.append((bad_type, f"not a number ({kind.__name__} expected)"))
        ok = present & ~bad_type
        if _finite_required(rules, schema):
            found.append((ok & ~np.isfinite(numbers.fillna(0.0)), "must be finite"))
        found += [(ok & mask.fillna(False), rule) for mask, rule in _bounds_rules(numbers, metadata)]
        if kind is int:
            whole = np.isfinite(numbers.fillna(0.0)) & (numbers.fillna(0) % 1 == 0)
            found.append((ok & ~whole, "must be a whole number"))
            ok &= whole & (numbers.abs() < 2.0**63)
            if values is not None:
                _put(values, ok, numbers[ok].astype(np.int64).tolist())
        elif values is not None:
            _put(values, ok, numbers[ok].tolist())
    elif kind is bool:
        words = raw.astype(str).str.strip().str.lower()
        known = words.isin(_TRUE | _FALSE)
        found.append((present & ~known, "not a boolean"))
        if values is not None:
            _put(values, present & known, words[present & known].isin(_TRUE).tolist())
    elif kind is datetime:
        parsed = pd.to_datetime(raw, errors="coerce", utc=True, format="ISO8601")
        found.append((present & parsed.isna(), "not an ISO-8601 timestamp"))
        found += [(present & mask.fillna(False), rule) for mask, rule in _bounds_rules(parsed, metadata)]
        if values is not None and not _is_text(raw):
            values = np.array([v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in values])
    elif get_origin(kind) is Literal:
        choices = {str(c): c for c in get_args(kind)}
        text = raw.astype(str)
        found.append((present & ~text.isin(list(choices)), f"not one of {list(choices)}"))
        if values is not None:
            values = np.array([choices.get(v, v) for v in text.tolist()], dtype=object)
    elif kind is str:
        text = raw.astype(str)
        found += [(present & mask, rule) for mask, rule in _bounds_rules(text, metadata)]
        engine = str(schema.model_config.get("regex_engine", "rust-regex"))
        for item in metadata:
            pattern = getattr(item, "pattern", None)
            if pattern and present.any():
                mask = _pattern_mask(text, present, str(pattern), engine)
                found.append((mask, f"does not match {pattern}"))
        if values is not None and not pd.api.types.is_string_dtype(raw.dtype):
            values = np.array([v if isinstance(v, str) else str(v) for v in values], dtype=object)
    violations = []
    for mask, rule in found:
        for row in np.flatnonzero(mask.to_numpy(dtype=bool)):
            violations.append(Violation(int(row), name, rule, _shown(raw.iloc[row])))
    present_rows = present.to_numpy(dtype=bool)
    if values is not None:
        values[~present_rows] = None
    return _Column(violations, present_rows, values)


def _shown(value: Any) -> str:
    return repr(str(value))[:60]


def _column_verdict(
    name: str, raw: pd.Series, column: _Column, values: np.ndarray, adapter: TypeAdapter[Any]
) -> list[Violation]:
    """Pydantic's verdict on a column with custom rules, once per distinct value.

    A cell pydantic rejects keeps the column checks' clearer message when they caught it too, and
    gets pydantic's message otherwise; a cell pydantic accepts is valid.
    """
    rules: dict[int, list[str]] = {}
    rows = np.flatnonzero(column.present)
    present = values[rows]
    try:
        codes, unique = pd.factorize(present)
        distinct: list[Any] = list(unique)
    except TypeError:  # values that cannot be hashed are validated one by one
        codes, distinct = np.arange(rows.size), list(present)
    errors = _list_errors(adapter, distinct)
    if errors:
        failing = np.isin(codes, list(errors))
        for row, code in zip(rows[failing], codes[failing], strict=True):
            rules[int(row)] = errors[int(code)]
    if rows.size < column.present.size and (none := _list_errors(adapter, [None]).get(0)):
        for row in np.flatnonzero(~column.present):
            rules[int(row)] = none
    caught: dict[int, list[Violation]] = {}
    for violation in column.violations:
        caught.setdefault(violation.row, []).append(violation)
    violations = []
    for row, broken in rules.items():
        shown = _shown(raw.iloc[row])
        violations += caught.get(row) or [Violation(row, name, rule, shown) for rule in broken]
    return violations


def _model_errors(schema: type[BaseModel], rows: list[dict[str, Any]]) -> dict[int, list[tuple[str, str]]]:
    """``(column, rule)`` of every rule the model finds broken, by position in ``rows``."""
    found: dict[int, list[tuple[str, str]]] = {}
    try:
        _batch_adapter(schema).validate_python(rows)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_context=False, include_input=False):
            loc = error["loc"]
            column = str(loc[1]) if len(loc) > 1 else "*"
            found.setdefault(int(loc[0]), []).append((column, _message(error)))
    except Exception:  # a validator that raises something else: find its rows one by one
        for position, row in enumerate(rows):
            try:
                schema.model_validate(row)
            except ValidationError as exc:
                found[position] = [
                    (str(e["loc"][0]) if e["loc"] else "*", _message(e))
                    for e in exc.errors(include_url=False, include_input=False)
                ]
            except Exception as exc:  # reported as a violation of the row
                found[position] = [("*", f"the schema's validation failed ({type(exc).__name__}: {exc})")]
    return found


def _row_verdict(
    frame: pd.DataFrame, schema: type[BaseModel], values: dict[str, np.ndarray], skip: set[int]
) -> list[Violation]:
    """The model's verdict on every row the column checks passed, once per distinct row."""
    names = list(values)
    todo = np.array([row for row in range(len(frame)) if row not in skip], dtype=np.int64)
    keys = list(zip(*(values[name][todo] for name in names), strict=True))
    first: dict[tuple[Any, ...], int] = {}
    try:
        groups = [first.setdefault(key, len(first)) for key in keys]
        distinct = list(first)
    except TypeError:  # values that cannot be hashed: every row is validated
        groups, distinct = list(range(len(keys))), keys
    errors: dict[int, list[tuple[str, str]]] = {}
    for start in range(0, len(distinct), MODEL_BATCH_ROWS):
        batch = [dict(zip(names, key, strict=True)) for key in distinct[start : start + MODEL_BATCH_ROWS]]
        errors |= {start + position: found for position, found in _model_errors(schema, batch).items()}
    violations = []
    for row, group in zip(todo.tolist(), groups, strict=True):
        for column, rule in errors.get(group, []):
            value = _shown(frame.at[row, column]) if column in frame.columns else "-"
            violations.append(Violation(row, column, rule, value))
    return violations


def validate_frame(frame: pd.DataFrame, schema: type[BaseModel]) -> list[Violation]:
    """Every violation of ``schema`` in ``frame``, ordered by row then column."""
    frame = frame.reset_index(drop=True)
    plan = _plan(schema)
    violations: list[Violation] = []
    columns: dict[str, _Column] = {}
    for name, info in schema.model_fields.items():
        if name not in frame.columns:
            if info.is_required():
                violations.append(Violation(-1, name, "required column is missing", "-"))
            continue
        want = plan.rows or name in plan.columns
        columns[name] = column = _check_column(name, frame[name], _rules(info), schema, want)
        if name in plan.columns and column.values is not None:
            violations += _column_verdict(name, frame[name], column, column.values, plan.columns[name])
        else:
            violations += column.violations
    extra = sorted(set(frame.columns) - set(schema.model_fields))
    if schema.model_config.get("extra") == "forbid":
        violations += [Violation(-1, column, "unexpected column", "-") for column in extra]
    if plan.rows and len(frame) and not any(v.row < 0 for v in violations):
        values = {name: c.values for name, c in columns.items() if c.values is not None}
        violations += _row_verdict(frame, schema, values, {v.row for v in violations})
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
        judge_violations([], mode=mode, source=source, rows=0)
    violations = validate_frame(frame, schema)
    if not violations:
        return frame.reset_index(drop=True), frame.iloc[0:0]
    bad_rows = judge_violations(violations, mode=mode, source=source, rows=len(frame))
    frame = frame.reset_index(drop=True)
    return frame.drop(index=bad_rows).reset_index(drop=True), quarantined(frame.loc[bad_rows], violations)


def judge_violations(violations: list[Violation], *, mode: Mode, source: str, rows: int) -> list[int]:
    """The rows to set aside for a table of ``rows`` rows, in order, or raise: on any violation
    with ``mode="reject"``, and always for a broken table (no rows, a missing column, no valid row).

    Violations name rows by position in the whole table, so a table validated in parts (each
    part's positions shifted by its first row's) is judged exactly like one validated whole.
    """
    if rows == 0:
        raise DataValidationError(source, [Violation(-1, "*", "the table has no rows", "-")])
    structural = [v for v in violations if v.row < 0]
    if structural or (mode == "reject" and violations):
        raise DataValidationError(source, structural or violations)
    bad_rows = sorted({v.row for v in violations})
    if len(bad_rows) == rows:
        raise DataValidationError(source, violations)
    return bad_rows


def quarantined(bad: pd.DataFrame, violations: list[Violation]) -> pd.DataFrame:
    """The rows set aside (indexed by their position in the table), each with its violations."""
    reasons: dict[int, list[str]] = {int(row): [] for row in bad.index}
    for v in violations:
        if v.row in reasons:
            reasons[v.row].append(f"{v.column}: {v.rule}")
    return bad.assign(violations=["; ".join(reasons[int(r)]) for r in bad.index])
