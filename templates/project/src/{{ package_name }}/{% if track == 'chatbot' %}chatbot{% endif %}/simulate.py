"""Scripted conversations: goals with an expected end state in the database, and a simulated user.

``script`` writes the goals (``make data``): each names the customer, order and details, opens
with a test-split message (phrasings the model never saw, its order number replaced by the
goal's) and says what the store must look like afterwards, including whether a person should
end up with the conversation. ``play`` runs one goal against an assistant on a scratch copy of
the store: the simulated user answers what the assistant asks for (it reads ``awaiting``),
confirms, rephrases once when not understood, and stops at a handoff or when the task is done.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .dialogue import NOT_UNDERSTOOD, Assistant
from .slots import _ORDER
from .store import Store

# goal kind -> (intent, weight, whether a person should get the conversation)
KINDS: dict[str, tuple[str, int, bool]] = {
    "status": ("order_status", 18, False),
    "cancel": ("cancel_order", 16, False),
    "cancel_shipped": ("cancel_order", 8, True),
    "return": ("return_refund", 16, False),
    "return_forbidden": ("return_refund", 8, True),
    "address": ("change_address", 14, False),
    "address_shipped": ("change_address", 6, True),
    "payment_failed": ("payment_problem", 8, False),
    "payment_double": ("payment_problem", 6, True),
    "reset": ("reset_password", 14, False),
    "policy": ("shipping_policy", 14, False),
    "human": ("talk_to_human", 12, True),
    "out_of_scope": ("out_of_scope", 10, False),
}
# The policy sections that answer each synthetic shipping_policy family.
POLICY_SECTIONS: dict[int, list[str]] = {
    0: ["Shipping costs", "Free shipping"],
    1: ["International shipping"],
    2: ["Delivery times", "Express and next-day delivery"],
    3: ["Free shipping", "Shipping costs"],
    4: ["Returns and the return window", "Refunds"],
    5: ["Express and next-day delivery", "Delivery times"],
    6: ["Carriers"],
    7: ["Final sale and clearance items"],
}
NEW_ADDRESSES = [
    "18 Birch Avenue, Riverton 20457",
    "7 Canal Street, Lakeside 30301",
    "240 Oak Road, Hillview 40210",
]
ANSWERS = {
    "order_id": ["{order_id}", "it's {order_id}", "order number {order_id}", "#{digits}", "sure, {order_id}"],
    "email": ["{email}", "it's {email}", "my email is {email}"],
    "new_address": ["{new_address}", "new address is {new_address}", "please send it to {new_address}"],
    "item": ["the {item}", "{item}", "it's the {item}"],
    "confirm": ["yes", "yes please", "sure, go ahead", "ok", "yep"],
}


class Goal(BaseModel):
    """One scripted conversation: what the customer wants and how the store must end up."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: str
    intent: str
    opening: str = Field(min_length=1)
    rephrase: str
    greet_first: bool = False
    order_id: str | None = None
    email: str | None = None
    item: str | None = None
    new_address: str | None = None
    sections: list[str] = Field(default_factory=list)
    expect_handoff: bool
    before: dict[str, Any] = Field(default_factory=dict)


def _orders(store: Store, as_of: str, window: int) -> dict[str, list[dict[str, Any]]]:
    base = (
        "SELECT o.id, o.status, o.address, c.email, p.status AS payment, s.delivered_on, "
        "(SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id AND i.final_sale = 0) AS returnable, "
        "(SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) AS lines "
        "FROM orders o JOIN customers c ON c.id = o.customer_id JOIN payments p ON p.order_id = o.id "
        "JOIN shipments s ON s.order_id = o.id ORDER BY o.id"
    )
    rows = store.all(base)
    inside = {
        r["id"]
        for r in store.all(
            "SELECT order_id AS id FROM shipments WHERE delivered_on >= date(?, ?)", as_of, f"-{window} days"
        )
    }
    return {
        "any": rows,
        "processing": [r for r in rows if r["status"] == "processing" and r["payment"] == "paid"],
        "shipped": [r for r in rows if r["status"] in ("shipped", "delivered")],
        "returnable": [
            r for r in rows if r["status"] == "delivered" and r["id"] in inside and r["returnable"]
        ],
        "not_returnable": [
            r for r in rows if r["status"] == "delivered" and (r["id"] not in inside or not r["returnable"])
        ],
        "failed": [r for r in rows if r["payment"] == "failed"],
        "double": [r for r in rows if r["payment"] == "duplicate_charge"],
    }


