"""The Dask engine: the same functions as the local engine, run as tasks on a cluster.

With ``DASK_SCHEDULER_ADDRESS`` set, it connects to that scheduler (a cluster you run: ``dask
scheduler`` and ``dask worker``, dask-kubernetes, or a managed service); its workers need this
project installed and the data paths readable. Without it, a local cluster sized to the machine
starts for the step and stops after it. The log names the scheduler and the dashboard.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..errors import PipelineError
from ..settings import EngineConfig
from .base import Table
from .local import PART, need_pyarrow, part_files, replace_folder

T = TypeVar("T")
R = TypeVar("R")

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
CONNECT_TIMEOUT_S = 30
_BYTES_PER_CSV_ROW = 120  # to turn partition_rows into a CSV block size
_QUIET_S = 1.0  # shorter waits are not logged
_AHEAD = 2  # partitions computed ahead of the one being read, per worker
_MIN_ROW_GROUP = 1_000  # rows per row group, at least, of a table spilled for reading in order
_TRIM_EVERY_S = 0.2  # how often an in-process worker's freed memory goes back to the system


def _imports() -> tuple[Any, Any]:
    try:
        import dask.dataframe as dd
        import distributed
    except ImportError as exc:
        raise PipelineError(
            "engine.kind is dask (or ENGINE=dask), which needs the dask extra: make setup EXTRAS=dev,dask"
        ) from exc
    return dd, distributed


def _log(message: str) -> None:
    print(f"dask: {message}", file=sys.stderr, flush=True)


def machine_size(config: EngineConfig) -> tuple[int, int, bool]:
    """Workers, threads each, and whether workers get processes of their own.

    One worker per two cores unless configured. A single worker runs as threads in the step's
    process: a process of its own would hold a second copy of the libraries and of every
    partition passed to it, and give no more parallelism than its threads already have.
    """
    cores = os.cpu_count() or 1
    workers = config.workers or max(1, cores // 2)
    threads = config.threads_per_worker or max(1, cores // workers)
    processes = workers > 1 if config.processes is None else config.processes
    return workers, threads, processes


@functools.cache
def _libc() -> Any:
    """glibc, or None elsewhere (musl, macOS): the memory calls below then change nothing. Found
    once: looking it up runs ``ldconfig``, a process forked from this one."""
    import ctypes
    import ctypes.util

    library = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(library) if library else None
    except OSError:
        return None


def _return_freed_memory() -> None:
    """Have this process hand freed memory back to the system as a Dask worker process does:
    threads here now do the workers' work. glibc's trim threshold is set to what Dask's nanny
    sets for the worker processes it starts (``MALLOC_TRIM_THRESHOLD_``), and pyarrow allocates
    through it too, rather than through its own pool, which keeps what Parquet reads free."""
    import dask

    environ = dask.config.get("distributed.nanny.pre-spawn-environ", {}) or {}
    threshold, libc = environ.get("MALLOC_TRIM_THRESHOLD_"), _libc()
    if threshold is not None and libc is not None:
        with contextlib.suppress(AttributeError, ValueError):
            libc.mallopt(_M_TRIM_THRESHOLD, int(threshold))
    with contextlib.suppress(ImportError):
        import pyarrow as pa

        pa.set_memory_pool(pa.system_memory_pool())


def _trim() -> None:
    """Give memory freed in this process back to the system now (glibc's ``malloc_trim``), as
    Dask's documentation advises for memory a worker no longer holds: a collected table leaves
    its partitions' copies behind."""
    libc = _libc()
    if libc is not None:
        with contextlib.suppress(AttributeError):
            libc.malloc_trim(0)


@contextmanager
def _trimming() -> Iterator[None]:
    """Trim freed memory every ``_TRIM_EVERY_S`` while the block runs. The trim threshold alone
    returns only the top of the heap; tasks running on this process's threads free memory in the
    middle of it too, which only ``malloc_trim`` hands back (a fraction of a millisecond a call)."""
    done = threading.Event()

    def trim() -> None:
        while not done.wait(_TRIM_EVERY_S):
            _trim()

    thread = threading.Thread(target=trim, name="return-freed-memory", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _as_counts(part: pd.DataFrame) -> pd.DataFrame:
    """A partition of Dask's value counts as the engines' ``value``/``count`` table."""
    return pd.DataFrame(
        {"value": part.iloc[:, 0].astype(str).astype(object), "count": part.iloc[:, 1].astype(np.int64)}
    )


_M_TRIM_THRESHOLD = -1  # mallopt's parameter number, from glibc's malloc.h


class DaskEngine:
    """Tables are Dask DataFrames; maps and reductions are tasks on the cluster's workers."""

    kind = "dask"

    def __init__(self, client: Any, config: EngineConfig) -> None:
        self.client, self.config = client, config
        self._dd, self._distributed = _imports()

    @classmethod
    @contextmanager
    def open(cls, config: EngineConfig) -> Iterator[DaskEngine]:
        """Connect to ``DASK_SCHEDULER_ADDRESS``, or start a local cluster for the block."""
        _imports()
        import dask

        # Columns keep the types pandas gives them, as on the local engine: Dask would otherwise
        # turn text columns into pyarrow strings, whose missing value is pd.NA rather than NaN.
        with dask.config.set({"dataframe.convert-string": False}), cls._connect(config) as engine:
            yield engine

    @classmethod
    @contextmanager
    def _connect(cls, config: EngineConfig) -> Iterator[DaskEngine]:
        _, distributed = _imports()
        address = os.environ.get(SCHEDULER_ENV, "").strip()
        if address:
            try:
                client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError) as exc:
                raise PipelineError(
                    f"cannot reach the Dask scheduler at {SCHEDULER_ENV}={address} ({exc}); start it "
                    f"(`dask scheduler`) or unset {SCHEDULER_ENV} to use a local cluster"
                ) from exc
            with client:
                workers = len(client.scheduler_info().get("workers", {}))
                _log(f"connected to {address}: {workers} worker(s); dashboard {client.dashboard_link}")
                yield cls(client, config)
            return
        import logging

        import dask

        # The shuffle's progress notes are not warnings about this project's work.
        logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)
        n_workers, threads, processes = machine_size(config)
        if not processes:
            _return_freed_memory()
        started = time.perf_counter()
        # Dask's statistical profiler (the dashboard's Profile page) samples every worker's stacks
        # and keeps them, with the source of every module it saw, for an hour: memory a local
        # cluster's steps need more. The task stream, progress and memory pages are unchanged.
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = distributed.LocalCluster(
                n_workers=n_workers,
                threads_per_worker=threads,
                processes=processes,
                memory_limit=config.memory_limit,
                dashboard_address=config.dashboard_address,
                # Without a dashboard the scheduler still serves health and metrics over HTTP: on a
                # free local port, not the dashboard's 8787 (which another cluster may be using).
                scheduler_kwargs=None if config.dashboard_address else {"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR,
            )
        try:
            with distributed.Client(cluster) as client, _trimming() if not processes else nullcontext():
                dashboard = client.dashboard_link if config.dashboard_address else "off"
                _log(
                    f"local cluster of {n_workers} worker(s) x {threads} thread(s), "
                    f"{'a process each' if processes else 'in this process'}, started in "
                    f"{time.perf_counter() - started:.1f} s; dashboard {dashboard}"
                )
                yield cls(client, config)
        finally:
            cluster.close()

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def _wait(self, futures: list[Any], what: str) -> None:
        """Show progress for a long step: a bar on a terminal, one line in a log."""
        started = time.perf_counter()
        if sys.stderr.isatty():
            self._distributed.progress(futures)
            print(file=sys.stderr)
        else:
            self._distributed.wait(futures)
        elapsed = time.perf_counter() - started
        if elapsed >= _QUIET_S:
            _log(f"{what}: {elapsed:.1f} s")

    def _run(self, work: Any, name: str) -> None:
        """Compute a write (one delayed object or a list of them) and wait for it."""
        futures = self.client.compute(work)
        futures = futures if isinstance(futures, list) else [futures]
        self._wait(futures, f"writing {name}")
        for future in futures:
            future.result()

    def map(self, func: Callable[[T], R], items: Sequence[T], *, what: str) -> list[R]:
        import dask.bag as db

        if not items:
            return []
        from_sequence: Any = db.from_sequence
        bag = from_sequence(list(items), npartitions=min(len(items), 4 * self.workers * self._threads()))
        future = self.client.compute(bag.map(func))
        self._wait([future], what)
        results: list[R] = list(future.result())
        return results

    def _threads(self) -> int:
        workers = self.client.scheduler_info().get("workers", {})
        return max(1, max((int(w.get("nthreads", 1)) for w in workers.values()), default=1))

    def number_rows(self, table: Table, column: str) -> Table:
        from dask.delayed import delayed

        lengths = self.client.compute([delayed(len)(part) for part in table.to_delayed()], sync=True)
        offsets = [0]
        for length in lengths[:-1]:
            offsets.append(offsets[-1] + int(length))
        meta = table._meta.assign(**{column: pd.Series(dtype="int64")})

        def numbered(part: pd.DataFrame, partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
            start = offsets[partition_info["number"]] if partition_info else 0
            return part.assign(**{column: range(start, start + len(part))})

        return table.map_partitions(numbered, meta=meta)

    def from_pandas(self, frame: pd.DataFrame, partition_rows: int) -> Table:
        return self._dd.from_pandas(frame, chunksize=partition_rows, sort=False)

    def read_csv(self, path: Path, *, dtype: dict[str, Any], partition_rows: int) -> Table:
        if not path.is_file():
            raise PipelineError(f"{path} not found; run `make data` first or pass a file")
        from ..io.tables import UNREADABLE

        try:
            return self._dd.read_csv(path, dtype=dtype, blocksize=partition_rows * _BYTES_PER_CSV_ROW)
        except UNREADABLE as exc:
            raise PipelineError(f"{path} is not a readable CSV file: {exc}") from exc

    def read_parquet(self, path: Path, columns: list[str] | None = None) -> Table:
        need_pyarrow()
        parts = [str(p) for p in part_files(path)]
        return self._dd.read_parquet(parts, columns=columns)

    def write_parquet(self, table: Table, path: Path) -> list[Path]:
        need_pyarrow()
        staged = path.with_name(path.name + ".partial")
        shutil.rmtree(staged, ignore_errors=True)
        staged.parent.mkdir(parents=True, exist_ok=True)
        self._run(
            table.to_parquet(str(staged), write_index=False, name_function=PART.format, compute=False),
            path.name,
        )
        replace_folder(staged, path)
        return part_files(path)

    def by_key(self, table: Table, key: str, partitions: int | None = None) -> Table:
        # As many partitions as threads (at least), else of about partition_rows rows each.
        parts = partitions or max(
            self.workers * self._threads(), -(-self.rows(table) // self.config.partition_rows)
        )
        return table.shuffle(on=key, npartitions=parts)

    def map_partitions(self, func: Callable[..., pd.DataFrame], table: Table, *args: Any) -> Table:
        meta = func(table._meta, *args)
        return table.map_partitions(func, *args, meta=meta)

    def reduce(self, table: Table, chunk: Callable[[pd.DataFrame], T], combine: Callable[[list[T]], R]) -> R:
        from dask.delayed import delayed

        chunks = [delayed(chunk)(part) for part in table.to_delayed()]
        future = self.client.compute(delayed(combine)(chunks))
        self._wait([future], "reduction")
        result: R = future.result()
        return result

    def value_counts(self, table: Table, column: str) -> Table:
        values = table[column].dropna().astype(str)
        counts = values.value_counts(sort=False, split_out=max(1, table.npartitions)).reset_index()
        return self.map_partitions(_as_counts, counts)

    def to_pandas(self, table: Table, columns: list[str] | None = None) -> pd.DataFrame:
        selected = table if columns is None else table[columns]
        future = self.client.compute(selected)
        self._wait([future], "collecting")
        frame: pd.DataFrame = future.result()
        del future
        _trim()
        return frame

    def sort(self, table: Table, key: Callable[[pd.DataFrame], np.ndarray]) -> Table:
        def keyed(part: pd.DataFrame) -> pd.DataFrame:
            return part.assign(_sort_key=np.asarray(key(part), dtype=np.int64))

        return self.map_partitions(keyed, table).set_index("_sort_key").reset_index(drop=True)

    def ordered_parts(
        self, table: Table, column: str, *, end: int, part_rows: int, scratch: Path
    ) -> Iterator[pd.DataFrame]:
        """Each partition is sorted by its worker and written under ``scratch`` in small row
        groups; each range is then read from every file, only the row groups it overlaps. The
        rows never move between partitions, so no shuffle holds them in memory."""
        import pyarrow.dataset as ds

        group = max(_MIN_ROW_GROUP, part_rows // max(1, table.npartitions))
        ordered = self.map_partitions(_sorted_by, table, column)
        with self._spill(ordered, scratch, row_group_size=group) as files:
            parts = ds.dataset([str(path) for path in files], format="parquet")
            key = ds.field(column)
            for low in range(0, max(end, 1), part_rows):
                wanted = (key >= low) & (key < low + part_rows)
                piece = parts.to_table(filter=wanted, use_threads=False).to_pandas()
                yield _sorted_by(piece, column)

    def write_csv(self, table: Table, path: Path) -> None:
        from ..io.files import atomic_path

        with atomic_path(path) as staged:
            self._run(table.to_csv(str(staged), single_file=True, index=False, compute=False), path.name)

    def partitions(self, table: Table, scratch: Path | None = None) -> Iterator[pd.DataFrame]:
        if scratch is not None:
            yield from self._spilled(table, scratch)
            return
        parts = table.to_delayed()
        ahead = _AHEAD * self.workers
        pending = [self.client.compute(part) for part in parts[:ahead]]
        for index in range(len(parts)):
            if index + ahead < len(parts):
                pending.append(self.client.compute(parts[index + ahead]))
            future = pending.pop(0)
            frame: pd.DataFrame = future.result()
            del future
            yield frame

    def _spilled(self, table: Table, scratch: Path) -> Iterator[pd.DataFrame]:
        """Compute the table once into Parquet files under ``scratch``, then read them back in
        order: a shuffled table read part by part would be shuffled again for every part."""
        with self._spill(table, scratch) as files:
            for path in files:
                yield pd.read_parquet(path)

    @contextmanager
    def _spill(self, table: Table, scratch: Path, **options: Any) -> Iterator[list[Path]]:
        """The table computed into one Parquet file per partition in a new folder under
        ``scratch`` (``options`` go to pyarrow's writer), removed after the block."""
        need_pyarrow()
        import pyarrow as pa

        # The schema comes from the table's columns, text ones declared: Dask's guess from a
        # placeholder row fails on text columns.
        schema = pa.Schema.from_pandas(table._meta, preserve_index=False).remove_metadata()
        for name, kind in table.dtypes.items():
            if pd.api.types.is_object_dtype(kind):
                schema = schema.set(schema.get_field_index(str(name)), pa.field(str(name), pa.string()))
        scratch.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".parts-", dir=scratch))
        try:
            self._run(
                table.to_parquet(
                    str(folder),
                    write_index=False,
                    name_function=PART.format,
                    schema=schema,
                    compute=False,
                    **options,
                ),
                "parts",
            )
            _trim()
            yield part_files(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def rows(self, table: Table) -> int:
        return self.reduce(table, _length, _total)


def _sorted_by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.sort_values(column, kind="stable").reset_index(drop=True)


def _length(frame: pd.DataFrame) -> int:
    return len(frame)


def _total(parts: list[int]) -> int:
    return sum(parts)
