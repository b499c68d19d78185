"""Model wrappers: the candidate, two baselines, and the scorer that serves them.

The scorer carries the feature spec, the fitted decision policies and, for reasons, each feature's
reference value (training medians and most common levels): aggregates only, never transactions.
Customer history comes from the live state (see ``state``), not from the artifact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .config import ModelConfig
from .features import Events, FeatureSpec, compute, to_matrix
from .policy import Policy, PolicyKind

TOP_REASONS = 3


class Classifier(Protocol):
    """What the scorer needs from an estimator."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> Any: ...

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...


class RulesBaseline:
    """What a fraud team writes before any model: points for well-known red flags."""

    def __init__(self, spec: FeatureSpec) -> None:
        self.spec = spec

    def fit(self, x: np.ndarray, y: np.ndarray) -> RulesBaseline:
        """Rules have nothing to learn."""
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Share of red flags raised, as a score in [0, 1]."""
        col = {name: x[:, i] for i, name in enumerate(self.spec.numeric)}
        far = col.get("distance_from_home_km", np.zeros(len(x))) > 300
        flags = np.column_stack(
            [
                col["amount_ratio_to_mean"] > 5,
                col["txn_count_1h"] >= 3,
                (col["new_merchant"] > 0) & far
                if "distance_from_home_km" in col
                else col["small_txn_count_24h"] >= 2,
                col["amount"] > 1000,
            ]
        )
        score = flags.mean(axis=1)
        return np.column_stack([1 - score, score])


def make_candidate(cfg: ModelConfig, seed: int) -> Classifier:
    """The configured candidate model."""
    if cfg.kind == "lightgbm":
        try:
            from lightgbm import LGBMClassifier
        except ImportError as exc:
            raise ImportError("model.kind is 'lightgbm': make setup EXTRAS=dev,lightgbm") from exc
        return LGBMClassifier(
            n_estimators=cfg.max_iter,
            learning_rate=cfg.learning_rate,
            num_leaves=cfg.max_leaf_nodes,
            min_child_samples=cfg.min_samples_leaf,
            reg_lambda=cfg.l2_regularization,
            random_state=seed,
            deterministic=True,
            n_jobs=1,
            verbose=-1,
        )
    return HistGradientBoostingClassifier(
        learning_rate=cfg.learning_rate,
        max_iter=cfg.max_iter,
        max_leaf_nodes=cfg.max_leaf_nodes,
        min_samples_leaf=cfg.min_samples_leaf,
        l2_regularization=cfg.l2_regularization,
        early_stopping=False,
        random_state=seed,
    )


def make_logistic_baseline(seed: int) -> Classifier:
    """Logistic regression on standardised features (categoricals arrive one-hot encoded)."""
    return Pipeline(
        [("scale", StandardScaler()), ("model", LogisticRegression(max_iter=2000, C=0.5, random_state=seed))]
    )


@dataclass(frozen=True)
class Reason:
    """One feature's contribution to a score (probability points, or log-odds for lightgbm)."""

    feature: str
    value: str
    contribution: float

    def text(self) -> str:
        """``feature=value (+0.123)``."""
        return f"{self.feature}={self.value} ({self.contribution:+.3f})"


def reference_row(spec: FeatureSpec, features: pd.DataFrame) -> np.ndarray:
    """The matrix row of a typical transaction: numeric medians and the most common levels."""
    typical: dict[str, Any] = {name: [float(features[name].median())] for name in spec.numeric}
    for name in spec.categorical:
        typical[name] = [str(features[name].mode().iloc[0])]
    return to_matrix(spec, typical)[0]


class FraudScorer:
    """A fitted estimator with its feature spec, its decision policies and reason references."""

    def __init__(
        self,
        estimator: Any,
        spec: FeatureSpec,
        policies: Mapping[PolicyKind, Policy],
        serving: PolicyKind,
        reference: np.ndarray | None = None,
    ) -> None:
        self.estimator = estimator
        self.spec = spec
        self.policies = dict(policies)
        self.policy = self.policies[serving]
        self.reference = reference

    @property
    def threshold(self) -> float:
        """The score cut of the threshold policy (reports)."""
        return self.policies["threshold"].threshold

    def features(self, frame: Mapping[str, Any], keys: Any, history: Events) -> dict[str, np.ndarray]:
        """Features of ``frame``'s rows, given the customers' known history."""
        return compute(self.spec, frame, keys, history)

    def score_features(self, features: Mapping[str, Any]) -> np.ndarray:
        """Fraud probability for already-built features."""
        return np.asarray(self.estimator.predict_proba(to_matrix(self.spec, features))[:, 1], dtype=float)

    def alerts(self, scores: np.ndarray, amount: Any) -> np.ndarray:
        """The serving policy's verdicts."""
        return self.policy.alerts(scores, np.asarray(amount, dtype=float))

    def reasons(self, features: Mapping[str, Any], rows: np.ndarray) -> list[list[Reason]]:
        """The top features behind the score of each row in ``rows`` (indices).

        lightgbm: its exact TreeSHAP contributions (``pred_contrib``). Other models: how much the
        score drops when a feature is set to its reference value (the training median or most
        common level), all features of all rows in one model call.
        """
        if rows.size == 0:
            return []
        x = to_matrix(self.spec, features)[rows]
        groups = self.spec.groups
        if type(self.estimator).__name__ == "LGBMClassifier":
            contrib = np.asarray(self.estimator.predict(x, pred_contrib=True))[:, :-1]
            effect = np.column_stack([contrib[:, cols].sum(axis=1) for _, cols in groups])
        else:
            if self.reference is None:
                return [[] for _ in rows]
            probes = np.repeat(x, len(groups), axis=0)
            for g, (_, cols) in enumerate(groups):
                probes[g :: len(groups), cols] = self.reference[cols]
            scored = self.estimator.predict_proba(np.vstack([x, probes]))[:, 1]  # one model call
            base, replaced = scored[: len(rows)], scored[len(rows) :].reshape(len(rows), len(groups))
            effect = base[:, None] - replaced
        result = []
        for i, row in enumerate(rows):
            top = np.argsort(-effect[i], kind="stable")[:TOP_REASONS]
            result.append(
                [
                    Reason(groups[g][0], _shown(features[groups[g][0]][row]), round(float(effect[i, g]), 6))
                    for g in top
                    if effect[i, g] > 0
                ]
            )
        return result


def _shown(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    return str(value)


def monitored(
    spec: FeatureSpec, features: Mapping[str, Any], scores: np.ndarray, alerts: np.ndarray
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per record, the monitored feature values and the model's output, as the prediction log keeps
    them: at full precision, so monitoring compares exactly what the reference holds."""
    numeric = {name: np.asarray(features[name], dtype=float) for name in spec.monitored_numeric}
    categorical = {name: np.asarray(features[name], dtype=object) for name in spec.categorical}
    rows = [
        {**{k: float(v[i]) for k, v in numeric.items()}, **{k: str(v[i]) for k, v in categorical.items()}}
        for i in range(len(scores))
    ]
    outputs = [
        {"score": float(s), "decision": "review" if a else "approve"}
        for s, a in zip(scores, alerts, strict=True)
    ]
    return rows, outputs
