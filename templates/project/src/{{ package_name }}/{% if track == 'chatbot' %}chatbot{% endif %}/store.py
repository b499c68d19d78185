"""The store's database: an embedded SQLite file with customers, orders, shipments and payments.

``make data`` seeds it (deterministically, from the seed) unless the file holds a database that
was not seeded here, which is never overwritten. The same file keeps the support side: returns,
handoff tickets, password-reset requests and the conversations' sessions. Evaluation and batch
scoring work on an in-memory copy, so they never change the served data.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ..errors import PipelineError

SEEDED_BY = "seeded by make data"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, phone TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
    placed_on TEXT NOT NULL, status TEXT NOT NULL, total REAL NOT NULL, address TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS order_items (
    order_id TEXT NOT NULL REFERENCES orders(id), line INTEGER NOT NULL, name TEXT NOT NULL,
    price REAL NOT NULL, final_sale INTEGER NOT NULL, PRIMARY KEY (order_id, line)
);
CREATE TABLE IF NOT EXISTS shipments (
    order_id TEXT PRIMARY KEY REFERENCES orders(id), carrier TEXT NOT NULL, tracking TEXT,
    status TEXT NOT NULL, shipped_on TEXT, delivered_on TEXT, eta TEXT
);
CREATE TABLE IF NOT EXISTS payments (
    order_id TEXT PRIMARY KEY REFERENCES orders(id), method TEXT NOT NULL, status TEXT NOT NULL,
    amount REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS returns (
    id TEXT PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders(id), item TEXT NOT NULL,
    opened_on TEXT NOT NULL, refund REAL NOT NULL, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, reason TEXT NOT NULL,
    order_id TEXT, transcript TEXT NOT NULL, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS password_resets (
    id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL REFERENCES customers(id)
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, created_at REAL NOT NULL, updated_at REAL NOT NULL, state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions (updated_at);
"""

FIRST = ["Ana", "Ben", "Chloe", "Dev", "Emma", "Felix", "Grace", "Hugo", "Iris", "Jonas", "Kira", "Liam"]
LAST = ["Silva", "Okafor", "Martin", "Novak", "Patel", "Schmidt", "Tanaka", "Jensen", "Rossi", "Khan"]
STREETS = ["Elm Street", "Harbour Road", "Mill Lane", "Station Avenue", "Park Row", "Queens Way"]
CITIES = ["Springfield 10115", "Riverton 20457", "Lakeside 30301", "Hillview 40210"]
# (name, price, final sale): the catalogue the seeded orders are drawn from.
PRODUCTS = [
    ("trail running shoes", 89.0, False),
    ("wool beanie", 19.0, False),
    ("rain jacket", 129.0, False),
    ("yoga mat", 35.0, False),
    ("water bottle", 15.0, False),
    ("hiking socks", 12.0, False),
    ("desk lamp", 45.0, False),
    ("coffee grinder", 59.0, False),
    ("bluetooth speaker", 79.0, False),
    ("backpack", 69.0, False),
    ("sunglasses", 49.0, False),
    ("cotton t-shirt", 22.0, False),
    ("clearance hoodie", 25.0, True),
    ("swimwear set", 39.0, True),
    ("gift card", 50.0, True),
]
CARRIERS = ["ParcelGo", "SwiftShip", "NorthPost"]


