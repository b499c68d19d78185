"""Conversation state, kept per session in the store's database, expiring after a TTL."""

from __future__ import annotations

import json
import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .store import Store


class SessionState(BaseModel):
    """Where a conversation stands: the task, its slots, what the assistant waits for, the transcript.

    ``awaiting`` is a slot name, ``confirm`` (a changing action waits for a yes) or None.
    ``pending`` is the tool call waiting for that yes. ``outputs`` keeps each turn's answer so a
    retried message (same ``turn``) is answered again without running anything twice.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    intent: str | None = None
    slots: dict[str, str] = Field(default_factory=dict)
    awaiting: str | None = None
    pending: dict[str, Any] | None = None
    low_streak: int = 0
    misses: int = 0
    turns: int = 0
    handoff: bool = False
    ticket_id: int | None = None
    transcript: list[dict[str, Any]] = Field(default_factory=list)
    outputs: list[dict[str, Any]] = Field(default_factory=list)

    def clear_task(self) -> None:
        """Forget the current task (known order number and email stay for the next one)."""
        self.intent, self.awaiting, self.pending, self.misses = None, None, None, 0
        self.slots = {k: v for k, v in self.slots.items() if k in ("order_id", "email")}


def new_session_id() -> str:
    """A random, unguessable session id."""
    return secrets.token_urlsafe(18)


class SessionStore:
    """Sessions in the ``sessions`` table; one idle longer than ``ttl_s`` is gone."""

    PURGE_EVERY = 200  # saves between two sweeps of expired sessions

    def __init__(self, store: Store, ttl_s: float) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self._saves = 0

    def get(self, session_id: str, now: float) -> SessionState | None:
        """The live session, or None when it never existed or has expired (then it is deleted)."""
        row = self.store.one("SELECT updated_at, state FROM sessions WHERE id = ?", session_id)
        if row is None:
            return None
        if now - float(row["updated_at"]) > self.ttl_s:
            with self.store.transaction() as db:
                db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            return None
        return SessionState.model_validate_json(row["state"])

    def save(self, state: SessionState, now: float) -> None:
        """Write the session; every ``PURGE_EVERY`` saves, drop the expired ones."""
        body = state.model_dump_json()
        self._saves += 1
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO sessions (id, created_at, updated_at, state) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, state = excluded.state",
                (state.id, now, now, body),
            )
            if self._saves % self.PURGE_EVERY == 1:
                db.execute("DELETE FROM sessions WHERE updated_at < ?", (now - self.ttl_s,))

    def transcript(self, session_id: str, now: float) -> list[dict[str, Any]] | None:
        """The transcript of a live session, or None."""
        state = self.get(session_id, now)
        return None if state is None else json.loads(json.dumps(state.transcript))
