"""The transaction schema: declared once, enforced on files, batch scoring and the API."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict

Channel = Literal["pos", "online", "atm"]
Category = Literal[
    "grocery",
    "fuel",
    "restaurants",
    "travel",
    "electronics",
    "fashion",
    "entertainment",
    "health",
    "digital_goods",
    "cash",
]
Device = Literal["terminal", "mobile", "desktop"]
CHANNELS: tuple[str, ...] = get_args(Channel)
CATEGORIES: tuple[str, ...] = get_args(Category)
DEVICES: tuple[str, ...] = get_args(Device)

Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Amount = Annotated[float, Strict(), Field(gt=0, le=50_000, description="transaction amount, USD")]
Distance = Annotated[float, Strict(), Field(ge=0, le=20_100, description="km from the customer's home")]
# Times outside these years are data errors, and beyond the range the feature code can represent.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_8601(value: Any) -> Any:
    """Timestamps are ISO-8601 text (or datetimes), as in the data files: never epoch numbers."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError("must be an ISO-8601 timestamp such as 2024-05-01T12:30:00Z")


Timestamp = Annotated[
    datetime,
    BeforeValidator(_iso_8601),
    Field(ge=EARLIEST, lt=LATEST, description="ISO-8601; UTC when no zone is given"),
]


class Transaction(BaseModel):
    """One card transaction as it arrives for scoring."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    transaction_id: Identifier
    customer_id: Identifier
    merchant_id: Identifier
    timestamp: Timestamp
    amount: Amount
    category: Category
    channel: Channel
    device_type: Device
    distance_from_home_km: Distance


class LabeledTransaction(Transaction):
    """A transaction with its outcome, as in the training data."""

    is_fraud: bool


INPUT_COLUMNS: tuple[str, ...] = tuple(Transaction.model_fields)
LABEL = "is_fraud"
