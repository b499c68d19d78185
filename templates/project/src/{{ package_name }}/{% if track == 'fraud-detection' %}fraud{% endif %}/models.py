"""Model wrappers: the candidate, two baselines, and the scorer that serves them.

The scorer carries the feature spec, the fitted decision policies and, for reasons, each feature's
reference value (training medians and most common levels): aggregates only, never transactions.
Customer history comes from the live state (see ``state``), not from the artifact.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ..errors import PipelineError
from .config import ModelConfig
from .features import Events, FeatureSpec, compute, to_matrix
from .policy import Policy, PolicyKind

TOP_REASONS = 3
# The feature format a scorer was built with; bumped whenever features change meaning or order.
FEATURES_VERSION = 2


class Classifier(Protocol):
    """What the scorer needs from an estimator."""

    def fit(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> Any: ...

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...


class RulesBaseline:
    """What a fraud team writes before any model: points for well-known red flags."""

    def __init__(self, spec: FeatureSpec) -> None:
        self.spec = spec

    def fit(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> RulesBaseline:
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


def fit_weighted(estimator: Classifier, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None) -> None:
    """Fit ``estimator``; with ``weights`` each row counts as much as its weight, in every step of
    a pipeline (the scaler's statistics too).

    A weighted pipeline's steps before the model learn their statistics ``FIT_CHUNK`` rows at a
    time (``partial_fit``): weighted statistics over the whole matrix at once would take two more
    matrices of its size."""
    if weights is None:
        estimator.fit(x, y)
    elif isinstance(estimator, Pipeline):
        for _, step in estimator.steps[:-1]:
            for low in range(0, len(x), FIT_CHUNK):
                step.partial_fit(x[low : low + FIT_CHUNK], sample_weight=weights[low : low + FIT_CHUNK])
            x = step.transform(x)
        estimator.steps[-1][1].fit(x, y, sample_weight=weights)
    else:
        estimator.fit(x, y, sample_weight=weights)


FIT_CHUNK = 50_000


@dataclass(frozen=True)
class Reason:
    """One feature's contribution to a score (probability points, or log-odds for lightgbm)."""

    feature: str
    value: str
    contribution: float

    def text(self) -> str:
        """``feature=value (+0.123)``."""
        return f"{self.feature}={self.value} ({self.contribution:+.3f})"


class Forest:
    """A fitted binary ``HistGradientBoostingClassifier``'s trees as flat arrays, walked for all
    trees at once: a request's few rows score without the per-call input checks and per-tree
    calls of ``predict_proba``, which cost most of a millisecond whatever the size.

    Built from the estimator's fitted trees, and used only after it reproduces
    ``predict_proba`` on sample rows (to 1e-12); otherwise :meth:`of` gives None.
    """

    def __init__(self, estimator: Any) -> None:
        trees = [iteration[0].nodes for iteration in estimator._predictors]
        sizes = np.array([len(t) for t in trees])
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        nodes = np.concatenate(trees)
        shift = np.repeat(offsets, sizes)
        if nodes["is_categorical"].any():
            raise ValueError("categorical splits are not supported")
        self.roots = offsets.astype(np.int64)
        self.feature = nodes["feature_idx"].astype(np.int64)
        self.threshold = nodes["num_threshold"].astype(float)
        self.missing_left = nodes["missing_go_to_left"].astype(bool)
        self.left = nodes["left"].astype(np.int64) + shift
        self.right = nodes["right"].astype(np.int64) + shift
        self.leaf = nodes["is_leaf"].astype(bool)
        self.value = nodes["value"].astype(float)
        self.depth = int(nodes["depth"].max()) + 1
        self.baseline = float(np.asarray(estimator._baseline_prediction).ravel()[0])

    @classmethod
    def of(cls, estimator: Any, sample: np.ndarray) -> Forest | None:
        """The flat form of ``estimator``, if it is one and reproduces its own predictions."""
        if type(estimator).__name__ != "HistGradientBoostingClassifier":
            return None
        try:
            forest = cls(estimator)
            if getattr(estimator, "n_trees_per_iteration_", 1) != 1:
                return None
            expected = estimator.predict_proba(sample)[:, 1]
        except (AttributeError, KeyError, IndexError, TypeError, ValueError):
            return None
        same = np.allclose(forest.proba(sample), expected, rtol=0, atol=1e-12)
        return forest if same else None

    def proba(self, x: np.ndarray) -> np.ndarray:
        """Fraud probability of each row of ``x``."""
        rows = np.arange(x.shape[0])[:, None]
        node = np.broadcast_to(self.roots, (x.shape[0], self.roots.size)).copy()
        for _ in range(self.depth):
            inner = ~self.leaf[node]
            if not inner.any():
                break
            value = x[rows, self.feature[node]]
            left = np.where(np.isnan(value), self.missing_left[node], value <= self.threshold[node])
            node = np.where(inner, np.where(left, self.left[node], self.right[node]), node)
        raw = self.baseline + self.value[node].sum(axis=1)
        return np.asarray(1.0 / (1.0 + np.exp(-raw)), dtype=float)


_FOREST_ROWS = 16  # requests up to this size take the flat path; batches use the estimator
_forests: weakref.WeakKeyDictionary[Any, Forest | None] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Fitted:
    """A fitted estimator that scores built features, before it has decision policies."""

    estimator: Classifier
    spec: FeatureSpec

    def score_features(self, features: Mapping[str, Any]) -> np.ndarray:
        """Fraud probability of each row."""
        return np.asarray(self.estimator.predict_proba(to_matrix(self.spec, features))[:, 1], dtype=float)


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
        self.features_version = FEATURES_VERSION

    @property
    def threshold(self) -> float:
        """The score cut of the threshold policy (reports)."""
        return self.policies["threshold"].threshold

    def features(self, frame: Mapping[str, Any], keys: Any, history: Events) -> dict[str, np.ndarray]:
        """Features of ``frame``'s rows, given the customers' known history."""
        return compute(self.spec, frame, keys, history)

    def score_features(self, features: Mapping[str, Any]) -> np.ndarray:
        """Fraud probability for already-built features (a request's few rows: see ``Forest``)."""
        x = to_matrix(self.spec, features)
        if x.shape[0] <= _FOREST_ROWS:
            forest = self._forest()
            if forest is not None:
                return forest.proba(x)
        return np.asarray(self.estimator.predict_proba(x)[:, 1], dtype=float)

    def _forest(self) -> Forest | None:
        try:
            return _forests[self.estimator]
        except KeyError:
            pass
        sample = None
        if self.reference is not None:
            # Rows around the typical transaction, spread across both sides of every split.
            rng = np.random.default_rng(0)
            spread = rng.normal(0.0, 1.0, (256, self.reference.size)) * (np.abs(self.reference) + 1.0)
            sample = self.reference[None, :] + spread
            sample[::7, 0] = np.nan
        forest = Forest.of(self.estimator, sample) if sample is not None else None
        _forests[self.estimator] = forest
        return forest

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


def compatible(bundle: Any) -> FraudScorer:
    """The bundle's scorer, if this release's features can score it; else an error that names the
    cause (a model built by an earlier release) and the fix."""
    scorer = bundle.get("scorer") if isinstance(bundle, Mapping) else None
    state = vars(scorer) if scorer is not None and hasattr(scorer, "__dict__") else {}
    built = state.get("features_version")
    problem = None
    if not isinstance(scorer, FraudScorer) or built is None:
        problem = f"built by an earlier release, before feature format {FEATURES_VERSION}"
    elif built != FEATURES_VERSION:
        problem = f"built with feature format {built}; this release computes format {FEATURES_VERSION}"
    else:
        width = len(scorer.spec.matrix_columns)
        expected = getattr(scorer.estimator, "n_features_in_", width)
        if expected != width:
            problem = f"its estimator expects {expected} feature columns, its feature spec gives {width}"
    if problem is not None or not isinstance(scorer, FraudScorer):
        raise PipelineError(
            f"the champion predates this release's features ({problem}), so they cannot score it. "
            "Fix: promote the retrained candidate once with gate.on_incomparable_champion: ignore "
            "(`make evaluate`), then set it back to refuse"
        )
    return scorer


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
