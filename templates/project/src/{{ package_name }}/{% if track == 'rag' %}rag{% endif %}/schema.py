"""Questions and golden answers: declared once, enforced on batch files, the API and the golden set."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator, model_validator

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


class Evidence(BaseModel):
    """A passage that (with the item's other evidence) answers a golden question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Annotated[str, Field(min_length=1)]
    passage: Annotated[str, Field(min_length=1)]


Split = Literal["calibration", "test"]


class GoldenItem(BaseModel):
    """A golden question and the passages that answer it (none when the documents do not).

    ``split`` says whether the item picks refusal thresholds (``calibration``) or produces the
    reported figures and the gate's verdict (``test``); items without one are assigned by a hash
    of their id. ``status: draft`` marks an item nobody has reviewed yet (``make golden`` writes
    drafts); ``tags`` are free labels (``multi-passage`` is set for items with several passages).
    The older form with a single ``source`` and ``passage`` is still read.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(min_length=1, max_length=32)]
    question: QuestionText
    evidence: list[Evidence] = Field(default_factory=list)
    split: Split | None = None
    status: Literal["reviewed", "draft"] = "reviewed"
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _single_passage_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("source" in data or "passage" in data):
            data = dict(data)
            source, passage = data.pop("source", None), data.pop("passage", None)
            if (source is None) != (passage is None):
                raise ValueError("source and passage go together: give both or neither")
            if source is not None:
                data["evidence"] = [{"source": source, "passage": passage}, *data.get("evidence", [])]
        return data

    @property
    def answerable(self) -> bool:
        """Whether the corpus holds the answer."""
        return bool(self.evidence)

    @property
    def multi_passage(self) -> bool:
        """Whether answering needs more than one passage."""
        return len(self.evidence) > 1

    @property
    def source(self) -> str | None:
        """The first passage's document (None when unanswerable)."""
        return self.evidence[0].source if self.evidence else None
