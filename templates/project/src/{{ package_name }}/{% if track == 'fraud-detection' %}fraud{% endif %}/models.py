"""Model wrappers: the candidate, two baselines, and the scorer that serves them.

The scorer carries the decision threshold and each customer's last 30 days of transactions, so
batch scoring and the API compute features exactly as training did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .config import ModelConfig
from .features import CATEGORICAL, MONITORED_NUMERIC, NUMERIC, assemble, behaviour, to_matrix, to_seconds
from .schema import INPUT_COLUMNS


class Classifier(Protocol):
    """What the scorer needs from an estimator."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> Any: ...

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...


class RulesBaseline:
    """What a fraud team writes before any model: points for well-known red flags."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> RulesBaseline:
        """Rules have nothing to learn."""
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Share of red flags raised, as a score in [0, 1]."""
        col = {name: x[:, i] for i, name in enumerate(NUMERIC)}
        flags = np.column_stack(
            [
                col["amount_ratio_to_mean_30d"] > 5,
                col["txn_count_1h"] >= 3,
                (col["new_merchant_30d"] > 0) & (col["distance_from_home_km"] > 300),
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


class FraudScorer:
    """A fitted estimator with its threshold and the serving history of every customer.

    Scoring a request joins each customer's stored history (plain numpy arrays, indexed by
    customer at load time) with the request's rows and runs the same feature code as training.
    """

    def __init__(self, estimator: Any, threshold: float, history: pd.DataFrame) -> None:
        self.estimator = estimator
        self.threshold = threshold
        self.history = history.loc[:, list(INPUT_COLUMNS)].reset_index(drop=True)
        self._index()

    def __getstate__(self) -> dict[str, Any]:
        return {"estimator": self.estimator, "threshold": self.threshold, "history": self.history}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._index()

    def _index(self) -> None:
        frame = self.history
        seconds = to_seconds(frame["timestamp"]) if len(frame) else np.zeros(0, dtype=np.int64)
        amount = frame["amount"].to_numpy(dtype=float)
        merchants = frame["merchant_id"].to_numpy(dtype=object)
        groups = frame.groupby("customer_id", sort=False).indices
        self._by_customer: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {
            str(customer): (seconds[rows], amount[rows], merchants[rows]) for customer, rows in groups.items()
        }

    def columns(self, frame: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Features of ``frame``'s rows (a DataFrame or a dict of columns) as named columns,
        using the stored history for each customer's earlier transactions."""
        seconds = to_seconds(frame["timestamp"])
        customers = np.asarray(frame["customer_id"], dtype=object)
        merchants = np.asarray(frame["merchant_id"], dtype=object)
        code = {customer: i for i, customer in enumerate(dict.fromkeys(customers))}
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=object))
        history = [(code[c], self._by_customer.get(str(c), empty)) for c in code]
        all_customers = np.concatenate(
            [np.full(h[0].size, i, dtype=np.int64) for i, h in history]
            + [np.array([code[c] for c in customers], dtype=np.int64)]
        )
        all_merchants = np.concatenate([h[2] for _, h in history] + [merchants])
        all_seconds = np.concatenate([h[0] for _, h in history] + [seconds])
        all_amount = np.concatenate([h[1] for _, h in history] + [np.asarray(frame["amount"], dtype=float)])
        pair_names = np.array([f"{c}|{m}" for c, m in zip(all_customers, all_merchants, strict=True)])
        pairs = np.unique(pair_names, return_inverse=True)[1].astype(np.int64)
        behavioural = behaviour(all_customers, pairs, all_seconds, all_amount)
        n = seconds.size
        return assemble(frame, seconds, {name: values[-n:] for name, values in behavioural.items()})

    def features(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Features of ``frame``'s rows as a DataFrame (for monitoring and reports)."""
        return pd.DataFrame(self.columns(frame), index=frame.index)

    def score_features(self, features: Mapping[str, Any]) -> np.ndarray:
        """Fraud probability for already-built features."""
        return np.asarray(self.estimator.predict_proba(to_matrix(features))[:, 1], dtype=float)

    def score(self, frame: Mapping[str, Any]) -> np.ndarray:
        """Fraud probability for each transaction in ``frame``."""
        return self.score_features(self.columns(frame))


def monitored(
    features: Mapping[str, Any], scores: np.ndarray, threshold: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per record, the monitored feature values and the model's output, as the prediction log keeps
    them: at full precision, so monitoring compares exactly what the reference holds."""
    numeric = {name: np.asarray(features[name], dtype=float) for name in MONITORED_NUMERIC}
    categorical = {name: np.asarray(features[name], dtype=object) for name in CATEGORICAL}
    rows = [
        {**{k: float(v[i]) for k, v in numeric.items()}, **{k: str(v[i]) for k, v in categorical.items()}}
        for i in range(len(scores))
    ]
    outputs = [{"score": float(s), "decision": "review" if s >= threshold else "approve"} for s in scores]
    return rows, outputs
