"""Late labels: confirmed fraud arrives weeks after the decision, as a chargeback feed.

The feed (``labels.path``, CSV) has one row per confirmed fraud: its ``transaction_id`` and when
the confirmation was ``reported_at``. A transaction without a row is legitimate as far as anyone
knows yet. ``make labels`` joins the feed to the decisions in the prediction log (the API's and
batch scoring's; a transaction logged twice counts once, as last decided) and reports, per ISO
week (Monday to Sunday, UTC) of the transaction time, the realised precision (confirmed frauds
among the reviews) and recall (reviewed among the confirmed frauds). A week is **mature** once
``labels.maturity_days`` have passed between its end and the feed's date (``labels.as_of``, by
default its newest report); younger weeks are shown, marked as still filling in, and never
judged. Frauds that are never confirmed are invisible here: realised precision understates the
true one by that share. ``make monitor`` alerts when the newest mature week's realised precision
is below ``live.min_realised_precision``.

``make data`` writes a synthetic feed for both monitoring batches, extracted ``FEED_AGE_DAYS``
after they start (delays: see ``synth.chargebacks``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.drift import Check
from ..core.track import Command, CommandOutcome, Option
from ..errors import PipelineError
from ..io.figures import figure
from ..io.files import write_json
from ..io.workspace import Workspace
from ..monitoring.predlog import iter_entries
from .config import Config
from .features import DAY, to_seconds

FEED_AGE_DAYS = 91  # the synthetic feed is extracted this many days after the batches start
_WEEK = 7 * DAY
_MONDAY = 4 * DAY  # 1970-01-01 was a Thursday: epoch seconds of the first Monday are 4 days in


def labels_path(cfg: Config) -> Path:
    """The chargeback feed: ``labels.path``, by default inside the data directory."""
    return cfg.labels.path or cfg.paths.data_dir / "labels" / "chargebacks.csv"


@dataclass(frozen=True)
class Week:
    """One week of logged decisions and what the feed has confirmed about them so far."""

    week: str
    transactions: int
    reviews: int
    confirmed: int
    caught: int
    label_age_days: float
    mature: bool

    @property
    def precision(self) -> float | None:
        """Confirmed frauds among the week's reviews."""
        return self.caught / self.reviews if self.reviews else None

    @property
    def recall(self) -> float | None:
        """The week's confirmed frauds that were sent to review."""
        return self.caught / self.confirmed if self.confirmed else None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for the JSON report."""
        return {
            **asdict(self),
            "realised_precision": _rounded(self.precision),
            "realised_recall": _rounded(self.recall),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


@dataclass(frozen=True)
class Realised:
    """Every logged week with its realised figures, as of the feed's date."""

    as_of: datetime
    maturity_days: int
    weeks: list[Week]
    decisions: int
    feed_rows: int
    matched: int

    def judged(self, min_reviews: int) -> Week | None:
        """The newest mature week with at least ``min_reviews`` reviews (what monitoring judges)."""
        return next((w for w in reversed(self.weeks) if w.mature and w.reviews >= min_reviews), None)


def _entries(path: Path) -> Iterator[tuple[str, str, str]]:
    """(transaction id, transaction time, decision) of each logged entry, oldest first."""
    for entry in iter_entries(path):
        yield (
            str(entry["input"]["transaction_id"]),
            str(entry["input"]["timestamp"]),
            str(entry["output"]["decision"]),
        )


def decisions(cfg: Config) -> pd.DataFrame:
    """The logged decisions, one row per transaction (the last one logged): ``transaction_id``,
    ``seconds`` (transaction time) and ``review``."""
    path = Workspace.of(cfg).prediction_log
    if not path.is_file():
        raise PipelineError(
            f"no prediction log at {path} yet: serve traffic or run `make predict` (and enable "
            "prediction_log) before joining labels"
        )
    try:
        rows = list(_entries(path))
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise PipelineError(f"{path} is not a prediction log of this project ({exc!r})") from exc
    if not rows:
        raise PipelineError(f"{path} has no entries yet; serve traffic or run `make predict`")
    ids, stamps, verdicts = zip(*rows, strict=True)
    frame = pd.DataFrame({"transaction_id": ids, "timestamp": stamps, "decision": verdicts})
    frame = frame.drop_duplicates("transaction_id", keep="last")
    return pd.DataFrame(
        {
            "transaction_id": frame["transaction_id"].to_numpy(),
            "seconds": to_seconds(frame["timestamp"].tolist()),
            "review": (frame["decision"] == "review").to_numpy(),
        }
    )


