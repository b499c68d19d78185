"""Incremental ingestion: re-chunk only the documents whose content changed.

The corpus state maps each source path to its content hash and chunks. A file whose hash is
unchanged keeps its chunks untouched; a changed or new file is re-read and re-chunked; a file that
disappeared leaves the state, and so the index built from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .chunking import Chunk, chunk_document


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


def ingest(
    previous: dict[str, DocumentRecord],
    hashes: dict[str, str],
    load: Callable[[str], tuple[str, bool]],
    *,
    size: int,
    overlap: int,
) -> tuple[dict[str, DocumentRecord], IngestReport]:
    """The new state for the files in ``hashes`` (source -> sha256).

    ``load(source)`` returns the document's text and whether it uses Markdown headings; it is
    called only for new and changed files.
    """
    report = IngestReport()
    state: dict[str, DocumentRecord] = {}
    for source in sorted(hashes):
        digest = hashes[source]
        old = previous.get(source)
        if old is not None and old.sha256 == digest:
            state[source] = old
            report.unchanged.append(source)
            continue
        text, markdown = load(source)
        chunks = chunk_document(text, source, size=size, overlap=overlap, markdown=markdown)
        state[source] = DocumentRecord(source, digest, len(text), tuple(chunks))
        (report.changed if old is not None else report.added).append(source)
    report.removed = sorted(set(previous) - set(hashes))
    return state, report


def all_chunks(state: dict[str, DocumentRecord]) -> list[Chunk]:
    """Every chunk, ordered by source then position."""
    return [chunk for source in sorted(state) for chunk in state[source].chunks]
