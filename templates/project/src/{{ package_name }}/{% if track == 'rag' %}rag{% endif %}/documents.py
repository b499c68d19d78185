"""Reading documents from disk (Markdown, text, HTML, optionally PDF) and the chunk store.

The chunk store is plain JSON (``documents.json`` plus ``chunks.jsonl``), so reading it back never
unpickles anything.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import asdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..errors import PipelineError
from ..io.files import atomic_path, write_json
from .chunking import Chunk
from .corpus import DocumentRecord

MARKDOWN_SUFFIXES = {".md", ".html"}
_BLOCKS = {"p", "div", "li", "ul", "ol", "section", "article", "table", "tr", "pre", "blockquote", "br"}
_SKIP = {"script", "style", "head", "nav", "noscript"}


class _HtmlToText(HTMLParser):
    """Visible text of an HTML page, headings turned into Markdown headings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif (len(tag) == 2 and tag[0] == "h" and tag[1] in "123456") or (tag in _BLOCKS and tag != "li"):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(" ".join(data.split()) + (" " if data[-1:].isspace() else ""))

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self.parts).split("\n")]
        out: list[str] = []
        for line in lines:
            if line or (out and out[-1]):
                out.append(line)
        return "\n".join(out).strip() + "\n"


def html_to_text(html: str) -> str:
    """Visible text of an HTML document, with ``#`` headings and blank lines between blocks."""
    parser = _HtmlToText()
    parser.feed(html)
    parser.close()
    return parser.text()


def _pdf_text(path: Path) -> str:
    try:
        pypdf = importlib.import_module("pypdf")
    except ImportError as exc:
        raise PipelineError(
            f"{path}: reading PDF files needs the 'pdf' extra: make setup EXTRAS=dev,pdf "
            "(or remove .pdf from corpus.extensions)"
        ) from exc
    try:
        reader = pypdf.PdfReader(str(path))
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip() + "\n"
    except Exception as exc:  # pypdf raises many types for damaged files
        raise PipelineError(f"{path}: not a readable PDF file: {exc}") from exc


def read_document(path: Path) -> tuple[str, bool]:
    """The text of a document and whether its headings are Markdown-style."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _pdf_text(path), False
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PipelineError(
            f"{path}: not UTF-8 text ({exc}); convert it or remove it from the corpus"
        ) from exc
    if suffix == ".html":
        return html_to_text(raw), True
    return raw.replace("\r\n", "\n"), suffix in MARKDOWN_SUFFIXES


def read_source(root: Path, source: str) -> tuple[str, bool]:
    """:func:`read_document` for ``source``, a POSIX path relative to the corpus folder ``root``
    (as :func:`scan` names documents): what ingestion maps over the files."""
    return read_document(root.joinpath(*source.split("/")))


def scan(root: Path, extensions: list[str], max_bytes: int) -> tuple[dict[str, Path], list[str]]:
    """Documents under ``root`` by POSIX path relative to it, and the ones skipped (with why)."""
    if not root.is_dir():
        raise PipelineError(f"corpus folder {root} not found; set corpus.path in the config")
    wanted = {e.lower() for e in extensions}
    found: dict[str, Path] = {}
    skipped: list[str] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if path.suffix.lower() not in wanted:
            continue
        if path.stat().st_size > max_bytes:
            skipped.append(f"{relative}: larger than {max_bytes:,} bytes")
            continue
        found[relative] = path
    return found, skipped


def write_store(folder: Path, settings: dict[str, Any], state: dict[str, DocumentRecord]) -> None:
    """Write the chunk store: one JSON line per chunk and an index of documents."""
    with atomic_path(folder / "chunks.jsonl") as tmp, tmp.open("w", encoding="utf-8") as handle:
        for source in sorted(state):
            for chunk in state[source].chunks:
                handle.write(json.dumps(asdict(chunk), sort_keys=True) + "\n")
    documents = {s: {"sha256": r.sha256, "chars": r.chars, "chunks": len(r.chunks)} for s, r in state.items()}
    write_json(folder / "documents.json", {"settings": settings, "documents": documents})


def read_store(folder: Path, settings: dict[str, Any] | None = None) -> dict[str, DocumentRecord]:
    """The stored state; empty when absent or when it was chunked with other ``settings``."""
    index_path, chunks_path = folder / "documents.json", folder / "chunks.jsonl"
    if not index_path.is_file() or not chunks_path.is_file():
        return {}
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        rows = [json.loads(line) for line in chunks_path.read_text(encoding="utf-8").splitlines() if line]
    except json.JSONDecodeError as exc:
        raise PipelineError(
            f"{folder} holds a damaged chunk store ({exc}); delete it and run `make data`"
        ) from exc
    if settings is not None and index.get("settings") != settings:
        return {}
    by_source: dict[str, list[Chunk]] = {}
    for row in rows:
        by_source.setdefault(row["source"], []).append(Chunk(**row))
    return {
        source: DocumentRecord(source, meta["sha256"], meta["chars"], tuple(by_source.get(source, [])))
        for source, meta in index["documents"].items()
    }
