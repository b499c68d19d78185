"""The dialogue manager: one turn at a time, from a message to a reply, through the tools.

Per turn: read the message (intent, confidence, slots); continue the task it answers, or start
the one it asks for; ask for the first missing slot; check a changing action with its tool and
ask the customer to confirm it; run the tool on "yes". It hands off to a person, opening a
ticket with the transcript, when the customer asks, when confidence is low twice in a row, when
a tool fails, when a rule forbids the action, or when an order cannot be found twice. Replies are
templates; with ``dialogue.provider: openai`` the LLM chooses the tools instead (``llm``), and the
confirmation and the rules stay here and in the tools.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from .config import Config, IntentSpec
from .faq import PolicyIndex
from .intents import HUMAN, OUT_OF_SCOPE, SLOT_QUESTIONS, catalogue
from .nlu import Understander, Understanding
from .sessions import SessionState, SessionStore, new_session_id
from .slots import extract
from .store import Store
from .tools import TicketArgs, Tool, ToolResult, call, items_of, open_ticket, registry

DECLINE = (
    "Sorry, I can't help with that here. I can track, cancel or return an order, change a delivery "
    "address, check a payment, reset a password or answer shipping questions; say 'agent' for a person."
)
NOT_UNDERSTOOD = "Sorry, I'm not sure I understood. Could you say it another way?"
RULES = {
    "already_shipped": "order {order_id} has already shipped, so I can't change or cancel it",
    "return_window_closed": "the return window for order {order_id} has closed",
    "final_sale": "the {item} was a final-sale item",
    "not_delivered_yet": "order {order_id} hasn't been delivered yet",
    "email_does_not_own_order": "I couldn't match that email address to order {order_id}",
    "duplicate_charge_needs_a_person": "order {order_id} shows a double charge, which a colleague refunds",
}
HANDOFF_REASONS = (
    "customer_asked",
    "low_confidence",
    "tool_error",
    "rule",
    "not_found",
    "too_many_turns",
    "model",
)
_YES = re.compile(
    r"^(?:y|yes|yep|yeah|yup|sure|ok|okay|confirm(?:ed)?|correct|go ahead|do it|please do|absolutely|"
    r"that's right|yes please|sure thing)\b",
    re.I,
)
_NO = re.compile(r"^(?:n|no|nope|nah|don't|do not|stop|never ?mind|not now|wait|cancel that)\b", re.I)


def yes_no(message: str) -> bool | None:
    """True for a yes, False for a no, None for anything else."""
    text = message.strip().lower().lstrip("¡¿ ").rstrip(".!")
    if _NO.match(text):
        return False
    if _YES.match(text):
        return True
    return None


@dataclass
class Step:
    """What one turn answered: the reply, the intent it was handled as, the tools' results."""

    reply: str
    intent: str
    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class TurnResult:
    """One turn as the API returns it, with what monitoring needs."""

    session_id: str
    reply: str
    intent: str
    confidence: float
    handoff: bool
    actions: list[dict[str, Any]]
    awaiting: str | None
    understanding: Understanding
    turn: int
    expired: bool = False
    replayed: bool = False
    latency_ms: float = 0.0

    @property
    def tool_errors(self) -> int:
        """Tool runs in this turn that failed (not a rule: an error or invalid arguments)."""
        return sum(a.get("outcome") in ("error", "invalid_arguments") for a in self.actions)


class Agent(Protocol):
    """An LLM that leads a turn instead of the templates (see ``llm``)."""

    def respond(
        self, assistant: Assistant, state: SessionState, message: str, understood: Understanding
    ) -> Step:
        """The turn's reply, having called tools through ``assistant``."""
        ...


