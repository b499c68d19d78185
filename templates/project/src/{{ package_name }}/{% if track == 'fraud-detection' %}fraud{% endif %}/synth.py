"""Seeded synthetic card transactions that behave like the real problem.

Customers have histories: a typical spend, usual merchants, a channel mix and a home area.
About 0.5-1 % of transactions are fraud, injected as incidents. Some take behavioural features to
catch: bursts of online purchases at new merchants, amounts far above the customer's own habit,
card-present use far from home, small test charges just before a large one. Some overlap
legitimate behaviour by design: account takeover on the customer's usual device and merchant,
cloned cards used like the owner would, and friendly fraud (the customer's own purchase, disputed).
Legitimate look-alikes (big purchases, travel, sprees, small app charges) keep it honest.
A "shifted" period (inflated amounts, more online and night-time traffic) drives the drift demo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# The synthetic world's levels; real data brings its own (the features learn them from the data).
CATEGORIES = (
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
)
CHANNELS = ("pos", "online", "atm")
DEVICES = ("terminal", "mobile", "desktop")

_DAY = 86_400
_CATEGORY_SCALE = np.array([1.0, 1.2, 0.9, 4.0, 3.0, 1.8, 1.1, 1.3, 0.8, 2.0])
_RISKY = np.array([CATEGORIES.index(c) for c in ("electronics", "digital_goods", "travel", "fashion")])


@dataclass(frozen=True)
class Population:
    """The customers and merchants every period is drawn from."""

    typical_amount: np.ndarray
    activity: np.ndarray
    channel_mix: np.ndarray
    favourites: np.ndarray
    merchant_category: np.ndarray


def make_population(n_customers: int, seed: int) -> Population:
    """Customers and merchants; the same seed always gives the same population."""
    rng = np.random.default_rng(seed)
    n_merchants = max(60, n_customers // 2)
    online_share = rng.beta(2, 5, n_customers)
    atm_share = rng.beta(1, 12, n_customers)
    mix = np.column_stack([1 - online_share - atm_share, online_share, atm_share]).clip(0.01)
    return Population(
        typical_amount=rng.lognormal(3.4, 0.6, n_customers),
        activity=rng.gamma(2.0, 1.0, n_customers),
        channel_mix=mix / mix.sum(axis=1, keepdims=True),
        favourites=rng.integers(0, n_merchants, (n_customers, 8)),
        merchant_category=rng.integers(0, len(CATEGORIES), n_merchants),
    )


def _draw_channels(rng: np.random.Generator, mix: np.ndarray) -> np.ndarray:
    cumulative = mix.cumsum(axis=1)
    return (rng.random((mix.shape[0], 1)) > cumulative).sum(axis=1).clip(0, len(CHANNELS) - 1)


def _legitimate(
    pop: Population, rng: np.random.Generator, n: int, start: int, days: int, shift: bool
) -> dict[str, np.ndarray]:
    customers = rng.choice(pop.activity.size, n, p=pop.activity / pop.activity.sum())
    hours = rng.normal(14, 4, n).clip(0, 23.99)
    if shift:
        night = rng.random(n) < 0.25
        hours[night] = rng.uniform(0, 5, night.sum())
    seconds = start + rng.integers(0, days, n) * _DAY + (hours * 3600).astype(np.int64)
    mix = pop.channel_mix[customers]
    if shift:
        mix = mix * np.array([0.45, 2.6, 0.6])
        mix = mix / mix.sum(axis=1, keepdims=True)
    channels = _draw_channels(rng, mix)
    usual = rng.random(n) < 0.85
    merchants = np.where(
        usual,
        pop.favourites[customers, rng.integers(0, 8, n)],
        rng.integers(0, pop.merchant_category.size, n),
    )
    categories = pop.merchant_category[merchants]
    categories = np.where(channels == 2, CATEGORIES.index("cash"), categories)
    amounts = pop.typical_amount[customers] * _CATEGORY_SCALE[categories] * rng.lognormal(0, 0.45, n)
    big = rng.random(n) < 0.006  # legitimate big-ticket purchases, often somewhere new
    amounts[big] *= rng.uniform(3, 15, big.sum())
    elsewhere = big & (rng.random(n) < 0.6)
    merchants[elsewhere] = rng.integers(0, pop.merchant_category.size, elsewhere.sum())
    micro = rng.random(n) < 0.01  # legitimate small charges: app stores, parking, trial sign-ups
    amounts[micro] = rng.uniform(0.5, 4.99, micro.sum())
    if shift:
        amounts *= 1.8
    distance = rng.exponential(6.0, n)
    travelling = rng.random(n) < 0.015  # travellers shop at merchants they have never used
    distance[travelling] = rng.uniform(100, 6000, travelling.sum())
    merchants[travelling] = rng.integers(0, pop.merchant_category.size, travelling.sum())
    if shift:
        distance *= 2.5
    # Legitimate shopping sprees: a few quick online purchases at new merchants.
    spree = np.flatnonzero(rng.random(n) < 0.004)
    follow = rng.integers(0, spree.size, spree.size * 2) if spree.size else np.zeros(0, dtype=np.int64)
    source = spree[follow]
    customers = np.concatenate([customers, customers[source]])
    seconds = np.concatenate([seconds, seconds[source] + rng.integers(60, 5400, source.size)])
    merchants = np.concatenate([merchants, rng.integers(0, pop.merchant_category.size, source.size)])
    categories = np.concatenate(
        [categories, pop.merchant_category[merchants[-source.size :]] if source.size else categories[:0]]
    )
    channels = np.concatenate([channels, np.ones(source.size, dtype=channels.dtype)])
    amounts = np.concatenate(
        [
            amounts,
            pop.typical_amount[customers[-source.size :]] * rng.lognormal(0.5, 0.6, source.size)
            if source.size
            else amounts[:0],
        ]
    )
    distance = np.concatenate([distance, distance[source]])
    device = np.where(channels == 1, np.where(rng.random(channels.size) < 0.6, 1, 2), 0)
    return {
        "customer": customers,
        "merchant": merchants,
        "seconds": seconds,
        "amount": amounts,
        "category": categories,
        "channel": channels,
        "device": device,
        "distance": distance,
        "fraud": np.zeros(customers.size, dtype=bool),
    }


def _fraud(
    pop: Population, rng: np.random.Generator, n_target: int, first: int, last: int
) -> dict[str, np.ndarray]:
    """Fraud incidents starting in ``[first, last)`` until about ``n_target`` fraudulent
    transactions exist."""
    parts: dict[str, list[np.ndarray]] = {
        key: []
        for key in ("customer", "merchant", "seconds", "amount", "category", "channel", "device", "distance")
    }
    count = 0
    n_merchants = pop.merchant_category.size
    while count < n_target:
        customer = int(rng.choice(pop.activity.size, p=pop.activity / pop.activity.sum()))
        typical = pop.typical_amount[customer]
        t0 = int(rng.integers(first, last))
        pattern = rng.choice(7, p=[0.22, 0.18, 0.14, 0.1, 0.14, 0.12, 0.1])
        usual_channel = int(_draw_channels(rng, pop.channel_mix[customer : customer + 1])[0])
        known = False  # incidents at the customer's own merchants
        if pattern == 0:  # burst of online purchases at new merchants
            k = int(rng.integers(2, 6))
            seconds = t0 + np.sort(rng.integers(0, 7200, k))
            amount = typical * np.geomspace(0.5, rng.uniform(1.5, 8), k)
            channel, device = np.full(k, 1), rng.choice([1, 2], k)
            distance = rng.uniform(50, 2000, k)
        elif pattern == 1:  # one amount far above the customer's habit
            k = 1
            seconds = np.array(
                [t0 - (t0 % _DAY) + int(rng.choice([rng.integers(0, 6), rng.integers(8, 23)]) * 3600)]
            )
            amount = typical * rng.uniform(3, 15, k)
            channel = rng.choice([0, 1], k, p=[0.4, 0.6])
            device = np.where(channel == 1, 1, 0)
            distance = rng.exponential(40.0, k)
        elif pattern == 2:  # card-present use far from home
            k = int(rng.integers(1, 3))
            seconds = t0 + np.sort(rng.integers(0, 7200, k))
            amount = typical * rng.uniform(1, 6, k)
            channel = rng.choice([0, 2], k, p=[0.6, 0.4])
            device = np.zeros(k, dtype=np.int64)
            distance = rng.uniform(100, 6000, k)
        elif pattern == 3:  # a cloned card used like the owner would: hard to catch by design
            k = 1
            seconds = np.array([t0])
            amount = typical * rng.lognormal(0.3, 0.5, k)
            channel = np.zeros(k, dtype=np.int64)
            device = np.zeros(k, dtype=np.int64)
            distance = rng.exponential(15.0, k)
        elif pattern == 4:  # account takeover: the customer's device type, channel and merchants
            k = int(rng.integers(1, 3))
            seconds = t0 + np.sort(rng.integers(0, 3 * _DAY, k))
            amount = typical * rng.lognormal(0.9, 0.4, k)
            channel = np.full(k, usual_channel if usual_channel != 2 else 1)
            device = np.where(channel == 1, 1, 0)
            distance = rng.exponential(6.0, k)
            known = True
        elif pattern == 5:  # card testing: small charges at new online merchants, then a large one
            tests = int(rng.integers(1, 4))
            k = tests + 1
            seconds = t0 + np.concatenate(
                [np.sort(rng.integers(0, 1800, tests)), [1800 + int(rng.integers(600, 3 * 3600))]]
            )
            amount = np.concatenate([rng.uniform(0.5, 4.99, tests), typical * rng.uniform(2, 10, 1)])
            channel, device = np.full(k, 1), np.full(k, int(rng.choice([1, 2])))
            distance = rng.uniform(20, 3000, k)
        else:  # friendly fraud: the customer's own ordinary purchase, disputed later
            k = 1
            seconds = np.array([t0])
            amount = typical * rng.lognormal(0.2, 0.5, k)
            channel = np.full(k, usual_channel)
            device = np.where(channel == 1, rng.choice([1, 2], k), 0)
            distance = rng.exponential(6.0, k)
            known = True
        if known:
            merchant = pop.favourites[customer, rng.integers(0, pop.favourites.shape[1], k)]
            category = pop.merchant_category[merchant]
        else:
            merchant = rng.integers(0, n_merchants, k)
            category = np.where(rng.random(k) < 0.5, rng.choice(_RISKY, k), pop.merchant_category[merchant])
        category = np.where(channel == 2, CATEGORIES.index("cash"), category)
        for key, value in (
            ("customer", np.full(k, customer)),
            ("merchant", merchant),
            ("seconds", seconds),
            ("amount", amount),
            ("category", category),
            ("channel", channel),
            ("device", device),
            ("distance", distance),
        ):
            parts[key].append(np.asarray(value))
        count += k
    floats = {"amount", "distance"}
    merged = {
        key: np.concatenate(values) if values else np.zeros(0, dtype=float if key in floats else np.int64)
        for key, values in parts.items()
    }
    merged["fraud"] = np.ones(count, dtype=bool)
    return merged


HISTORY_DAYS = 2  # fraud starts once customers have some history


def _spread(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` near-equal whole numbers, the larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


@dataclass(frozen=True)
class DayPlan:
    """One day of a period: its legitimate rows and fraudulent transactions to draw."""

    day: int
    rows: int
    frauds: int


def plan(rows: int, days: int, fraud_rate: float) -> list[DayPlan]:
    """The period's days, each drawn on its own (and so in parallel) from its own seed."""
    n_fraud = round(rows * fraud_rate)
    legit = _spread(rows - n_fraud, days)
    fraud_days = max(1, days - HISTORY_DAYS)
    frauds = [0] * (days - fraud_days) + _spread(n_fraud, fraud_days)
    return [DayPlan(day, legit[day], frauds[day]) for day in range(days)]