def _pick_item(store: Store, order_id: str, final_sale: bool | None) -> str | None:
    lines = store.all("SELECT name, final_sale FROM order_items WHERE order_id = ? ORDER BY line", order_id)
    chosen = [r["name"] for r in lines if final_sale is None or bool(r["final_sale"]) == final_sale]
    return chosen[0] if chosen else None


def _with_order(text: str, order_id: str | None, include: bool) -> str:
    """``text`` with any order number replaced by the goal's (or appended when asked to)."""
    if order_id is None:
        return _ORDER.sub("", text).strip() or text
    if _ORDER.search(text):
        return _ORDER.sub(order_id, text)
    return f"{text.rstrip('?.! ')} - order {order_id}" if include else text


def script(
    store: Store,
    openings: dict[str, list[tuple[str, str]]],
    greetings: list[str],
    n: int,
    seed: int,
    window: int,
) -> list[Goal]:
    """``n`` goals over distinct orders and customers; ``openings`` are (message, family) per intent."""
    rng = random.Random(seed)  # noqa: S311 (seeded synthetic data, not security)
    pools = _orders(store, store.as_of().isoformat(), window)
    for rows in pools.values():
        rng.shuffle(rows)
    used: set[str] = set()
    kinds = [k for k in KINDS if openings.get(KINDS[k][0])]
    weights = [KINDS[k][1] for k in kinds]
    goals: list[Goal] = []
    while len(goals) < n and kinds:
        kind = rng.choices(kinds, weights)[0]
        intent, _, handoff = KINDS[kind]
        pool = {
            "status": "any",
            "cancel": "processing",
            "cancel_shipped": "shipped",
            "return": "returnable",
            "return_forbidden": "not_returnable",
            "address": "processing",
            "address_shipped": "shipped",
            "payment_failed": "failed",
            "payment_double": "double",
            "reset": "any",
            "human": "any",
        }.get(kind)
        order: dict[str, Any] | None = None
        if pool is not None:
            order = next((r for r in pools[pool] if r["id"] not in used and r["email"] not in used), None)
            if order is None:
                kinds.remove(kind)
                weights = [KINDS[k][1] for k in kinds]
                continue
            used.update({order["id"], order["email"]})
        opening, family = rng.choice(openings[intent])
        rephrase, _ = rng.choice(openings[intent])
        needs_order = kind not in ("reset", "policy", "human", "out_of_scope")
        order_id = order["id"] if order and needs_order else None
        item = None
        if kind == "return" and order_id:
            item = _pick_item(store, order_id, False)
        elif kind == "return_forbidden" and order_id:
            item = _pick_item(store, order_id, None)
        family_number = int(family.rsplit("/", 1)[-1]) if re.fullmatch(r".+/[0-9]+", family) else -1
        goals.append(
            Goal(
                id=f"c{len(goals) + 1:04d}",
                kind=kind,
                intent=intent,
                opening=_with_order(opening, order_id, rng.random() < 0.5),
                rephrase=_with_order(rephrase, order_id, False),
                greet_first=rng.random() < 0.2 and bool(greetings),
                order_id=order_id,
                email=order["email"] if order else None,
                item=item,
                new_address=rng.choice(NEW_ADDRESSES) if kind.startswith("address") else None,
                sections=POLICY_SECTIONS.get(family_number, []) if kind == "policy" else [],
                expect_handoff=handoff,
                before={"address": order["address"], "status": order["status"]} if order else {},
            )
        )
    return goals


@dataclass(frozen=True)
class Played:
    """How a scripted conversation went and whether the store ended as expected."""

    goal: Goal
    success: bool
    handoff: bool
    bot_turns: int
    turns_to_resolution: int | None
    tool_errors: int
    transcript: list[tuple[str, str]]


