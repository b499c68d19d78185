"""The tools: typed functions over the store, where every business rule lives.

Each tool takes a pydantic argument model (the same schema validates a templated dialogue's
slots and an LLM's function-call arguments) and returns a :class:`ToolResult`. A rule that
forbids an action (already shipped, outside the return window, final sale, an email that does
not own the order, a double charge) is a result with ``rule`` set, never an exception; a failure
of the database is a result with ``outcome="error"``. The dialogue decides what to say, never
what is allowed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .slots import EMAIL, ORDER_ID
from .store import Store

OrderId = Field(pattern=f"^{ORDER_ID}$", description="the order number, like A-10023")
Email = Field(pattern=f"^{EMAIL}$", max_length=254, description="the email address on the order")


class Args(BaseModel):
    """Base of every tool's arguments: strict, no unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class OrderRef(Args):
    """An order, by its number."""

    order_id: str = OrderId


class OwnedOrder(Args):
    """An order and the email that must own it."""

    order_id: str = OrderId
    email: str = Email


class ReturnArgs(OwnedOrder):
    """A return of one item of an order."""

    item: str = Field(min_length=2, max_length=60, description="the item to return, as named on the order")


class AddressArgs(OwnedOrder):
    """A new delivery address for an order."""

    new_address: str = Field(
        min_length=8, max_length=120, pattern=r"^[A-Za-z0-9 ,.'#/-]+$", description="street, number, city"
    )


class ResetArgs(Args):
    """The email of the account whose password is reset."""

    email: str = Email


class TicketArgs(Args):
    """A handoff to a person: why, and the conversation so far."""

    session_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=200)
    transcript: list[dict[str, Any]] = Field(default_factory=list, max_length=400)
    order_id: str | None = Field(None, pattern=f"^{ORDER_ID}$")


@dataclass(frozen=True)
class ToolResult:
    """What a tool did: ``outcome`` names it; ``rule`` is set when a business rule forbade it."""

    tool: str
    ok: bool
    outcome: str
    facts: dict[str, Any] = field(default_factory=dict)
    rule: str | None = None
    error: str | None = None

    def record(self) -> dict[str, Any]:
        """The result as the API's ``actions`` list shows it."""
        out: dict[str, Any] = {"tool": self.tool, "ok": self.ok, "outcome": self.outcome}
        if self.rule:
            out["rule"] = self.rule
        if "order_id" in self.facts:
            out["order_id"] = self.facts["order_id"]
        for key in ("return_id", "ticket_id"):
            if key in self.facts:
                out[key] = self.facts[key]
        return out


def _order(store: Store, order_id: str) -> dict[str, Any] | None:
    return store.one(
        "SELECT o.*, c.email, s.status AS shipment, s.carrier, s.tracking, s.eta, s.delivered_on, "
        "p.status AS payment, p.method FROM orders o JOIN customers c ON c.id = o.customer_id "
        "JOIN shipments s ON s.order_id = o.id JOIN payments p ON p.order_id = o.id WHERE o.id = ?",
        order_id,
    )


def items_of(store: Store, order_id: str) -> list[dict[str, Any]]:
    """The lines of an order."""
    return store.all("SELECT * FROM order_items WHERE order_id = ? ORDER BY line", order_id)


def _owned(store: Store, tool: str, args: OwnedOrder) -> tuple[dict[str, Any] | None, ToolResult | None]:
    order = _order(store, args.order_id)
    if order is None:
        return None, ToolResult(tool, False, "not_found", {"order_id": args.order_id})
    if order["email"].lower() != args.email.lower():
        # The same answer whether or not the email exists: nothing is revealed about other accounts.
        return None, ToolResult(
            tool, False, "forbidden", {"order_id": args.order_id}, rule="email_does_not_own_order"
        )
    return order, None


def lookup_order(store: Store, args: OrderRef) -> ToolResult:
    """Where an order is: its status, items, carrier, tracking and dates (no personal data)."""
    order = _order(store, args.order_id)
    if order is None:
        return ToolResult("lookup_order", False, "not_found", {"order_id": args.order_id})
    facts = {
        "order_id": order["id"],
        "status": order["status"],
        "shipment": order["shipment"],
        "carrier": order["carrier"],
        "tracking": order["tracking"],
        "eta": order["eta"],
        "delivered_on": order["delivered_on"],
        "items": [i["name"] for i in items_of(store, args.order_id)],
    }
    return ToolResult("lookup_order", True, order["status"], facts)