class Store:
    """One SQLite connection, shared by threads one transaction at a time."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA foreign_keys = ON")
        self._db = connection
        self._lock = threading.RLock()

    @classmethod
    def open(cls, path: Path) -> Store:
        """The database at ``path`` (it must exist: ``make data`` creates it)."""
        if not path.is_file():
            raise PipelineError(f"no store database at {path}; run `make data` first")
        connection = sqlite3.connect(path, check_same_thread=False, timeout=10.0)
        # Write-ahead logging: a turn's commit does not wait for a full sync, and readers never
        # block the writer.
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        return cls(connection)

    @classmethod
    def scratch(cls, path: Path) -> Store:
        """An in-memory copy of the database at ``path``: changes never reach the file."""
        source = cls.open(path)
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        with source._lock:
            source._db.backup(memory)
        source.close()
        return cls(memory)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection inside one transaction (committed on success, rolled back on error)."""
        with self._lock, self._db:
            yield self._db

    def one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        """The first row of a query as a dict, or None."""
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return dict(row) if row is not None else None

    def all(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        """Every row of a query as dicts."""
        with self._lock:
            return [dict(r) for r in self._db.execute(sql, args).fetchall()]

    def as_of(self) -> date:
        """The store's "today", recorded when it was seeded."""
        row = self.one("SELECT value FROM meta WHERE key = 'as_of'")
        return date.fromisoformat(row["value"]) if row else date.today()


def seeded_here(path: Path) -> bool:
    """Whether the file at ``path`` is missing or a database that ``make data`` seeded."""
    if not path.exists():
        return True
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT value FROM meta WHERE key = 'origin'").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == SEEDED_BY


def _order_rows(
    rng: random.Random, number: int, customer: int, address: str, as_of: date
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], tuple[Any, ...], tuple[Any, ...]]:
    order_id = f"A-{10000 + number}"
    status = rng.choices(["processing", "shipped", "delivered", "cancelled"], [30, 25, 40, 5])[0]
    placed = as_of - timedelta(days=rng.randint(1, 3) if status == "processing" else rng.randint(3, 70))
    lines = rng.sample(PRODUCTS, rng.choice([1, 1, 2, 3]))
    items = [(order_id, n + 1, name, price, int(final)) for n, (name, price, final) in enumerate(lines)]
    total = round(sum(price for _, _, _, price, _ in items), 2)
    carrier = rng.choice(CARRIERS)
    shipped = delivered = eta = tracking = None
    if status == "processing":
        ship_status, eta = "pending", (as_of + timedelta(days=rng.randint(2, 6))).isoformat()
    elif status == "cancelled":
        ship_status = "cancelled"
    else:
        shipped_on = placed + timedelta(days=1)
        shipped, tracking = shipped_on.isoformat(), f"{carrier[:2].upper()}{rng.randint(10**8, 10**9 - 1)}"
        if status == "delivered":
            ship_status = "delivered"
            delivered = min(as_of, shipped_on + timedelta(days=rng.randint(2, 5))).isoformat()
        else:
            ship_status, eta = "in_transit", (as_of + timedelta(days=rng.randint(1, 4))).isoformat()
    pay_status = "paid"
    if status == "processing":
        pay_status = rng.choices(["paid", "failed", "duplicate_charge"], [80, 12, 8])[0]
    elif status == "cancelled":
        pay_status = "refunded"
    method = rng.choice(["card", "card", "paypal", "gift card"])
    return (
        (order_id, customer, placed.isoformat(), status, total, address),
        items,
        (order_id, carrier, tracking, ship_status, shipped, delivered, eta),
        (order_id, method, pay_status, total),
    )


def seed(path: Path, customers: int, as_of: date, seed_value: int) -> dict[str, int]:
    """Write a fresh store database at ``path``; counts of what it holds."""
    if not seeded_here(path):
        raise PipelineError(
            f"{path} holds a database that make data did not seed; it is never overwritten "
            "(set store.path to another file to seed a demo store)"
        )
    rng = random.Random(seed_value)  # noqa: S311 (seeded synthetic data, not security)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(path.name + ".new")
    staging.unlink(missing_ok=True)
    connection = sqlite3.connect(staging)
    try:
        connection.executescript(SCHEMA)
        people, orders, items, shipments, payments = [], [], [], [], []
        number = 1
        for customer in range(1, customers + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first.lower()}.{last.lower()}{customer}@example.com"
            phone = f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
            people.append((customer, f"{first} {last}", email, phone))
            address = f"{rng.randint(1, 199)} {rng.choice(STREETS)}, {rng.choice(CITIES)}"
            for _ in range(rng.choice([1, 2, 3, 4])):
                order, lines, shipment, payment = _order_rows(rng, number, customer, address, as_of)
                orders.append(order)
                items += lines
                shipments.append(shipment)
                payments.append(payment)
                number += 1
        with connection:
            connection.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)", people)
            connection.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)", orders)
            connection.executemany("INSERT INTO order_items VALUES (?, ?, ?, ?, ?)", items)
            connection.executemany("INSERT INTO shipments VALUES (?, ?, ?, ?, ?, ?, ?)", shipments)
            connection.executemany("INSERT INTO payments VALUES (?, ?, ?, ?)", payments)
            connection.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("origin", SEEDED_BY), ("as_of", as_of.isoformat()), ("seed", str(seed_value))],
            )
    finally:
        connection.close()
    for suffix in ("-wal", "-shm"):  # the old file's write-ahead log must not outlive it
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    staging.replace(path)
    return {"customers": len(people), "orders": len(orders), "items": len(items)}
