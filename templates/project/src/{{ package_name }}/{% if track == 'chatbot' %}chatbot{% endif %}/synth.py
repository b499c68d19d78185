"""Synthetic customer messages, hard enough to measure something.

Each intent has several template *families*: differently worded ways of asking, each with its
own frames and fillers. Messages are drawn from a family with varied fillers, then some get
typos or character noise, a long preamble, a second request (multi-intent, labelled with the
first) or lose their punctuation. Splits are made by family (see ``data.split_families``), so
the test split holds phrasings the model never saw. ``out_of_scope`` holds in-domain requests the
assistant does not handle (gift wrapping, jobs, wholesale) and off-domain chatter.
"""

from __future__ import annotations

import random
import re

FILL = {
    "order": ["my order", "the order", "my package", "my parcel", "my purchase", "the delivery", "my stuff"],
    "item": ["shoes", "jacket", "beanie", "yoga mat", "backpack", "lamp", "speaker", "t-shirt", "hoodie"],
    "please": ["", "please ", "pls ", "could you ", "can you "],
    "hey": ["", "hi, ", "hello, ", "hey ", "good morning, ", "excuse me, "],
    "when": ["last week", "on monday", "a few days ago", "yesterday", "two weeks ago"],
    "id": ["A-10023", "A-10457", "#10311", "order 10876", "A10932", "a-10118"],
}

