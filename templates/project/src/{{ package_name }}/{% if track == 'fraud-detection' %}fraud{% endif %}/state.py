"""Live customer state: each customer's recent transactions, as the behavioural features need them.

The API reads a customer's history, scores, and adds the scored transaction, in one SQLite
transaction (WAL mode, so readers never wait for the writer, and several workers may share the
file). The state survives a restart and is bounded: per customer, only transactions inside the
window before its newest one, and at most ``max_events_per_customer`` (plus a few for
simultaneous transactions). A transaction already stored (a retried request) is not added twice,
so a retry gets the same score.

Customers are stored under a keyed hash of their id (the prediction log's ``hash_key_env``): the
state file holds no customer identifiers. Batch scoring reads the state as of a batch's first
transaction and never writes it.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from ..settings import secret
from .config import Config
from .features import Events, to_seconds

TIE_ROOM = 16  # transactions of one customer in the same second beyond the feature bound
_CHUNK = 900  # SQLite bound parameters per query, well inside its limit


def state_path(cfg: Config) -> Path:
    """Where the live state lives: ``state.path``, by default inside the data directory."""
    return cfg.state.path or cfg.paths.data_dir / "state" / "customers.sqlite"


class CustomerKeys:
    """Customer id -> the key the state stores it under (keyed SHA-256, 16 hex digits)."""

    def __init__(self, key_env: str | None) -> None:
        key = secret(key_env) if key_env else None
        self._key = key.encode() if key else b""
        self._cache: dict[str, str] = {}

    def __call__(self, customers: Sequence[str] | np.ndarray) -> np.ndarray:
        out = np.empty(len(customers), dtype=object)
        cache = self._cache
        for i, customer in enumerate(customers):
            key = cache.get(customer)
            if key is None:
                key = hmac.new(self._key, str(customer).encode(), hashlib.sha256).hexdigest()[:16]
                if len(cache) < 100_000:
                    cache[customer] = key
            out[i] = key
        return out


class Session:
    """One read-score-write exchange with the store, inside a write transaction."""

    def __init__(self, store: SQLiteState, db: sqlite3.Connection) -> None:
        self.store, self.db = store, db
        self._known: dict[str, tuple[int, int, int]] = {}  # key -> (count, oldest, newest)

    def history(self, keys: Sequence[str] | np.ndarray, before: int | None = None) -> Events:
        """The stored transactions of these customers (strictly before ``before`` if given)."""
        unique = list(dict.fromkeys(keys))
        rows: list[tuple[str, int, float, str]] = []
        for i in range(0, len(unique), _CHUNK):
            part = unique[i : i + _CHUNK]
            marks = ",".join("?" * len(part))
            query = f"SELECT customer, seconds, amount, merchant FROM events WHERE customer IN ({marks})"  # noqa: S608
            params: list[object] = list(part)
            if before is not None:
                query += " AND seconds < ?"
                params.append(int(before))
            rows += self.db.execute(query, params).fetchall()
        if not rows:
            return Events.empty()
        customer, seconds, amount, merchant = zip(*rows, strict=True)
        events = Events(
            np.array(customer, dtype=object),
            np.array(seconds, dtype=np.int64),
            np.array(amount, dtype=float),
            np.array(merchant, dtype=object),
        )
        if before is None:  # what pruning after the write needs: count, oldest, newest per customer
            known = self._known
            for key, second, _, _ in rows:
                count, oldest, newest = known.get(key, (0, second, second))
                known[key] = (count + 1, min(oldest, second), max(newest, second))
        return events

    def add(
        self,
        keys: Sequence[str] | np.ndarray,
        transaction_ids: Sequence[str],
        seconds: np.ndarray,
        amount: np.ndarray,
        merchants: Sequence[str] | np.ndarray,
    ) -> None:
        """Store scored transactions (ignoring ones already stored) and prune each customer."""
        rows = [
            (str(k), str(t), int(s), float(a), str(m))
            for k, t, s, a, m in zip(keys, transaction_ids, seconds, amount, merchants, strict=True)
        ]
        self.db.executemany("INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?)", rows)
        window, keep = self.store.window, self.store.keep
        added: dict[str, list[int]] = {}
        for key, _, s, _, _ in rows:
            added.setdefault(key, []).append(s)
        for key, times in added.items():
            count, oldest, newest = self._known.get(key, (0, min(times), max(times)))
            count, oldest, newest = count + len(times), min(oldest, *times), max(newest, *times)
            if oldest <= newest - window:
                self.db.execute(
                    "DELETE FROM events WHERE customer = ? AND seconds <= ?", (key, newest - window)
                )
            if count > keep:
                self.db.execute(
                    "DELETE FROM events WHERE customer = ? AND transaction_id IN (SELECT transaction_id "
                    "FROM events WHERE customer = ? ORDER BY seconds DESC LIMIT -1 OFFSET ?)",
                    (key, key, keep),
                )


class SQLiteState:
    """The live state in one SQLite file; safe to share between threads and processes."""

    def __init__(self, path: Path, window_seconds: int, max_events: int) -> None:
        self.path = path
        self.window = window_seconds
        self.keep = max_events + TIE_ROOM
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS events (customer TEXT NOT NULL, transaction_id TEXT NOT NULL, "
            "seconds INTEGER NOT NULL, amount REAL NOT NULL, merchant TEXT NOT NULL, "
            "PRIMARY KEY (customer, transaction_id)) WITHOUT ROWID"
        )
        self._lock = threading.Lock()

    @contextmanager
    def session(self, write: bool = True) -> Iterator[Session]:
        """A transaction: reads and writes inside it are atomic against other workers."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Session(self, self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def count(self) -> int:
        """Transactions stored."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def close(self) -> None:
        """Close the file (the next open recovers anything not yet checkpointed)."""
        with self._lock:
            self._db.close()


def open_state(cfg: Config, path: Path | None = None) -> SQLiteState:
    """The configured live state."""
    return SQLiteState(
        path or state_path(cfg), cfg.state.window_days * 86_400, cfg.state.max_events_per_customer
    )


def recent_rows(frame: pd.DataFrame, window: int, keep: int) -> pd.DataFrame:
    """Each customer's newest ``window`` seconds of transactions, at most ``keep`` of them, with
    their epoch seconds as ``_s`` (per customer: any partition holding whole customers works)."""
    seconds = to_seconds(frame["timestamp"])
    newest = pd.Series(seconds).groupby(frame["customer_id"].to_numpy()).transform("max").to_numpy()
    recent = frame.assign(_s=seconds).loc[seconds > newest - window]
    return recent.sort_values("_s", kind="stable").groupby("customer_id", sort=False).tail(keep)


def seed(cfg: Config, frame: pd.DataFrame, *, replace: bool = False) -> int:
    """Fill the live state from a table of past transactions (each customer's newest window),
    unless it already holds some; ``replace`` starts it afresh. Returns the rows stored."""
    path = state_path(cfg)
    if replace:
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    store = open_state(cfg, path)
    try:
        if store.count():
            return 0
        recent = recent_rows(frame, store.window, store.keep)
        keys = CustomerKeys(cfg.prediction_log.hash_key_env)(recent["customer_id"].to_numpy())
        with store.session() as session:
            session.add(
                keys,
                recent["transaction_id"].astype(str).tolist(),
                recent["_s"].to_numpy(),
                recent["amount"].to_numpy(dtype=float),
                recent["merchant_id"].astype(str).tolist(),
            )
        return len(recent)
    finally:
        store.close()
