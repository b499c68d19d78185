"""Cutting a document into chunks that respect headings, paragraphs and sentences.

A chunk never crosses a heading. Inside a section, sentences are packed up to ``size`` characters,
breaking at a paragraph end when one falls in the second half of the chunk; consecutive chunks
share up to ``overlap`` characters of whole sentences. Every chunk records where it came from:
``text == document[start:end]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text.tokens import sentence_spans

_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class Chunk:
    """A passage of one document, with its provenance."""

    chunk_id: str
    source: str
    title: str
    heading: str
    start: int
    end: int
    text: str

    def index_text(self) -> str:
        """What retrieval sees: the title and heading give short passages their context."""
        return f"{self.title}. {self.heading}. {self.text}"


@dataclass(frozen=True)
class Section:
    """A heading and the span of the text under it (up to the next heading)."""

    heading: str
    start: int
    end: int


def _plain_headings(text: str) -> list[tuple[int, int, int, str]]:
    """Headings in plain text: a short line without end punctuation that opens a paragraph."""
    found = []
    offset = 0
    lines = text.split("\n")
    for number, line in enumerate(lines):
        stripped = line.strip()
        opens = number == 0 or not lines[number - 1].strip()
        followed = number == 0 or (number + 1 < len(lines) and lines[number + 1].strip())
        if opens and followed and 0 < len(stripped) <= 60 and stripped[-1] not in ".,:;!?":
            level = 1 if number == 0 else 2
            found.append((offset, offset + len(line), level, stripped))
        offset += len(line) + 1
    return found


def split_sections(text: str, title: str, *, markdown: bool = True) -> list[Section]:
    """The sections of a document; text before the first heading belongs to the title."""
    if markdown:
        marks = [
            (m.start(), m.end(), len(m.group(1)), m.group(2).strip()) for m in _MD_HEADING.finditer(text)
        ]
    else:
        marks = _plain_headings(text)
    sections = []
    stack: list[tuple[int, str]] = []
    body_start, current = 0, title
    for start, end, level, name in marks:
        sections.append(Section(current, body_start, start))
        stack = [(lv, nm) for lv, nm in stack if lv < level] + [(level, name)]
        current = " > ".join(nm for _, nm in stack)
        body_start = end
    sections.append(Section(current, body_start, len(text)))
    return [s for s in sections if text[s.start : s.end].strip()]


def document_title(text: str, fallback: str, *, markdown: bool = True) -> str:
    """The first level-one heading (or, in plain text, the first line), else ``fallback``."""
    if markdown:
        for match in _MD_HEADING.finditer(text):
            if len(match.group(1)) == 1:
                return match.group(2).strip()
        return fallback
    first = text.strip().split("\n", 1)[0].strip()
    return first if 0 < len(first) <= 80 else fallback


def _units(text: str, section: Section, size: int) -> list[tuple[int, int, bool]]:
    """Sentence spans of a section, each flagged when it ends a paragraph; long ones are split."""
    units = []
    paragraphs = []
    cursor = section.start
    for match in _PARAGRAPH_BREAK.finditer(text, section.start, section.end):
        paragraphs.append((cursor, match.start()))
        cursor = match.end()
    paragraphs.append((cursor, section.end))
    for p_start, p_end in paragraphs:
        spans = sentence_spans(text, p_start, p_end)
        for number, (first, b) in enumerate(spans):
            last = number == len(spans) - 1
            a = first
            while b - a > size:
                cut = text.rfind(" ", a, a + size)
                cut = cut if cut > a else a + size
                units.append((a, cut, False))
                a = cut
                while a < b and text[a].isspace():
                    a += 1
            if b > a:
                units.append((a, b, last))
    return units


def chunk_document(text: str, source: str, *, size: int, overlap: int, markdown: bool = True) -> list[Chunk]:
    """Chunks of one document, in reading order, ids ``<source>#<n>``."""
    title = document_title(text, source.rsplit("/", 1)[-1].rsplit(".", 1)[0], markdown=markdown)
    chunks: list[Chunk] = []
    for section in split_sections(text, title, markdown=markdown):
        units = _units(text, section, size)
        i = 0
        while i < len(units):
            j = i
            while j + 1 < len(units) and units[j + 1][1] - units[i][0] <= size:
                j += 1
            if j + 1 < len(units):
                breaks = [
                    k for k in range(i, j + 1) if units[k][2] and units[k][1] - units[i][0] >= size // 2
                ]
                j = breaks[-1] if breaks else j
            start, end = units[i][0], units[j][1]
            chunks.append(
                Chunk(f"{source}#{len(chunks)}", source, title, section.heading, start, end, text[start:end])
            )
            if j + 1 >= len(units):
                break
            k = j + 1
            while k - 1 > i and units[j][1] - units[k - 1][0] <= overlap:
                k -= 1
            i = k
    return chunks
