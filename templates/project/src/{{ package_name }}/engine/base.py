"""The interface both engines implement."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")
R = TypeVar("R")
# A table: a pandas DataFrame on the local engine, a Dask DataFrame on the cluster. Code passes it
# between engine calls and never looks inside; functions given to the engine receive pandas frames.
Table = Any


class Engine(Protocol):
    """Partitioned tables and parallel maps; every function given to it sees plain pandas."""

    kind: str

    @property
    def workers(self) -> int:
        """How many workers run the tasks (1 for the local engine)."""
        ...

    def map(self, func: Callable[[T], R], items: Sequence[T], *, what: str) -> list[R]:
        """``[func(item) for item in items]``, in order; on Dask, one task per item."""
        ...

    def number_rows(self, table: Table, column: str) -> Table:
        """The table with ``column`` holding each row's position (0, 1, ...) in table order."""
        ...

    def from_pandas(self, frame: pd.DataFrame, partition_rows: int) -> Table:
        """A table from an in-memory frame, in partitions of about ``partition_rows`` rows."""
        ...

    def read_csv(self, path: Path, *, dtype: dict[str, Any], partition_rows: int) -> Table:
        """A CSV file as a table, in partitions of about ``partition_rows`` rows, in file order."""
        ...

    def read_parquet(self, path: Path, columns: list[str] | None = None) -> Table:
        """A folder of Parquet part files (as :meth:`write_parquet` writes them), in part order."""
        ...

    def write_parquet(self, table: Table, path: Path) -> list[Path]:
        """Write one Parquet file per partition into the folder ``path``, replacing it whole."""
        ...

    def by_key(self, table: Table, key: str, partitions: int | None = None) -> Table:
        """The same rows, moved so that all rows with one value of ``key`` share a partition; into
        ``partitions`` partitions when given, else as many as ``partition_rows`` asks for."""
        ...

    def map_partitions(self, func: Callable[..., pd.DataFrame], table: Table, *args: Any) -> Table:
        """``func(partition, *args)`` on every partition; ``func`` must accept an empty frame."""
        ...

    def reduce(self, table: Table, chunk: Callable[[pd.DataFrame], T], combine: Callable[[list[T]], R]) -> R:
        """``combine([chunk(partition) for partition in table])``: summaries travel, rows do not."""
        ...

    def value_counts(self, table: Table, column: str) -> Table:
        """A table of ``value`` (text) and ``count``: each distinct non-missing value of
        ``column``, as text, once, with its number of rows; on Dask spread over partitions by
        value, so that no process holds every value."""
        ...

    def to_pandas(self, table: Table, columns: list[str] | None = None) -> pd.DataFrame:
        """The table (or some of its columns) as one frame in this process."""
        ...

    def sort(self, table: Table, key: Callable[[pd.DataFrame], np.ndarray]) -> Table:
        """The rows ordered by ``key`` (a function giving each row of a partition a distinct
        int64), across partitions; the key is not kept."""
        ...

    def ordered_parts(
        self, table: Table, column: str, *, end: int, part_rows: int, scratch: Path
    ) -> Iterator[pd.DataFrame]:
        """The rows ordered by ``column``, distinct integers in ``[0, end)`` (row numbers), one
        frame at a time: on Dask the rows in ``[0, part_rows)``, then ``[part_rows, 2 *
        part_rows)`` and so on, through files under ``scratch`` (a folder the workers and this
        process share); on the local engine one frame."""
        ...

    def write_csv(self, table: Table, path: Path) -> None:
        """One CSV file of the table in its order, byte for byte what pandas writes, replaced whole."""
        ...

    def partitions(self, table: Table, scratch: Path | None = None) -> Iterator[pd.DataFrame]:
        """The partitions one at a time, in order: for writing a result of any size. With
        ``scratch`` (a folder the workers and this process share) the table is computed once and
        kept there until read, which a shuffled table needs."""
        ...

    def rows(self, table: Table) -> int:
        """The number of rows."""
        ...