def _answer(goal: Goal, slot: str, rng: random.Random) -> str:
    values = {
        "order_id": goal.order_id or "A-00000",
        "digits": (goal.order_id or "A-00000")[2:],
        "email": goal.email or "someone@example.com",
        "new_address": goal.new_address or NEW_ADDRESSES[0],
        "item": goal.item or "item",
    }
    return rng.choice(ANSWERS[slot]).format(**values)


def play(
    assistant: Assistant,
    goal: Goal,
    greetings: list[str],
    goodbyes: list[str],
    seed: int,
    max_turns: int = 10,
) -> Played:
    """Play ``goal`` against ``assistant`` (on a scratch store) and judge the end state."""
    rng = random.Random(f"{seed}:{goal.id}")  # noqa: S311 (seeded simulation, not security)
    messages = [rng.choice(greetings)] if goal.greet_first and greetings else []
    messages.append(goal.opening)
    session: str | None = None
    transcript: list[tuple[str, str]] = []
    rephrased = done = False
    bot_turns = tool_errors = 0
    resolved_at: int | None = None
    actions: list[dict[str, Any]] = []
    handoff = False
    while messages and bot_turns < max_turns:
        message = messages.pop(0)
        result = assistant.turn(session, message)
        session = result.session_id
        bot_turns += 1
        tool_errors += result.tool_errors
        actions += result.actions
        transcript.append((message, result.reply))
        if result.handoff:
            handoff = True
            resolved_at = bot_turns
            break
        if messages:
            continue
        if result.awaiting == "confirm":
            messages.append(_answer(goal, "confirm", rng))
        elif result.awaiting:
            messages.append(_answer(goal, result.awaiting, rng))
        elif result.reply == NOT_UNDERSTOOD and not rephrased:
            rephrased = True
            messages.append(goal.rephrase)
        elif result.intent != "greeting" and not done:
            done = True
            resolved_at = bot_turns
            if rng.random() < 0.5 and goodbyes:
                messages.append(rng.choice(goodbyes))
    success = judge(assistant.store, goal, session or "", actions)
    return Played(
        goal, success, handoff, bot_turns, resolved_at if success else None, tool_errors, transcript
    )


def judge(store: Store, goal: Goal, session_id: str, actions: list[dict[str, Any]]) -> bool:
    """Whether the store (and, for read-only goals, what the assistant did) matches the goal."""
    ticket = store.one("SELECT id FROM tickets WHERE session_id = ?", session_id) is not None
    if goal.expect_handoff != ticket:
        return False
    order = (
        store.one("SELECT status, address FROM orders WHERE id = ?", goal.order_id) if goal.order_id else None
    )
    changed = order is not None and (
        order["status"] != goal.before.get("status") or order["address"] != goal.before.get("address")
    )
    if changed and goal.kind not in ("cancel", "address"):
        return False
    returned = (
        store.one("SELECT id FROM returns WHERE order_id = ?", goal.order_id) if goal.order_id else None
    )
    if goal.kind != "return" and returned is not None:
        return False
    ran = {(a.get("tool"), a.get("outcome"), a.get("order_id")) for a in actions if a.get("ok")}
    checks: dict[str, bool] = {
        "cancel": order is not None and order["status"] == "cancelled",
        "address": order is not None and order["address"] == goal.new_address,
        "return": store.one(
            "SELECT id FROM returns WHERE order_id = ? AND item = ?", goal.order_id, goal.item
        )
        is not None,
        "status": any(t == "lookup_order" and o == goal.order_id for t, _, o in ran),
        "payment_failed": ("check_payment", "failed", goal.order_id) in ran,
        "reset": store.one(
            "SELECT r.id FROM password_resets r JOIN customers c ON c.id = r.customer_id WHERE c.email = ?",
            goal.email,
        )
        is not None,
        "policy": any(
            a.get("tool") == "policy" and (not goal.sections or a.get("section") in goal.sections)
            for a in actions
        ),
    }
    return checks.get(goal.kind, True)