def simulate_day(
    pop: Population,
    day: DayPlan,
    *,
    start: pd.Timestamp,
    days: int,
    seed: int,
    shift: bool = False,
) -> pd.DataFrame:
    """The transactions of one day's legitimate activity and of the fraud incidents that start on
    it (an incident may run into the next days, never past the period), sorted by time."""
    rng = np.random.default_rng([seed, day.day])
    origin = int(start.timestamp())
    day_start = origin + day.day * _DAY
    legit = _legitimate(pop, rng, day.rows, day_start, 1, shift)
    fraud = _fraud(pop, rng, day.frauds, day_start, day_start + _DAY)
    cols = {key: np.concatenate([legit[key], fraud[key]]) for key in legit}
    inside = cols["seconds"] < origin + days * _DAY  # incidents that run past the period end there
    cols = {key: value[inside] for key, value in cols.items()}
    order = np.argsort(cols["seconds"], kind="stable")
    cols = {key: value[order] for key, value in cols.items()}
    n = order.size
    return pd.DataFrame(
        {
            "transaction_id": [f"t{seed % 1000:03d}{day.day:04d}{i:07d}" for i in range(n)],
            "customer_id": [f"c{c:06d}" for c in cols["customer"]],
            "merchant_id": [f"m{m:05d}" for m in cols["merchant"]],
            "timestamp": pd.to_datetime(cols["seconds"], unit="s", utc=True).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "amount": np.round(np.clip(cols["amount"], 0.5, 49_999.0), 2),
            "category": np.asarray(CATEGORIES)[cols["category"]],
            "channel": np.asarray(CHANNELS)[cols["channel"]],
            "device_type": np.asarray(DEVICES)[cols["device"]],
            "distance_from_home_km": np.round(np.clip(cols["distance"], 0, 20_000), 2),
            "is_fraud": cols["fraud"],
        }
    )


