"""Slot extractors: an order id, an email address, a new delivery address, an item of the order.

Each extractor returns a normalised, validated value or None; it never passes raw text through.
Digits are ASCII only (``[0-9]``, not ``\\d``, which also matches other scripts' digits), lengths
are bounded before any pattern runs, and an address is accepted only from a small character set,
so markup, SQL or control characters in a message never reach a tool or the database.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel, ConfigDict, Field

MAX_SCAN = 600
ORDER_ID = r"A-[0-9]{5}"
EMAIL = r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,4}"

_ORDER = re.compile(
    r"(?<![A-Za-z0-9])(?:[Aa]\s?-?\s?|#\s?|\border\s+(?:number\s+|no\.?\s*|id\s+|#\s?)?)([0-9]{5})(?![0-9])",
    re.ASCII,
)
_EMAIL = re.compile(rf"(?<![A-Za-z0-9._%+-])({EMAIL})(?![A-Za-z0-9-])", re.ASCII)
_ADDRESS_CUE = re.compile(
    r"(?:new address(?: is)?|address(?: is|:)|send (?:it|them) to|deliver (?:it )?to|ship (?:it )?to"
    r"|move it to)\s*:?\s*",
    re.IGNORECASE,
)
_ADDRESS = re.compile(
    r"[0-9]{1,5}[A-Za-z]?\s+[A-Za-z][A-Za-z .'-]{2,60}(?:,\s*[A-Za-z0-9][A-Za-z0-9 .'-]{1,60}){0,3}"
)
_ALLOWED = re.compile(r"[A-Za-z0-9 ,.'#/-]+")
_TOKEN = re.compile(r"[a-z0-9]+")


class Slots(BaseModel):
    """Slot values, each in its validated form (the tools' argument schemas check them again)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    order_id: str | None = Field(None, pattern=f"^{ORDER_ID}$")
    email: str | None = Field(None, pattern=f"^{EMAIL}$", max_length=254)
    new_address: str | None = Field(None, min_length=8, max_length=120)
    item: str | None = Field(None, min_length=2, max_length=60)


def _scan(text: str) -> str:
    """The message in NFKC form, control characters removed, bounded in length."""
    text = unicodedata.normalize("NFKC", text[:MAX_SCAN])
    return "".join(c if c.isprintable() else " " for c in text)


def order_id(text: str) -> str | None:
    """``A-12345`` from "A-12345", "a12345", "#12345" or "order 12345"; None otherwise."""
    match = _ORDER.search(_scan(text))
    return f"A-{match.group(1)}" if match else None


def email(text: str) -> str | None:
    """The first email address in the message, lower-cased; None when there is none."""
    match = _EMAIL.search(_scan(text))
    if not match or len(match.group(1)) > 254:
        return None
    return match.group(1).lower()


def new_address(text: str, *, asked: bool = False) -> str | None:
    """A delivery address: after a cue ("new address is ..."), or the whole message when asked.

    It must start with a house number followed by a street name, use only letters, digits,
    spaces and ``,.'#/-``, and be 8-120 characters long.
    """
    scanned = _scan(text).strip()
    cue = _ADDRESS_CUE.search(scanned)
    if cue:
        candidate = scanned[cue.end() :]
    elif asked:
        candidate = scanned
    else:
        return None
    candidate = candidate.strip().rstrip(".!")
    if not 8 <= len(candidate) <= 120 or not _ALLOWED.fullmatch(candidate):
        return None
    match = _ADDRESS.fullmatch(candidate)
    return re.sub(r"\s+", " ", candidate) if match else None


def item(text: str, choices: list[str]) -> str | None:
    """The one item of ``choices`` the message names (most shared words); None if unclear."""
    words = set(_TOKEN.findall(_scan(text).lower()))
    scored = []
    for choice in choices:
        terms = set(_TOKEN.findall(choice.lower()))
        stems = {t.rstrip("s") for t in terms}
        hits = len(terms & words) + len(stems & {w.rstrip("s") for w in words} - terms)
        scored.append((hits, choice))
    scored.sort(key=lambda pair: -pair[0])
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def extract(text: str, *, asked: str | None = None, items: list[str] | None = None) -> Slots:
    """Every slot the message holds; ``asked`` is the slot the assistant just asked for."""
    return Slots(
        order_id=order_id(text),
        email=email(text),
        new_address=new_address(text, asked=asked == "new_address"),
        item=item(text, items) if items else None,
    )