# intent -> families -> frames. {order}, {item}, {please}, {hey}, {when}, {id} are filled at random.
FAMILIES: dict[str, list[list[str]]] = {
    "order_status": [
        ["where is {order}?", "{hey}where's {order} at", "where is {order} right now"],
        [
            "{please}track {order}",
            "tracking info for {order} {please}",
            "i need the tracking number for {order}",
        ],
        ["has {order} shipped yet?", "did you ship {order} already", "is {order} on its way?"],
        ["when will {order} arrive?", "when does {order} get here", "what's the delivery date for {order}"],
        [
            "{order} still hasn't arrived",
            "{order} is late, it was supposed to come {when}",
            "still waiting on {order}",
        ],
        ["status of {id}?", "{id} status", "check {id} for me"],
        [
            "any update on {order}?",
            "{hey}any news about {order} i placed {when}",
            "what's happening with {order}",
        ],
        [
            "how long until my {item} is delivered",
            "is my {item} coming today",
            "expected arrival of the {item}?",
        ],
        [
            "i ordered {when} and nothing has come",
            "it's been ages since i ordered, where is it",
            "nothing delivered yet, what's going on",
        ],
    ],
    "cancel_order": [
        ["{please}cancel {order}", "cancel {id}", "i want to cancel {order}"],
        [
            "i changed my mind, i don't want {order} anymore",
            "don't want the {item} any more, stop it",
            "i no longer need {order}",
        ],
        [
            "stop {order} before it ships",
            "{please}stop the shipment of {order}",
            "halt {order}, don't send it",
        ],
        [
            "i ordered the wrong {item} by mistake, cancel it",
            "ordered twice by accident, cancel one",
            "placed {order} by mistake",
        ],
        ["how do i cancel {order}?", "is it possible to cancel {id}", "can i still cancel {order}"],
        ["call off {order}", "scrap {order}", "kill {order} please"],
        ["withdraw {order} {please}", "i'd like to withdraw my purchase", "revoke {order}"],
        [
            "found it cheaper elsewhere so cancel {order}",
            "the {item} is too expensive, cancel",
            "cancel, it takes too long to ship",
        ],
    ],
    "return_refund": [
        ["i want to return the {item}", "{please}return {order}", "how do i return the {item}"],
        [
            "i'd like a refund for the {item}",
            "refund {order} {please}",
            "can i get my money back for {order}",
        ],
        [
            "the {item} doesn't fit",
            "the {item} is too small, i need to send it back",
            "wrong size {item}, want to return it",
        ],
        ["the {item} arrived broken", "{order} came damaged", "the {item} is defective and i want a refund"],
        ["send back the {item}", "ship the {item} back to you", "i'm sending {order} back"],
        ["start a return for {id}", "return label for {order}?", "open a return on {id}"],
        [
            "not happy with the {item}, money back please",
            "the {item} is not as described",
            "hate the {item}, refund me",
        ],
        [
            "can i exchange the {item}",
            "swap the {item} for a refund",
            "how do refunds work for the {item} i got {when}",
        ],
    ],
    "change_address": [
        [
            "change the delivery address of {order}",
            "{please}change my shipping address",
            "update the address on {id}",
        ],
        [
            "i moved, send {order} to my new place",
            "i've moved house, new address for {order}",
            "we moved {when}, deliver elsewhere",
        ],
        ["wrong address on {order}", "i typed the wrong address", "the address on {id} is wrong"],
        [
            "ship {order} to a different address",
            "deliver {order} to my office instead",
            "send it to my work address",
        ],
        ["can i redirect {order}?", "redirect {order} {please}", "reroute {order} to another address"],
        [
            "fix the street name on {order}",
            "my postcode is wrong on {order}",
            "the house number on {id} is missing",
        ],
        [
            "edit shipping details for {order}",
            "modify where {order} goes",
            "change where the {item} is delivered",
        ],
        [
            "i won't be home, deliver {order} to my mom's house",
            "send the {item} to my neighbour's address",
            "i'm away, new delivery address needed",
        ],
    ],
    "payment_problem": [
        ["my payment failed", "payment didn't go through for {order}", "the payment for {id} failed"],
        ["i was charged twice", "double charge on my card for {order}", "you billed me two times"],
        ["my card was declined", "card declined at checkout", "why was my card rejected"],
        [
            "there's a charge i don't recognise",
            "weird charge on my statement from you",
            "unknown charge on my bank",
        ],
        ["payment issue with {order}", "problem paying for {order}", "billing problem on {id}"],
        ["paypal didn't work", "couldn't pay with my gift card", "the checkout keeps failing"],
        [
            "money was taken but {order} says unpaid",
            "i paid but it shows payment pending",
            "charged but no confirmation",
        ],
        ["how do i retry the payment", "try paying again for {order}", "update payment method for {id}"],
    ],
    "reset_password": [
        ["i forgot my password", "forgot password", "{please}reset my password"],
        ["i can't log in", "can't sign in to my account", "login isn't working"],
        ["how do i change my password", "i want a new password", "{please}send me a password reset link"],
        ["locked out of my account", "my account is locked", "too many login attempts, locked"],
        ["password doesn't work anymore", "it says my password is wrong", "wrong password error"],
        ["reset link never arrived", "didn't get the reset email", "resend password email"],
        ["help me get back into my account", "recover my account", "account access problem"],
        ["how do i log back in after changing my email", "can't remember my login details", "lost my login"],
    ],
    "shipping_policy": [
        ["how much is shipping?", "what does delivery cost", "shipping fees?"],
        ["do you ship internationally?", "can you deliver to canada", "do you ship abroad"],
        [
            "how long does delivery take",
            "what are your delivery times",
            "how many days for standard shipping",
        ],
        ["is there free shipping", "free delivery over a certain amount?", "minimum order for free shipping"],
        ["what is your return policy", "how many days do i have to return", "return window?"],
        ["do you offer express shipping", "next day delivery available?", "can i get it faster"],
        ["which carriers do you use", "who delivers your parcels", "what courier do you ship with"],
        ["are final sale items returnable", "can i return clearance stuff", "policy on sale items"],
    ],
    "talk_to_human": [
        ["i want to talk to a human", "let me speak to a person", "human please"],
        ["get me an agent", "connect me to customer service", "agent!"],
        [
            "this bot is useless, real person now",
            "stop, i want a real human",
            "you're not helping, get me someone",
        ],
        ["can i call someone", "phone number for support?", "i'd rather speak to someone on the phone"],
        ["transfer me to a representative", "representative", "operator please"],
        ["i need to make a complaint to a manager", "escalate this", "i want to file a complaint"],
        ["is there a live chat with staff", "chat with a support person", "talk to your team"],
        [
            "none of these options help, i need a person",
            "my issue is complicated, person please",
            "i need human help with something unusual",
        ],
    ],
    "greeting": [
        ["hi", "hello", "hey"],
        ["good morning", "good evening", "good afternoon"],
        ["hi there", "hello there", "hey there!"],
        ["yo", "hiya", "howdy"],
        ["hello, is anyone there?", "hi, are you there", "anybody here?"],
        ["greetings", "hey, how are you", "hi how's it going"],
        ["hello support", "hi team", "hey acme"],
        ["hi bot", "hello assistant", "hey chatbot"],
    ],
    "goodbye": [
        ["bye", "goodbye", "see you"],
        ["thanks, that's all", "that's everything, thanks", "nothing else, thank you"],
        ["thank you so much", "thanks a lot", "great, thanks"],
        ["ok bye", "cheers, bye", "talk later"],
        ["have a nice day", "have a good one", "take care"],
        ["that solved it", "perfect, all sorted", "problem solved, thanks"],
        ["i'm done", "we're done here", "end chat"],
        ["no thanks, bye", "no that's it", "nope, that's all"],
    ],
    "out_of_scope": [
        ["what's the weather tomorrow", "will it rain today", "weather in paris"],
        ["tell me a joke", "sing me a song", "say something funny"],
        ["do you offer gift wrapping", "can you gift wrap the {item}", "is gift wrapping available"],
        ["are you hiring", "i want to apply for a job", "careers at your company?"],
        ["can i sell my products on your store", "how do i become a seller", "wholesale prices for shops?"],
        ["what's the capital of peru", "who won the game last night", "how tall is mount everest"],
        ["recommend a good movie", "what should i cook tonight", "write me a poem"],
        ["do you have a physical store", "what are your shop opening hours", "where is your warehouse"],
        ["what's your opinion on politics", "is bitcoin a good investment", "help with my homework"],
        ["do you sell laptops", "will you stock iphones", "do you have {item} in purple"],
    ],
}