ORDER = ["timestamp", "transaction_id"]  # a period's row order: by time, ties by day and draw


def in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of one or more days in the period's order (``ORDER``), renumbered from 0."""
    return frame.sort_values(ORDER, kind="stable").reset_index(drop=True)


def simulate(
    pop: Population,
    *,
    rows: int,
    start: pd.Timestamp,
    days: int,
    fraud_rate: float,
    seed: int,
    shift: bool = False,
) -> pd.DataFrame:
    """One period of transactions, sorted by time, with ``is_fraud`` labels: its days drawn by
    :func:`simulate_day`, in the period's order."""
    parts = [
        simulate_day(pop, day, start=start, days=days, seed=seed, shift=shift)
        for day in plan(rows, days, fraud_rate)
    ]
    return in_order(pd.concat(parts, ignore_index=True))


# The chargeback feed: how late confirmed fraud arrives, and how much never does.
NEVER_CONFIRMED = 0.12  # frauds nobody disputes (unnoticed small charges, lapsed cards)
FAST_SHARE = 0.2  # customers who call about a stolen card: confirmed within two weeks
CHARGEBACK_MEDIAN_DAYS = 42.0  # the rest arrive as chargebacks, most within 30-60 days
CHARGEBACK_SPREAD = 0.3  # lognormal sigma of the chargeback delay


