"""Tokens, sentences and passages: the text processing every lexical component shares."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n\s*\n|\n(?=\s*(?:[-*]|\d+\.)\s)")
_LIST_MARK = re.compile(r"\s*(?:[-*]|\d+\.)\s+")
STOPWORDS = frozenset(
    """
    a about above after again all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just me more most my no nor
    not now of off on once only or other our ours out over own same she should so some such than
    that the their theirs them then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours get got
    """.split()  # noqa: SIM905
)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")


def stem(word: str) -> str:
    """A light suffix-stripping stemmer: ``labels`` and ``labeled`` -> ``label``."""
    if len(word) <= 4 or word[-1].isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                return base + "y"
            if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "aeiouls":
                base = base[:-1]
            return base
    return word


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed content words (stopwords dropped; numbers kept)."""
    return [stem(word) for word in _WORD.findall(text.lower()) if word not in STOPWORDS]


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*[A-Za-z0-9]|[A-Za-z0-9]")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"(\[]\s*)$")


def names(text: str) -> list[str]:
    """Words written as names: capitalised inside a sentence (``Japan``), with an inner capital
    (``iPhone``, ``QuickBooks``) or letters and digits together (``CN22``). The pronoun ``I`` and
    a sentence's first word (unless it has an inner capital or a digit) are not names."""
    found = []
    for match in _NAME.finditer(text):
        word = match.group(0)
        if not any(ch.isalpha() for ch in word):
            continue
        inner = any(ch.isupper() for ch in word[1:]) or any(ch.isdigit() for ch in word)
        first = _SENTENCE_START.search(text, 0, match.start()) is not None
        capital = word[0].isupper() and not first and word.split("'")[0].split("’")[0] != "I"
        if inner or capital:
            found.append(word)
    return found


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``text[start:end]``, trimmed of whitespace and list marks."""
    end = len(text) if end is None else end
    spans = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    trimmed = []
    for first, last in spans:
        mark = _LIST_MARK.match(text, first, last)
        a = mark.end() if mark else first
        piece = text[a:last]
        a, b = a + len(piece) - len(piece.lstrip()), last - (len(piece) - len(piece.rstrip()))
        if b - a >= 3:
            trimmed.append((a, b))
    return trimmed


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace into one space."""
    return " ".join(text.split())


def locate(passage: str, text: str) -> tuple[int, int] | None:
    """Where ``passage`` occurs in ``text``, ignoring differences in whitespace; None if absent."""
    words = passage.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(word) for word in words)
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None