# Words that carry an intent, each swapped for one of its synonyms wherever a frame uses it: the
# families differ in structure, and the vocabulary varies inside every family.
SYNONYMS: dict[str, dict[str, list[str]]] = {
    "order_status": {
        "where": ["where", "where on earth", "whereabouts"],
        "track": ["track", "trace", "follow", "check on"],
        "arrive": ["arrive", "show up", "be delivered", "get to me"],
        "shipped": ["shipped", "sent", "dispatched", "posted"],
        "status": ["status", "progress", "state"],
    },
    "cancel_order": {
        "cancel": ["cancel", "call off", "stop", "scrap", "void"],
        "don't want": ["don't want", "do not need", "don't need"],
    },
    "return_refund": {
        "return": ["return", "send back", "give back", "ship back"],
        "refund": ["refund", "reimbursement", "money back"],
        "broken": ["broken", "damaged", "faulty", "cracked"],
    },
    "change_address": {
        "address": ["address", "delivery address", "shipping address", "postal address"],
        "change": ["change", "update", "correct", "edit", "amend"],
        "moved": ["moved", "relocated", "changed address"],
    },
    "payment_problem": {
        "payment": ["payment", "transaction", "charge"],
        "failed": ["failed", "didn't go through", "was declined", "bounced"],
        "charged": ["charged", "billed", "debited"],
        "card": ["card", "credit card", "debit card"],
    },
    "reset_password": {
        "password": ["password", "passcode", "login password"],
        "log in": ["log in", "sign in", "login", "get in"],
        "account": ["account", "profile", "customer account"],
    },
    "shipping_policy": {
        "shipping": ["shipping", "delivery", "postage"],
        "ship": ["ship", "deliver", "send"],
        "return": ["return", "send back"],
    },
    "talk_to_human": {
        "human": ["human", "person", "real person", "live agent"],
        "agent": ["agent", "representative", "staff member", "someone"],
        "person": ["person", "human", "agent", "real human"],
    },
}
PREAMBLES = [
    "sorry to bother you but ",
    "i've been a customer for years and ",
    "so i ordered something {when} for my sister's birthday and ",
    "quick question, ",
    "ok this is annoying, ",
    "i tried the website but it didn't help, ",
    "hope you can help, ",
]
# A second request appended to make a multi-intent message (labelled with the first intent).
SECOND = [
    " and also where is my other order",
    ". also how much is shipping",
    ", and reset my password too",
    ". oh and i'd like to talk to someone later",
    " btw do you gift wrap",
]
# The letters of the three keyboard rows, from which substituted typo characters are drawn.
KEYBOARD = "".join(("qwertyuiop", "asdfghjkl", "zxcvbnm"))


