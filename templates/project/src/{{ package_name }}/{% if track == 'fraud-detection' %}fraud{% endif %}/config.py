"""The fraud-detection configuration: shared sections plus data, split, model and costs."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from ..settings import BaseConfig, StrictModel


class DataConfig(StrictModel):
    """Synthetic data: size, fraud rate, period and the monitoring batches."""

    rows: int = Field(150_000, ge=2_000, le=20_000_000)
    customers_per_1k_rows: float = Field(20.0, gt=0, description="population size per 1k rows")
    fraud_rate: float = Field(0.007, gt=0, lt=0.2)
    start: date = date(2026, 1, 1)
    days: int = Field(60, ge=14)
    batch_rows: int | None = Field(
        None, ge=500, description="rows per monitoring batch; default: the training data's daily rate"
    )
    batch_days: int = Field(7, ge=1)
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


class EvaluationConfig(StrictModel):
    """Costs behind the business metric, the alert budget and the slices."""

    review_cost_per_alert: float = Field(4.0, ge=0, description="USD an analyst review costs")
    alert_budget_rate: float = Field(0.005, gt=0, lt=1, description="share of traffic reviewable")
    amount_bands: list[float] = Field(default_factory=lambda: [0.0, 50.0, 250.0, 1000.0])


class LiveConfig(StrictModel):
    """Limits on scored traffic beyond drift."""

    max_alert_rate_ratio: float = Field(
        3.0, gt=1, description="alert when the alert rate exceeds this x reference"
    )
    alert_rate_floor: float = Field(
        0.001, ge=0, lt=1, description="a reference rate below this counts as this"
    )


class Config(BaseConfig):
    """Everything a fraud-detection run reads."""

    data: DataConfig = DataConfig()
    split: SplitConfig = SplitConfig()
    model: ModelConfig = ModelConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    live: LiveConfig = LiveConfig()
