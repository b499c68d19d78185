"""The fraud-detection configuration: shared sections plus data, split, model, state and costs."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from ..settings import BaseConfig, StrictModel

# The columns a data source maps onto; the optional ones may be absent (their features drop out).
REQUIRED_COLUMNS = ("transaction_id", "customer_id", "merchant_id", "timestamp", "amount", "category")
OPTIONAL_COLUMNS = ("channel", "device_type", "distance_from_home_km")


class SourceConfig(StrictModel):
    """Where the labelled transactions come from: generated, or your own file."""

    kind: Literal["synthetic", "csv", "parquet"] = "synthetic"
    path: Path | None = Field(None, description="your file (csv or parquet); unused for synthetic")
    column_map: dict[str, str] = Field(
        default_factory=dict, description="your column name -> the schema's name (e.g. txn_ts: timestamp)"
    )

    @model_validator(mode="after")
    def _path_for_files(self) -> SourceConfig:
        if self.kind != "synthetic" and self.path is None:
            raise ValueError(f"data.source.kind is {self.kind!r}: set data.source.path to your file")
        known = {*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, "is_fraud"}
        unknown = sorted(set(self.column_map.values()) - known)
        if unknown:
            raise ValueError(
                f"data.source.column_map maps onto unknown columns {unknown}; known: {sorted(known)}"
            )
        return self


class DataConfig(StrictModel):
    """The data source; for synthetic data its size, fraud rate and period; the monitoring batches."""

    source: SourceConfig = SourceConfig()
    rows: int = Field(150_000, ge=2_000, le=20_000_000)
    customers_per_1k_rows: float = Field(20.0, gt=0, description="population size per 1k rows")
    fraud_rate: float = Field(0.007, gt=0, lt=0.2)
    start: date = date(2026, 1, 1)
    days: int = Field(60, ge=14, le=1000)
    batch_rows: int | None = Field(
        None, ge=500, description="rows per monitoring batch; default: the training data's daily rate"
    )
    batch_days: int = Field(28, ge=1, description="days per monitoring batch (four weeks: the label demo)")
    on_invalid: Literal["reject", "quarantine"] = "reject"


class SplitConfig(StrictModel):
    """Time-based split: the last days are the test period, the ones before it validation."""

    valid_days: int = Field(10, ge=1)
    test_days: int = Field(14, ge=1)


class ModelConfig(StrictModel):
    """The candidate model; ``kind`` chooses the implementation."""

    kind: Literal["hist_gradient_boosting", "lightgbm"] = "hist_gradient_boosting"
    learning_rate: float = Field(0.1, gt=0, le=1)
    max_iter: int = Field(100, ge=1, le=5000)
    max_leaf_nodes: int = Field(31, ge=2)
    min_samples_leaf: int = Field(40, ge=1)
    l2_regularization: float = Field(1.0, ge=0)


class StateConfig(StrictModel):
    """Each customer's recent history, kept live by the API (SQLite, WAL mode, in the data dir)."""

    window_days: int = Field(30, ge=7, le=365, description="history the habit features look back over")
    max_events_per_customer: int = Field(500, ge=10, le=100_000, description="memory bound per customer")
    path: Path | None = Field(None, description="default: <data_dir>/state/customers.sqlite")


class EvaluationConfig(StrictModel):
    """The cost model behind the business metric, the review capacity and the slices."""

    review_cost_per_alert: float = Field(4.0, ge=0, description="USD an analyst review costs")
    friction_cost_per_false_alarm: float = Field(
        10.0, ge=0, description="USD a legitimate customer's held payment costs (support, churn)"
    )
    recovery_rate: float = Field(0.8, gt=0, le=1, description="share of a caught fraud's amount saved")
    review_capacity_per_day: float = Field(20.0, gt=0, description="alerts the team can review per day")
    amount_bands: list[float] = Field(default_factory=lambda: [0.0, 50.0, 250.0, 1000.0])
    bootstrap_unit: Literal["customer", "transaction"] = Field(
        "customer", description="what the gate's paired bootstrap resamples: customers or transactions"
    )


class PolicyConfig(StrictModel):
    """Which decision policy serves; both are fitted and reported."""

    kind: Literal["threshold", "expected_loss"] = "threshold"


class LiveConfig(StrictModel):
    """Limits on scored traffic beyond drift."""

    max_alert_rate_ratio: float = Field(
        3.0, gt=1, description="alert when the alert rate exceeds this x reference"
    )
    alert_rate_floor: float = Field(
        0.001, ge=0, lt=1, description="a reference rate below this counts as this"
    )
    min_realised_precision: float = Field(
        0.2,
        ge=0,
        le=1,
        description="alert when the newest mature week's confirmed-fraud share of reviews is below this",
    )


class LabelsConfig(StrictModel):
    """The late labels: a chargeback feed, joined to the logged decisions week by week."""

    path: Path | None = Field(None, description="the feed (csv); default: <data_dir>/labels/chargebacks.csv")
    maturity_days: int = Field(
        75, ge=1, description="a week counts once this many days have passed since its end"
    )
    as_of: date | None = Field(None, description="the feed's extraction date; default: its newest report")
    min_reviews: int = Field(20, ge=1, description="a mature week with fewer reviews is shown, not judged")


class Config(BaseConfig):
    """Everything a fraud-detection run reads."""

    data: DataConfig = DataConfig()
    split: SplitConfig = SplitConfig()
    model: ModelConfig = ModelConfig()
    state: StateConfig = StateConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    policy: PolicyConfig = PolicyConfig()
    live: LiveConfig = LiveConfig()
    labels: LabelsConfig = LabelsConfig()