def _fill(frame: str, rng: random.Random) -> str:
    def pick(match: re.Match[str]) -> str:
        return rng.choice(FILL[match.group(1)])

    return re.sub(r"\{(\w+)\}", pick, frame)


class _Picker:
    """A replacement function drawing one of ``choices`` for every match."""

    def __init__(self, choices: list[str], rng: random.Random) -> None:
        self.choices, self.rng = choices, rng

    def __call__(self, match: re.Match[str]) -> str:
        return self.rng.choice(self.choices)


def _synonyms(frame: str, intent: str, rng: random.Random) -> str:
    for word, choices in SYNONYMS.get(intent, {}).items():
        pick = _Picker(choices, rng)
        frame = re.sub(rf"\b{re.escape(word)}\b", pick, frame)
    return frame


def typo(text: str, rng: random.Random) -> str:
    """One or two keyboard slips: a swap, a dropped, doubled or neighbouring character."""
    chars = list(text)
    for _ in range(rng.choice([1, 1, 2])):
        letters = [i for i, c in enumerate(chars) if c.isalpha()]
        if len(letters) < 3:
            break
        i = rng.choice(letters[:-1])
        kind = rng.randrange(4)
        if kind == 0:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif kind == 1:
            del chars[i]
        elif kind == 2:
            chars.insert(i, chars[i])
        else:
            chars[i] = rng.choice(KEYBOARD)
    return "".join(chars)


def vary(text: str, rng: random.Random, noise: float, intent: str) -> str:
    """Apply the surface variations: preamble, second request, noise, casing, punctuation."""
    if intent not in ("greeting", "goodbye") and rng.random() < 0.15:
        text = _fill(rng.choice(PREAMBLES), rng) + text
    if intent not in ("greeting", "goodbye", "out_of_scope", "talk_to_human") and rng.random() < 0.08:
        text = text.rstrip("?.!") + rng.choice(SECOND)
    if rng.random() < noise:
        text = typo(text, rng)
    style = rng.random()
    if style < 0.3:
        text = text[:1].upper() + text[1:]
    elif style < 0.4:
        text = text.upper()
    if rng.random() < 0.3:
        text = text.rstrip("?.!")
    return re.sub(r"\s+", " ", text).strip()


def generate(per_family: int, noise: float, seed: int) -> list[dict[str, str]]:
    """Labelled messages: ``text``, ``intent`` and ``family`` (``<intent>/<n>``)."""
    rng = random.Random(seed)  # noqa: S311 (seeded synthetic data, not security)
    rows: list[dict[str, str]] = []
    seen: set[str] = set()  # across families too: one text never appears in two families
    for intent, families in FAMILIES.items():
        for number, frames in enumerate(families):
            kept = 0
            for _ in range(per_family * 3):
                if kept >= per_family:
                    break
                text = vary(_fill(_synonyms(rng.choice(frames), intent, rng), rng), rng, noise, intent)
                if text.lower() in seen or not text:
                    continue
                seen.add(text.lower())
                kept += 1
                rows.append({"text": text, "intent": intent, "family": f"{intent}/{number}"})
    return rows


# Messages about a product launch the assistant was never trained on: the shifted batch.
LAUNCH = [
    "how do i pair the new {device} with my phone",
    "my {device} won't turn on after the update",
    "is the {device} compatible with alexa",
    "when does the {device} preorder ship",
    "the {device} app keeps crashing",
    "can i get the {device} in white",
    "how do i reset the {device} to factory settings",
    "the {device} firmware update failed",
    "does the {device} work without wifi",
    "my {device} subscription renewal price?",
]
DEVICES = ["acme smart hub", "homecam pro", "smart hub", "acme doorbell", "hub mini"]


def launch_messages(n: int, seed: int) -> list[str]:
    """``n`` messages about a newly launched device nobody labelled."""
    rng = random.Random(seed)  # noqa: S311 (seeded synthetic data, not security)
    return [vary(rng.choice(LAUNCH).format(device=rng.choice(DEVICES)), rng, 0.2, "launch") for _ in range(n)]