def feed(cfg: Config) -> pd.DataFrame:
    """The chargeback feed: ``transaction_id`` and ``seconds`` (when each was reported)."""
    path = labels_path(cfg)
    if not path.is_file():
        raise PipelineError(
            f"no chargeback feed at {path}: `make data` writes one for synthetic data; for your own, "
            "export your confirmed frauds (transaction_id, reported_at) there or set labels.path"
        )
    try:
        frame = pd.read_csv(path, dtype={"transaction_id": str})
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise PipelineError(f"{path} is not a readable CSV ({exc})") from exc
    missing = {"transaction_id", "reported_at"} - set(frame.columns)
    if missing:
        raise PipelineError(
            f"{path} lacks the column(s) {sorted(missing)}: it needs transaction_id, reported_at"
        )
    try:
        seconds = to_seconds(frame["reported_at"].astype(str).tolist()) if len(frame) else np.zeros(0)
    except (ValueError, TypeError) as exc:
        raise PipelineError(f"{path}: reported_at must be ISO-8601 times ({exc})") from exc
    return pd.DataFrame({"transaction_id": frame["transaction_id"].astype(str), "seconds": seconds})


def _as_of(cfg: Config, given: date | None, reports: pd.DataFrame) -> int:
    """The feed's date in epoch seconds: the end of ``given`` (or ``labels.as_of``), else its
    newest report."""
    chosen = given or cfg.labels.as_of
    if chosen is not None:
        return int(datetime(chosen.year, chosen.month, chosen.day, tzinfo=timezone.utc).timestamp()) + DAY
    if not len(reports):
        raise PipelineError(f"{labels_path(cfg)} has no chargebacks yet; set labels.as_of to its date")
    return int(reports["seconds"].max())


def realised(cfg: Config, as_of: date | None = None) -> Realised:
    """Realised precision and recall per week of the logged decisions, as of the feed's date."""
    logged, reports = decisions(cfg), feed(cfg)
    at = _as_of(cfg, as_of, reports)
    known = set(reports.loc[reports["seconds"] <= at, "transaction_id"])
    fraud = logged["transaction_id"].isin(known).to_numpy()
    review = logged["review"].to_numpy(dtype=bool)
    monday = (logged["seconds"].to_numpy() - _MONDAY) // _WEEK * _WEEK + _MONDAY
    maturity = cfg.labels.maturity_days
    weeks = []
    for start in np.unique(monday):
        mask = monday == start
        age = (at - (int(start) + _WEEK)) / DAY
        weeks.append(
            Week(
                week=datetime.fromtimestamp(int(start), tz=timezone.utc).date().isoformat(),
                transactions=int(mask.sum()),
                reviews=int(review[mask].sum()),
                confirmed=int(fraud[mask].sum()),
                caught=int((fraud & review)[mask].sum()),
                label_age_days=round(age, 1),
                mature=age >= maturity,
            )
        )
    return Realised(
        as_of=datetime.fromtimestamp(at, tz=timezone.utc),
        maturity_days=maturity,
        weeks=weeks,
        decisions=len(logged),
        feed_rows=len(reports),
        matched=int(fraud.sum()),
    )


def _shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def precision_check(cfg: Config) -> Check | None:
    """The monitoring check on the newest mature week's realised precision; None without a feed."""
    if not labels_path(cfg).is_file() or not Workspace.of(cfg).prediction_log.is_file():
        return None
    found = realised(cfg)
    week = found.judged(cfg.labels.min_reviews)
    floor = cfg.live.min_realised_precision
    limit = f">= {floor:.1%} (weeks with labels >= {found.maturity_days} days old)"
    if week is None or week.precision is None:
        return Check("realised precision (newest mature week)", "no mature week yet", limit, True)
    return Check(
        f"realised precision (week of {week.week})",
        f"{week.precision:.1%} ({week.caught}/{week.reviews} reviews confirmed)",
        limit,
        week.precision >= floor,
    )


