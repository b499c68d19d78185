"""The transaction schema: declared once, enforced on files, batch scoring and the API."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

# Category values are learned from the training data, not fixed here: any short lower-case label.
Label = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_ -]*$")]

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


def _utc_within_range(value: datetime) -> datetime:
    """A time without a zone is UTC; times outside 1970-2200 are refused."""
    value = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    if not EARLIEST <= value < LATEST:
        raise ValueError("must be between 1970-01-01 and 2200-01-01")
    return value


Timestamp = Annotated[
    datetime,
    BeforeValidator(_iso_8601),
    AfterValidator(_utc_within_range),
    Field(description="ISO-8601; UTC when no zone is given"),
]


class Transaction(BaseModel):
    """One card transaction as it arrives for scoring."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    transaction_id: Identifier
    customer_id: Identifier = Field(json_schema_extra={"personal": True})
    merchant_id: Identifier
    timestamp: Timestamp
    amount: Amount
    category: Label
    # Optional: a source without these columns still scores; the features that need them drop out.
    channel: Label | None = None
    device_type: Label | None = None
    distance_from_home_km: Distance | None = None


class LabeledTransaction(Transaction):
    """A transaction with its outcome, as in the training data."""

    is_fraud: bool


INPUT_COLUMNS: tuple[str, ...] = tuple(Transaction.model_fields)
OPTIONAL_INPUTS: tuple[str, ...] = ("channel", "device_type", "distance_from_home_km")
LABEL = "is_fraud"
