"""The local engine: everything in this process, a table is one pandas frame."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..errors import PipelineError
from .base import Table

T = TypeVar("T")
R = TypeVar("R")

PART = "part-{:05d}.parquet"


def part_files(path: Path) -> list[Path]:
    """The part files of a Parquet folder, in order; a missing or empty folder is an error."""
    parts = sorted(path.glob("part-*.parquet")) if path.is_dir() else []
    if not parts:
        raise PipelineError(f"no Parquet parts in {path}; run `make data` with this engine first")
    return parts


def replace_folder(staged: Path, target: Path) -> None:
    """Put a fully written folder in place of ``target`` (the old one goes only after)."""
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staged.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def need_pyarrow() -> None:
    """Parquet needs pyarrow (the dask and parquet extras install it)."""
    try:
        found = importlib.util.find_spec("pyarrow") is not None
    except ValueError:  # imported, then removed
        found = False
    if not found:
        raise PipelineError("Parquet needs pyarrow: make setup EXTRAS=dev,dask (or dev,parquet)")


class LocalEngine:
    """One process, one partition: the default, and what every result is compared against."""

    kind = "local"

    @property
    def workers(self) -> int:
        return 1

    def map(self, func: Callable[[T], R], items: Sequence[T], *, what: str) -> list[R]:
        return [func(item) for item in items]

    def number_rows(self, table: Table, column: str) -> Table:
        return table.assign(**{column: range(len(table))})

    def from_pandas(self, frame: pd.DataFrame, partition_rows: int) -> Table:
        return frame

    def read_csv(self, path: Path, *, dtype: dict[str, Any], partition_rows: int) -> Table:
        from ..io.tables import read_csv

        return read_csv(path, "table", dtype=dtype)

    def read_parquet(self, path: Path, columns: list[str] | None = None) -> Table:
        need_pyarrow()
        frames = [pd.read_parquet(part, columns=columns) for part in part_files(path)]
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def write_parquet(self, table: Table, path: Path) -> list[Path]:
        need_pyarrow()
        staged = path.with_name(path.name + ".partial")
        shutil.rmtree(staged, ignore_errors=True)
        staged.mkdir(parents=True)
        table.to_parquet(staged / PART.format(0), index=False)
        replace_folder(staged, path)
        return [path / PART.format(0)]

    def by_key(self, table: Table, key: str, partitions: int | None = None) -> Table:
        return table

    def map_partitions(self, func: Callable[..., pd.DataFrame], table: Table, *args: Any) -> Table:
        return func(table, *args)

    def reduce(self, table: Table, chunk: Callable[[pd.DataFrame], T], combine: Callable[[list[T]], R]) -> R:
        return combine([chunk(table)])

    def value_counts(self, table: Table, column: str) -> Table:
        counts = table[column].dropna().astype(str).value_counts(sort=False)
        return pd.DataFrame(
            {"value": counts.index.astype(str), "count": counts.to_numpy(dtype=np.int64)}
        ).astype({"value": object})

    def to_pandas(self, table: Table, columns: list[str] | None = None) -> pd.DataFrame:
        frame: pd.DataFrame = table
        return frame if columns is None else frame[columns]

    def sort(self, table: Table, key: Callable[[pd.DataFrame], np.ndarray]) -> Table:
        return table.iloc[np.argsort(key(table), kind="stable")].reset_index(drop=True)

    def ordered_parts(
        self, table: Table, column: str, *, end: int, part_rows: int, scratch: Path
    ) -> Iterator[pd.DataFrame]:
        yield table.sort_values(column, kind="stable").reset_index(drop=True)

    def write_csv(self, table: Table, path: Path) -> None:
        from ..io.files import write_csv

        write_csv(table, path)

    def partitions(self, table: Table, scratch: Path | None = None) -> Iterator[pd.DataFrame]:
        yield table

    def rows(self, table: Table) -> int:
        return len(table)