class Assistant:
    """Leads conversations: the understander, the store's tools, the policy answers, the sessions."""

    def __init__(
        self,
        cfg: Config,
        understander: Understander,
        store: Store,
        policy: PolicyIndex,
        agent: Agent | None = None,
    ) -> None:
        self.cfg = cfg
        self.understander = understander
        self.store = store
        self.policy = policy
        self.agent = agent
        self.intents: dict[str, IntentSpec] = catalogue(cfg)
        self.tools: dict[str, Tool] = registry(store.as_of(), cfg.store.return_window_days)
        self.sessions = SessionStore(store, cfg.store.session_ttl_minutes * 60)

    # -- one turn -----------------------------------------------------------------------------
    def turn(
        self, session_id: str | None, message: str, *, turn: int | None = None, now: float | None = None
    ) -> TurnResult:
        """Answer one message; a new session starts when ``session_id`` is None or has expired.

        ``turn`` (1-based) makes retries safe: a turn already answered is answered again from
        the session, without running any tool twice.
        """
        started = time.perf_counter()
        now = time.time() if now is None else now
        state = self.sessions.get(session_id, now) if session_id else None
        expired = session_id is not None and state is None
        if state is None:  # an unknown or expired id is never reused: a fresh one is issued
            state = SessionState(id=new_session_id())
        if turn is not None and 1 <= turn <= len(state.outputs):
            stored = state.outputs[turn - 1]
            return self._result(
                state, stored, Understanding(stored["intent"], stored["confidence"], False), replayed=True
            )
        understood = self.understander.understand([message])[0]
        state.turns += 1
        state.transcript.append({"role": "customer", "text": message})
        if self.agent is not None and not state.handoff:
            step = self.agent.respond(self, state, message, understood)
        else:
            step = self.respond(state, message, understood)
        state.transcript.append({"role": "assistant", "text": step.reply, "intent": step.intent})
        output = {
            "reply": step.reply,
            "intent": step.intent,
            "confidence": understood.confidence,
            "handoff": state.handoff,
            "actions": step.actions,
            "awaiting": state.awaiting,
        }
        state.outputs.append(output)
        self.sessions.save(state, now)
        latency = (time.perf_counter() - started) * 1000
        return self._result(state, output, understood, expired=expired, latency_ms=latency)

    def _result(
        self,
        state: SessionState,
        output: dict[str, Any],
        understood: Understanding,
        *,
        expired: bool = False,
        replayed: bool = False,
        latency_ms: float = 0.0,
    ) -> TurnResult:
        return TurnResult(
            session_id=state.id,
            reply=output["reply"],
            intent=output["intent"],
            confidence=float(output["confidence"]),
            handoff=bool(output["handoff"]),
            actions=list(output["actions"]),
            awaiting=output["awaiting"],
            understanding=understood,
            turn=len(state.outputs),
            expired=expired,
            replayed=replayed,
            latency_ms=latency_ms,
        )

    # -- the templated policy -----------------------------------------------------------------
    def respond(self, state: SessionState, message: str, understood: Understanding) -> Step:  # noqa: PLR0911
        """The templated dialogue's reply to one message."""
        if state.handoff:
            return Step(
                f"A colleague has this conversation (ticket #{state.ticket_id}) and will reply by "
                "email soon.",
                state.intent or HUMAN,
            )
        if state.turns > self.cfg.dialogue.max_turns:
            return self.handoff(state, "too_many_turns", state.intent or HUMAN)
        effective = understood.effective
        if state.awaiting == "confirm":
            answer = yes_no(message)
            if answer is True:
                return self.execute(state)
            if answer is False:
                intent = state.intent or OUT_OF_SCOPE
                state.clear_task()
                return Step("OK, I haven't changed anything. Is there anything else I can do?", intent)
            switching = not understood.low and effective not in (state.intent, OUT_OF_SCOPE, "greeting")
            if not switching:
                return Step(
                    "Please reply yes to go ahead, or no to leave it. " + self.confirm_text(state),
                    state.intent or HUMAN,
                )
        filled = self.fill(state, message)
        if (
            state.intent
            and filled
            and (understood.low or effective in (state.intent, OUT_OF_SCOPE) or state.awaiting in filled)
        ):
            state.low_streak = 0
            return self.advance(state)
        if understood.low:
            state.low_streak += 1
            if state.low_streak >= self.cfg.dialogue.low_confidence_handoffs:
                return self.handoff(state, "low_confidence", state.intent or OUT_OF_SCOPE)
            if state.intent and state.awaiting:
                return Step(
                    "Sorry, I didn't catch that. " + self.question(state, state.awaiting), state.intent
                )
            return Step(NOT_UNDERSTOOD, OUT_OF_SCOPE)
        state.low_streak = 0
        return self.start(state, effective, message)

    def start(self, state: SessionState, intent: str, message: str) -> Step:
        """Act on a newly recognised intent."""
        spec = self.intents.get(intent) or self.intents[OUT_OF_SCOPE]
        if spec.action == "handoff":
            return self.handoff(state, "customer_asked", intent)
        if spec.action == "decline":
            return Step(DECLINE, intent)
        if spec.action == "reply":
            if intent == "goodbye":
                state.clear_task()
            return Step(spec.text or DECLINE, intent)
        if spec.action == "answer":
            found = self.policy.answer(message)
            if found.section is None:
                return Step(
                    "I'm not sure about that one. Say 'agent' and a colleague will answer it.", intent
                )
            step = Step(found.section.text, intent)
            step.actions.append(
                {"tool": "policy", "ok": True, "outcome": "answered", "section": found.section.heading}
            )
            return step
        if intent != state.intent:
            state.intent, state.awaiting, state.pending, state.misses = intent, None, None, 0
        return self.advance(state)

    def items(self, state: SessionState) -> list[str]:
        """The item names of the session's order (empty without one)."""
        order = state.slots.get("order_id")
        return [i["name"] for i in items_of(self.store, order)] if order else []

    def fill(self, state: SessionState, message: str) -> list[str]:
        """Store every slot the message holds; the names of those it filled."""
        found = extract(message, asked=state.awaiting)
        values = {k: v for k, v in found.model_dump().items() if v is not None and k != "item"}
        if "order_id" in values and values["order_id"] != state.slots.get("order_id"):
            state.slots.pop("item", None)
        state.slots.update(values)
        filled = list(values)
        items = self.items(state)
        if items and (state.awaiting == "item" or (state.intent and "item" in self._needs(state))):
            item = extract(message, items=items).item
            if item is not None:
                state.slots["item"] = item
                filled.append("item")
        return filled

    def _needs(self, state: SessionState) -> list[str]:
        spec = self.intents.get(state.intent or "")
        return list(spec.slots) if spec else []

    def question(self, state: SessionState, slot: str) -> str:
        """How the assistant asks for ``slot``."""
        return SLOT_QUESTIONS[slot].format(items=", ".join(self.items(state)) or "the item's name")

    def advance(self, state: SessionState) -> Step:
        """Ask for the next missing slot, ask to confirm, or run the task's tool."""
        intent = state.intent or OUT_OF_SCOPE
        spec = self.intents[intent]
        missing = [s for s in spec.slots if s not in state.slots]
        if "item" in missing and "order_id" in state.slots:
            items = self.items(state)
            if len(items) == 1:
                state.slots["item"] = items[0]
                missing.remove("item")
        if missing:
            state.awaiting = missing[0]
            return Step(self.question(state, missing[0]), intent)
        tool = self.tools.get(spec.action)
        if tool is None:
            return Step(DECLINE, intent)
        arguments = {name: state.slots[name] for name in tool.args.model_fields if name in state.slots}
        if spec.confirm and tool.changes:
            check = call(tool, self.store, arguments, dry_run=True)
            if check.outcome == "allowed":
                state.awaiting, state.pending = "confirm", {"tool": tool.name, "arguments": arguments}
                return Step(self.confirm_text(state), intent)
            return self.after(state, check)
        return self.after(state, call(tool, self.store, arguments))

    def confirm_text(self, state: SessionState) -> str:
        """The confirmation question for the pending action."""
        pending = state.pending or {}
        args = pending.get("arguments", {})
        order = args.get("order_id", "")
        texts = {
            "cancel_order": f"Shall I cancel order {order}?",
            "open_return": f"Shall I open a return for the {args.get('item', 'item')} from order {order}?",
            "change_address": f"Shall I change the delivery address of order {order} to "
            f"{args.get('new_address', '')}?",
        }
        return texts.get(str(pending.get("tool")), "Shall I go ahead?") + " (yes / no)"

    def execute(self, state: SessionState) -> Step:
        """Run the confirmed action."""
        pending = state.pending or {}
        tool = self.tools.get(str(pending.get("tool")))
        state.awaiting = None
        if tool is None:
            state.clear_task()
            return Step("Sorry, there is nothing waiting to be confirmed.", OUT_OF_SCOPE)
        return self.after(state, call(tool, self.store, dict(pending.get("arguments", {}))))

    def after(self, state: SessionState, result: ToolResult) -> Step:
        """The reply to a tool's result: done, ask again, or hand off."""
        intent = state.intent or OUT_OF_SCOPE
        facts = {**state.slots, **result.facts}
        if result.outcome == "error":
            step = self.handoff(state, "tool_error", intent, "Something went wrong on our side.")
        elif result.rule:
            because = RULES.get(result.rule, "our rules don't allow that").format_map(_Default(facts))
            step = self.handoff(state, f"rule:{result.rule}", intent, f"I can't do that: {because}.")
        elif result.outcome == "invalid_arguments":
            for name in list(state.slots):
                if name in (result.error or ""):
                    state.slots.pop(name)
            step = self.advance(state)
        elif result.outcome == "not_found":
            state.misses += 1
            state.slots.pop("order_id", None)
            if state.misses >= 2:
                step = self.handoff(state, "not_found", intent, "I still can't find that order.")
            else:
                state.awaiting = "order_id"
                step = Step(
                    f"I couldn't find order {result.facts.get('order_id', '')}. Could you check the number?",
                    intent,
                )
        elif result.outcome == "unknown_item":
            state.slots.pop("item", None)
            state.awaiting = "item"
            step = Step(self.question(state, "item"), intent)
        else:
            step = Step(done_text(result, facts), intent)
            state.clear_task()
        step.actions.insert(0, result.record())
        return step

    def handoff(self, state: SessionState, reason: str, intent: str, preface: str = "") -> Step:
        """Open a ticket with the transcript and hand the conversation to a person."""
        ticket = open_ticket(
            self.store,
            TicketArgs(
                session_id=state.id,
                reason=reason[:200],
                transcript=state.transcript[-400:],
                order_id=state.slots.get("order_id"),
            ),
        )
        state.handoff, state.ticket_id, state.awaiting, state.pending = (
            True,
            ticket.facts.get("ticket_id"),
            None,
            None,
        )
        text = (
            f"I'm passing you to a colleague (ticket #{state.ticket_id}); they can see this conversation "
            "and will reply by email shortly."
        )
        step = Step(f"{preface} {text}".strip(), intent)
        step.actions.append({**ticket.record(), "reason": reason})
        return step


