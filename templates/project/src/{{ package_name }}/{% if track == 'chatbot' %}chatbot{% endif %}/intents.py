"""The intents the assistant knows: the slots each needs, what it does, whether it confirms first.

The built-in catalogue covers the store's routine contacts; ``intents:`` in the configuration
adds intents (or replaces one) for your own labelled messages.
"""

from __future__ import annotations

from .config import Config, IntentSpec

OUT_OF_SCOPE = "out_of_scope"
HUMAN = "talk_to_human"

BUILTIN: dict[str, IntentSpec] = {
    "order_status": IntentSpec(action="lookup_order", slots=["order_id"], description="where an order is"),
    "cancel_order": IntentSpec(
        action="cancel_order", slots=["order_id", "email"], confirm=True, description="cancel an order"
    ),
    "return_refund": IntentSpec(
        action="open_return", slots=["order_id", "email", "item"], confirm=True, description="return an item"
    ),
    "change_address": IntentSpec(
        action="change_address",
        slots=["order_id", "email", "new_address"],
        confirm=True,
        description="change the delivery address",
    ),
    "payment_problem": IntentSpec(
        action="check_payment", slots=["order_id"], description="a payment problem"
    ),
    "reset_password": IntentSpec(
        action="send_password_reset", slots=["email"], description="reset a password"
    ),
    "shipping_policy": IntentSpec(action="answer", description="shipping, delivery and return policy"),
    HUMAN: IntentSpec(action="handoff", description="talk to a person"),
    "greeting": IntentSpec(
        action="reply",
        text="Hi! I can track, cancel or return an order, change a delivery address, sort out a payment, "
        "reset your password or answer shipping questions. What can I do for you?",
    ),
    "goodbye": IntentSpec(action="reply", text="Thanks for contacting us. Have a great day!"),
    OUT_OF_SCOPE: IntentSpec(action="decline"),
}

SLOT_QUESTIONS = {
    "order_id": "What is the order number? It looks like A-10023.",
    "email": "To protect your account, what email address did you order with?",
    "new_address": "What is the new delivery address (number, street, city and postcode)?",
    "item": "Which item is it: {items}?",
}


def catalogue(cfg: Config) -> dict[str, IntentSpec]:
    """The built-in intents with the configured ones added or replacing them."""
    return {**BUILTIN, **cfg.intents}