def check_cancel(store: Store, args: OwnedOrder) -> ToolResult:
    """Whether the order may be cancelled: it must belong to the email and not have shipped."""
    order, refused = _owned(store, "cancel_order", args)
    if refused or order is None:
        return refused or ToolResult("cancel_order", False, "not_found")
    facts = {"order_id": order["id"], "total": order["total"], "status": order["status"]}
    if order["status"] == "cancelled":
        return ToolResult("cancel_order", True, "already_cancelled", facts)
    if order["status"] != "processing":
        return ToolResult("cancel_order", False, "forbidden", facts, rule="already_shipped")
    return ToolResult("cancel_order", True, "allowed", facts)


def cancel_order(store: Store, args: OwnedOrder) -> ToolResult:
    """Cancel an order that has not shipped; a paid order's payment is refunded."""
    check = check_cancel(store, args)
    if check.outcome != "allowed":
        return check
    with store.transaction() as db:
        updated = db.execute(
            "UPDATE orders SET status = 'cancelled' WHERE id = ? AND status = 'processing'", (args.order_id,)
        ).rowcount
        if not updated:  # shipped between the check and now
            return ToolResult("cancel_order", False, "forbidden", check.facts, rule="already_shipped")
        db.execute(
            "UPDATE shipments SET status = 'cancelled', eta = NULL WHERE order_id = ?", (args.order_id,)
        )
        db.execute(
            "UPDATE payments SET status = 'refunded' "
            "WHERE order_id = ? AND status IN ('paid', 'duplicate_charge')",
            (args.order_id,),
        )
    return ToolResult("cancel_order", True, "cancelled", check.facts)


def check_return(store: Store, args: ReturnArgs, as_of: date, window_days: int) -> ToolResult:  # noqa: PLR0911
    """Whether the item may be returned: delivered, within the window, not final sale, not returned."""
    order, refused = _owned(store, "open_return", args)
    if refused or order is None:
        return refused or ToolResult("open_return", False, "not_found")
    lines = items_of(store, args.order_id)
    line = next((i for i in lines if i["name"].lower() == args.item.lower()), None)
    facts: dict[str, Any] = {"order_id": order["id"], "items": [i["name"] for i in lines]}
    if line is None:
        return ToolResult("open_return", False, "unknown_item", facts)
    facts.update(item=line["name"], refund=line["price"])
    if order["status"] != "delivered" or not order["delivered_on"]:
        return ToolResult("open_return", False, "forbidden", facts, rule="not_delivered_yet")
    if date.fromisoformat(order["delivered_on"]) + timedelta(days=window_days) < as_of:
        return ToolResult("open_return", False, "forbidden", facts, rule="return_window_closed")
    if line["final_sale"]:
        return ToolResult("open_return", False, "forbidden", facts, rule="final_sale")
    if store.one("SELECT id FROM returns WHERE order_id = ? AND item = ?", args.order_id, line["name"]):
        return ToolResult("open_return", True, "already_returned", facts)
    return ToolResult("open_return", True, "allowed", facts)


def open_return(store: Store, args: ReturnArgs, as_of: date, window_days: int) -> ToolResult:
    """Open a return for an eligible item; the refund is the item's price."""
    check = check_return(store, args, as_of, window_days)
    if check.outcome != "allowed":
        return check
    with store.transaction() as db:
        count = db.execute("SELECT COUNT(*) FROM returns").fetchone()[0]
        return_id = f"R-{50001 + count}"
        db.execute(
            "INSERT INTO returns VALUES (?, ?, ?, ?, ?, 'open')",
            (return_id, args.order_id, check.facts["item"], as_of.isoformat(), check.facts["refund"]),
        )
    return ToolResult("open_return", True, "opened", {**check.facts, "return_id": return_id})


def check_address(store: Store, args: AddressArgs) -> ToolResult:
    """Whether the delivery address may change: the order is the email's and has not shipped."""
    order, refused = _owned(store, "change_address", args)
    if refused or order is None:
        return refused or ToolResult("change_address", False, "not_found")
    facts = {"order_id": order["id"], "new_address": args.new_address}
    if order["status"] != "processing":
        return ToolResult("change_address", False, "forbidden", facts, rule="already_shipped")
    return ToolResult("change_address", True, "allowed", facts)