class _Default(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "it"


def done_text(result: ToolResult, facts: dict[str, Any]) -> str:
    """The reply to a tool that did its job."""
    f = _Default(facts)
    texts = {
        ("lookup_order", "processing"): "Order {order_id} is being prepared and should arrive by {eta}.",
        (
            "lookup_order",
            "shipped",
        ): "Order {order_id} is on its way with {carrier} (tracking {tracking}), expected by {eta}.",
        ("lookup_order", "delivered"): "Order {order_id} was delivered on {delivered_on}.",
        ("lookup_order", "cancelled"): "Order {order_id} was cancelled.",
        (
            "cancel_order",
            "cancelled",
        ): "Done: order {order_id} is cancelled and any payment will be refunded in full.",
        ("cancel_order", "already_cancelled"): "Order {order_id} is already cancelled.",
        (
            "open_return",
            "opened",
        ): "Done: return {return_id} is open for the {item}. A prepaid label is on its way by "
        "email; the refund of ${refund:.2f} follows once it reaches us.",
        ("open_return", "already_returned"): "A return for the {item} from order {order_id} is already open.",
        ("change_address", "changed"): "Done: order {order_id} will now be delivered to {new_address}.",
        (
            "check_payment",
            "paid",
        ): "The payment for order {order_id} went through ({method}). A pending charge "
        "clears within 3-5 days.",
        (
            "check_payment",
            "failed",
        ): "The payment for order {order_id} failed. You can retry it from your order page "
        "with the same or another card; the order ships once it is paid.",
        ("check_payment", "refunded"): "The payment for order {order_id} was refunded.",
        (
            "send_password_reset",
            "sent",
        ): "If an account uses that email, a reset link is on its way (valid for one hour).",
    }
    template = texts.get((result.tool, result.outcome), "Done.")
    return template.format_map(f)
