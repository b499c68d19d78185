"""Questions and golden answers: declared once, enforced on batch files, the API and the golden set."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator

MAX_QUESTION_CHARS = 500
MAX_TOP_K = 20

QuestionText = Annotated[str, Strict(), Field(min_length=1, max_length=MAX_QUESTION_CHARS)]
TopK = Annotated[int, Strict(), Field(ge=1, le=MAX_TOP_K, description="chunks to retrieve")]


class Question(BaseModel):
    """One question, as a batch row or an API request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: QuestionText
    top_k: TopK | None = None

    @field_validator("question")
    @classmethod
    def _has_words(cls, value: str) -> str:
        if not any(ch.isalnum() for ch in value):
            raise ValueError("a question needs at least one letter or digit")
        return value


class GoldenItem(BaseModel):
    """A golden question: the source and exact passage that answer it, or none when unanswerable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(min_length=1, max_length=32)]
    question: QuestionText
    source: str | None
    passage: str | None

    @property
    def answerable(self) -> bool:
        """Whether the corpus holds the answer."""
        return self.source is not None