def change_address(store: Store, args: AddressArgs) -> ToolResult:
    """Change the delivery address of an order that has not shipped."""
    check = check_address(store, args)
    if check.outcome != "allowed":
        return check
    with store.transaction() as db:
        updated = db.execute(
            "UPDATE orders SET address = ? WHERE id = ? AND status = 'processing'",
            (args.new_address, args.order_id),
        ).rowcount
    if not updated:
        return ToolResult("change_address", False, "forbidden", check.facts, rule="already_shipped")
    return ToolResult("change_address", True, "changed", check.facts)


def check_payment(store: Store, args: OrderRef) -> ToolResult:
    """An order's payment status; a double charge needs a person to refund it."""
    order = _order(store, args.order_id)
    if order is None:
        return ToolResult("check_payment", False, "not_found", {"order_id": args.order_id})
    facts = {"order_id": order["id"], "payment": order["payment"], "method": order["method"]}
    if order["payment"] == "duplicate_charge":
        return ToolResult("check_payment", False, "forbidden", facts, rule="duplicate_charge_needs_a_person")
    return ToolResult("check_payment", True, order["payment"], facts)


def send_password_reset(store: Store, args: ResetArgs) -> ToolResult:
    """Send a reset link when an account has this email; the answer is the same either way."""
    customer = store.one("SELECT id FROM customers WHERE lower(email) = lower(?)", args.email)
    if customer is not None:
        with store.transaction() as db:
            db.execute("INSERT INTO password_resets (customer_id) VALUES (?)", (customer["id"],))
    return ToolResult("send_password_reset", True, "sent")


def open_ticket(store: Store, args: TicketArgs) -> ToolResult:
    """Hand the conversation to a person: a ticket with the reason and the transcript."""
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO tickets (session_id, reason, order_id, transcript, status) "
            "VALUES (?, ?, ?, ?, 'open')",
            (args.session_id, args.reason, args.order_id, json.dumps(args.transcript, ensure_ascii=False)),
        )
    return ToolResult("open_ticket", True, "opened", {"ticket_id": int(cursor.lastrowid or 0)})


@dataclass(frozen=True)
class Tool:
    """A tool as the dialogue and the LLM see it: its name, purpose, argument schema and function."""

    name: str
    description: str
    args: type[Args]
    run: Callable[[Store, Any], ToolResult]
    check: Callable[[Store, Any], ToolResult] | None = None
    changes: bool = False

    def schema(self) -> dict[str, Any]:
        """The OpenAI function-calling description of the tool."""
        parameters = self.args.model_json_schema()
        parameters.pop("title", None)
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": parameters},
        }


def registry(as_of: date, window_days: int) -> dict[str, Tool]:
    """Every tool by name; the return rules get the store's date and window."""

    def run_return(store: Store, args: ReturnArgs) -> ToolResult:
        return open_return(store, args, as_of, window_days)

    def check_return_now(store: Store, args: ReturnArgs) -> ToolResult:
        return check_return(store, args, as_of, window_days)

    tools = [
        Tool(
            "lookup_order",
            "Look up an order's status, items, carrier and delivery dates.",
            OrderRef,
            lookup_order,
        ),
        Tool(
            "cancel_order",
            "Cancel an order that has not shipped (needs the email on the order).",
            OwnedOrder,
            cancel_order,
            check_cancel,
            changes=True,
        ),
        Tool(
            "open_return",
            "Open a return for one delivered item within the return window (needs the email).",
            ReturnArgs,
            run_return,
            check_return_now,
            changes=True,
        ),
        Tool(
            "change_address",
            "Change the delivery address of an order that has not shipped (needs the email).",
            AddressArgs,
            change_address,
            check_address,
            changes=True,
        ),
        Tool("check_payment", "Check the payment status of an order.", OrderRef, check_payment),
        Tool(
            "send_password_reset",
            "Email a password-reset link to the account.",
            ResetArgs,
            send_password_reset,
        ),
    ]
    return {t.name: t for t in tools}


def call(tool: Tool, store: Store, arguments: dict[str, Any], *, dry_run: bool = False) -> ToolResult:
    """Validate ``arguments`` against the tool's schema, then run it (or only its check).

    Invalid arguments and database failures come back as results, never as exceptions.
    """
    try:
        args = tool.args.model_validate(arguments)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '-'}: {e['msg']}" for e in exc.errors())
        return ToolResult(tool.name, False, "invalid_arguments", error=problems[:300])
    try:
        if dry_run and tool.check is not None:
            return tool.check(store, args)
        return tool.run(store, args)
    except sqlite3.Error as exc:
        return ToolResult(tool.name, False, "error", error=f"database error: {type(exc).__name__}")
