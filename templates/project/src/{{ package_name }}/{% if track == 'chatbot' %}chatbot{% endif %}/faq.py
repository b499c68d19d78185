"""Answers about shipping, delivery and returns from the store's policy text (BM25, ``text``).

The policy is Markdown with one ``##`` section per topic; the best-ranked section answers, when
its normalised support clears ``MIN_SUPPORT``, else the assistant says it is not sure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..text.lexical import BM25Retriever

SHIPPED_POLICY = Path(__file__).with_name("policy.md")
MIN_SUPPORT = 0.12


@dataclass(frozen=True)
class Section:
    """One topic of the policy text."""

    heading: str
    text: str


def read_policy(path: Path | None) -> list[Section]:
    """The ``##`` sections of a policy file (the shipped one when ``path`` is None)."""
    text = (path or SHIPPED_POLICY).read_text(encoding="utf-8")
    sections = []
    for block in re.split(r"^## ", text, flags=re.M)[1:]:
        heading, _, body = block.partition("\n")
        body = " ".join(body.split())
        if body:
            sections.append(Section(heading.strip(), body))
    return sections


@dataclass(frozen=True)
class PolicyAnswer:
    """The section that answers, its support, and whether it is confident enough to be given."""

    section: Section | None
    support: float


class PolicyIndex:
    """BM25 over the policy sections (heading and text)."""

    def __init__(self, sections: list[Section]) -> None:
        self.sections = sections
        self._bm25 = BM25Retriever()
        self._bm25.fit([f"{s.heading}. {s.heading}. {s.text}" for s in sections])

    def answer(self, question: str) -> PolicyAnswer:
        """The best section for ``question``, or none when the support is too low."""
        if not self.sections:
            return PolicyAnswer(None, 0.0)
        scores = self._bm25.scores(question)
        support = self._bm25.support(question, scores)
        best = self.sections[int(scores.argmax())]
        return PolicyAnswer(best if support >= MIN_SUPPORT else None, round(support, 4))