def plot(found: Realised, floor: float, path: Path) -> None:
    """Realised precision and recall by week; weeks still filling in are hollow and dashed."""
    x = np.arange(len(found.weeks))
    mature = np.array([w.mature for w in found.weeks])
    with figure(path, (7, 4.5)) as ax:
        for name, color, values in (
            ("precision", "#2c3e50", [w.precision for w in found.weeks]),
            ("recall", "#27ae60", [w.recall for w in found.weeks]),
        ):
            y = np.array([np.nan if v is None else v for v in values], dtype=float)
            ax.plot(x, y, color=color, linestyle=":", alpha=0.6)
            ax.plot(x[mature], y[mature], color=color, marker="o", linestyle="", label=f"realised {name}")
            ax.plot(
                x[~mature],
                y[~mature],
                color=color,
                marker="o",
                markerfacecolor="white",
                linestyle="",
                label=f"{name}, labels still arriving",
            )
        ax.axhline(floor, color="#c0392b", linestyle="--", label=f"alert below {floor:.0%} precision")
        ax.set_xticks(x, [w.week for w in found.weeks], rotation=30)
        ax.set(
            ylim=(0, 1.02),
            xlabel="week of the transaction (Monday, UTC)",
            ylabel="share",
            title=f"Realised precision and recall (labels as of {found.as_of:%Y-%m-%d})",
        )
        ax.legend(loc="upper right", fontsize="small")


def run(cfg: Config, options: dict[str, Any]) -> CommandOutcome:
    """Join the feed to the logged decisions; write ``reports/labels.json`` and the plot."""
    given = options.get("as_of")
    try:
        as_of = date.fromisoformat(given) if given else None
    except ValueError as exc:
        raise PipelineError(f"--as-of {given!r} is not a date (YYYY-MM-DD)") from exc
    found = realised(cfg, as_of)
    floor = cfg.live.min_realised_precision
    judged = found.judged(cfg.labels.min_reviews)
    alert = judged is not None and judged.precision is not None and judged.precision < floor
    reports = cfg.paths.reports_dir
    plot(found, floor, reports / "realised_by_week.png")
    write_json(
        reports / "labels.json",
        {
            "as_of": found.as_of.isoformat(),
            "maturity_days": found.maturity_days,
            "min_realised_precision": floor,
            "min_reviews": cfg.labels.min_reviews,
            "decisions": found.decisions,
            "feed_rows": found.feed_rows,
            "confirmed_in_log": found.matched,
            "judged_week": judged.week if judged else None,
            "alert": alert,
            "weeks": [w.as_dict() for w in found.weeks],
            "note": (
                "Realised precision counts only frauds confirmed by the feed's date: frauds never "
                "confirmed are invisible, so it understates the true precision. Weeks younger than "
                "maturity_days are still filling in and are not judged."
            ),
        },
    )
    lines = [
        f"  week of {w.week}: {w.reviews:,} reviews of {w.transactions:,}, precision "
        f"{_shown(w.precision)}, recall {_shown(w.recall)} ({w.confirmed} confirmed frauds; labels "
        f"{w.label_age_days:.0f} days old{'' if w.mature else ', still arriving'})"
        for w in found.weeks
    ]
    verdict = (
        "no mature week to judge yet"
        if judged is None
        else f"week of {judged.week} realised precision {_shown(judged.precision)} "
        + (f"BELOW {floor:.1%}: `make monitor` alerts" if alert else f">= {floor:.1%}")
    )
    return CommandOutcome(
        f"{found.decisions:,} logged decisions joined to {found.feed_rows:,} chargebacks as of "
        f"{found.as_of:%Y-%m-%d} (mature: labels >= {found.maturity_days} days old):\n"
        + "\n".join(lines)
        + f"\n{verdict} -> {reports / 'labels.json'}, {reports / 'realised_by_week.png'}",
        alert=alert,
    )


COMMAND: Command[Config] = Command(
    name="labels",
    help="realised precision and recall per week: the late chargeback labels joined to the decisions",
    run=run,
    options=(
        Option(
            "--as-of",
            "the feed's date, YYYY-MM-DD: the realised figures as they stood then "
            "(default: labels.as_of or the feed's newest report)",
        ),
    ),
)
