"""Messages: declared once, enforced on the API, on batch files and on labelled training data."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator

MAX_MESSAGE_CHARS = 500
MAX_TURN = 1000

MessageText = Annotated[str, Strict(), Field(min_length=1, max_length=MAX_MESSAGE_CHARS)]
SessionId = Annotated[str, Strict(), Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def _clean(value: str) -> str:
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValueError("the text holds an unpaired surrogate (not valid Unicode)")
    if not any(c.isalnum() for c in value):
        raise ValueError("a message needs at least one letter or digit")
    return value


class ChatMessage(BaseModel):
    """One customer message, as the API receives it and as a batch row.

    ``session_id`` continues a conversation (omit it to start one); ``turn`` is the message's
    number in the session (1-based), so a retried request is answered again, never run twice.
    The session id is personal: the prediction log keeps only its keyed hash.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    message: MessageText
    session_id: SessionId | None = Field(None, json_schema_extra={"personal": True})
    turn: Annotated[int, Strict(), Field(ge=1, le=MAX_TURN)] | None = None

    @field_validator("message")
    @classmethod
    def _usable(cls, value: str) -> str:
        return _clean(value)


class LabelledMessage(BaseModel):
    """One labelled training message: its text, its intent and (optionally) its template family."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: MessageText
    intent: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    family: Annotated[str, Field(max_length=80)] | None = None

    @field_validator("text")
    @classmethod
    def _usable(cls, value: str) -> str:
        return _clean(value)