def chargebacks(frame: pd.DataFrame, *, as_of: pd.Timestamp, seed: int) -> pd.DataFrame:
    """The confirmed frauds among ``frame``'s transactions that have arrived by ``as_of``: one row
    per chargeback (``transaction_id``, ``reported_at``), newest last; legitimate transactions and
    frauds never confirmed or not yet arrived have no row."""
    rng = np.random.default_rng(seed)
    fraud = frame.loc[frame["is_fraud"].to_numpy(dtype=bool)]
    n = len(fraud)
    confirmed = rng.random(n) >= NEVER_CONFIRMED
    fast = rng.random(n) < FAST_SHARE
    days = np.where(
        fast,
        rng.uniform(1.0, 14.0, n),
        rng.lognormal(np.log(CHARGEBACK_MEDIAN_DAYS), CHARGEBACK_SPREAD, n),
    )
    reported = pd.to_datetime(fraud["timestamp"], utc=True) + pd.to_timedelta(np.round(days * _DAY), unit="s")
    keep = confirmed & (reported <= as_of).to_numpy()
    feed = pd.DataFrame(
        {
            "transaction_id": fraud["transaction_id"].to_numpy()[keep],
            "reported_at": reported[keep].dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
        }
    )
    return feed.sort_values("reported_at", kind="stable").reset_index(drop=True)
