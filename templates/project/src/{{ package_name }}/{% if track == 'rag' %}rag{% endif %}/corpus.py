"""Incremental ingestion: re-chunk only the documents whose content changed.

The corpus state maps each source path to its content hash and chunks. A file whose hash is
unchanged keeps its chunks untouched; a changed or new file is re-read and re-chunked; a file that
disappeared leaves the state, and so the index built from it.

Reading and chunking the new and changed files is mapped over batches of files with the step's
engine (``engine.current()``): in this process on the local engine, as tasks on the workers on
Dask. Each file is read and chunked by the same function either way, and the results are put
back in source order, so both engines give the same chunks, ids and fingerprint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from ..engine import current
from .chunking import Chunk, chunk_document

T = TypeVar("T")
# Files per engine task at most: a folder of thousands of files makes tasks of a useful size,
# and a few large files still spread over the workers.
FILES_PER_TASK = 64
TASKS_PER_WORKER = 4
Loader = Callable[[str], tuple[str, bool]]


@dataclass(frozen=True)
class DocumentRecord:
    """One ingested document: its fingerprint and its chunks."""

    source: str
    sha256: str
    chars: int
    chunks: tuple[Chunk, ...]


@dataclass
class IngestReport:
    """What one ingestion did, by source path."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for logs and the command line."""
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed"
        )


def batches(items: Sequence[T], parts: int, most: int = FILES_PER_TASK) -> list[list[T]]:
    """``items`` cut into consecutive runs: ``parts`` of them when each holds at most ``most``,
    else as many as needed to hold ``most`` each. Joined back, they are ``items`` in order."""
    size = min(most, max(1, -(-len(items) // max(1, parts))))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def chunk_file(load: Loader, source: str, sha256: str, *, size: int, overlap: int) -> DocumentRecord:
    """Read one document with ``load`` and cut it into chunks: its record for the state."""
    text, markdown = load(source)
    chunks = chunk_document(text, source, size=size, overlap=overlap, markdown=markdown)
    return DocumentRecord(source, sha256, len(text), tuple(chunks))


def chunk_files(
    files: list[tuple[str, str]], load: Loader, *, size: int, overlap: int
) -> list[DocumentRecord]:
    """:func:`chunk_file` for each ``(source, sha256)`` of one batch, in order: one engine task."""
    return [chunk_file(load, source, digest, size=size, overlap=overlap) for source, digest in files]


def ingest(
    previous: dict[str, DocumentRecord],
    hashes: dict[str, str],
    load: Loader,
    *,
    size: int,
    overlap: int,
) -> tuple[dict[str, DocumentRecord], IngestReport]:
    """The new state for the files in ``hashes`` (source -> sha256).

    ``load(source)`` returns the document's text and whether it uses Markdown headings; it is
    called only for new and changed files, by the engine's workers on Dask (so there it must be
    picklable: a module-level function or a ``functools.partial`` of one). With nothing to
    re-read, no engine is opened.
    """
    report = IngestReport()
    kept: dict[str, DocumentRecord] = {}
    todo: list[tuple[str, str]] = []
    for source in sorted(hashes):
        digest = hashes[source]
        old = previous.get(source)
        if old is not None and old.sha256 == digest:
            kept[source] = old
            report.unchanged.append(source)
        else:
            todo.append((source, digest))
            (report.changed if old is not None else report.added).append(source)
    done: dict[str, DocumentRecord] = {}
    if todo:
        engine = current()
        work = partial(chunk_files, load=load, size=size, overlap=overlap)
        parts = batches(todo, TASKS_PER_WORKER * engine.workers)
        for records in engine.map(work, parts, what=f"reading and chunking {len(todo):,} documents"):
            done.update((record.source, record) for record in records)
    state = {source: kept[source] if source in kept else done[source] for source in sorted(hashes)}
    report.removed = sorted(set(previous) - set(hashes))
    return state, report


def all_chunks(state: dict[str, DocumentRecord]) -> list[Chunk]:
    """Every chunk, ordered by source then position."""
    return [chunk for source in sorted(state) for chunk in state[source].chunks]
