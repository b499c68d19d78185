"""Understanding a message: the intent model, its out-of-scope threshold and the keyword baseline.

The default model is offline: TF-IDF over word 1-2-grams and character 2-5-grams (robust to
typos), a logistic regression, and sigmoid-calibrated probabilities (scikit-learn). ``dense``
replaces the features with MiniLM sentence embeddings (the ``dense`` extra) and keeps the head.
Out-of-scope is caught two ways: trained ``out_of_scope`` examples, and a confidence threshold
chosen on the validation split (the best macro-F1 there); both are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import FeatureUnion, Pipeline

from ..text.embeddings import load_encoder
from .config import UnderstandingConfig
from .intents import OUT_OF_SCOPE


@dataclass(frozen=True)
class Understanding:
    """The model's reading of one message: the best intent, its probability and whether it is
    below the threshold (then the message counts as out of scope and low confidence)."""

    intent: str
    confidence: float
    low: bool

    @property
    def effective(self) -> str:
        """The intent acted on: out of scope when the confidence is below the threshold."""
        return OUT_OF_SCOPE if self.low else self.intent


class Understander(Protocol):
    """Anything that reads messages: the intent model or the keyword baseline."""

    kind: str
    threshold: float

    def understand(self, texts: list[str]) -> list[Understanding]:
        """One reading per message."""
        ...


class _Embedder:
    """Sentence embeddings from the packaged MiniLM model, as a scikit-learn transformer."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._encoder: Any = None

    def _load(self) -> Any:
        if self._encoder is None:
            self._encoder = load_encoder(self.model, "understanding.kind 'dense'")
        return self._encoder

    def fit(self, texts: list[str], y: Any = None) -> _Embedder:
        return self

    def transform(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self._load().encode(
                list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
            )
        )

    def __getstate__(self) -> dict[str, Any]:
        return {"model": self.model, "_encoder": None}


def features(cfg: UnderstandingConfig) -> Any:
    """The feature extractor ``understanding.kind`` names."""
    if cfg.kind == "dense":
        return _Embedder(cfg.dense_model)
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, lowercase=True
                ),
            ),
        ]
    )


class IntentModel:
    """Features, a calibrated logistic regression and the out-of-scope threshold."""

    def __init__(self, cfg: UnderstandingConfig, seed: int) -> None:
        self.kind: str = cfg.kind
        head = LogisticRegression(C=cfg.c, solver="newton-cg", max_iter=300, tol=1e-3, random_state=seed)
        calibrated = CalibratedClassifierCV(head, method="sigmoid", cv=cfg.calibration_folds)
        self.pipeline = Pipeline([("features", features(cfg)), ("classifier", calibrated)])
        self.threshold = 0.0
        self.threshold_rule = "not chosen"
        self.classes: list[str] = []

    def fit(self, texts: list[str], intents: list[str]) -> IntentModel:
        """Fit on labelled messages."""
        self.pipeline.fit(texts, intents)
        self.classes = [str(c) for c in self.pipeline.classes_]
        return self

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Calibrated probabilities, one column per intent in ``classes``."""
        return np.asarray(self.pipeline.predict_proba(texts))

    def understand(self, texts: list[str]) -> list[Understanding]:
        """The best intent of every message, its probability and whether it is below threshold."""
        if not texts:
            return []
        proba = self.probabilities(texts)
        best = proba.argmax(axis=1)
        return [
            Understanding(self.classes[int(b)], round(float(p[b]), 6), bool(p[b] < self.threshold))
            for p, b in zip(proba, best, strict=True)
        ]

    def choose_threshold(self, texts: list[str], intents: list[str], fixed: float | None) -> None:
        """The threshold: ``fixed``, or the one with the best macro-F1 on the validation split."""
        if fixed is not None:
            self.threshold, self.threshold_rule = fixed, "fixed by understanding.min_confidence"
            return
        if not texts:
            self.threshold, self.threshold_rule = 0.0, "no validation split: no threshold"
            return
        proba = self.probabilities(texts)
        best = proba.max(axis=1)
        labels = np.array(self.classes)[proba.argmax(axis=1)]
        candidates = np.unique(np.round(np.quantile(best, np.linspace(0, 0.6, 61)), 4))
        scores = []
        for t in [0.0, *candidates.tolist()]:
            predicted = np.where(best < t, OUT_OF_SCOPE, labels)
            scores.append((float(f1_score(intents, predicted, average="macro", zero_division=0)), -t, t))
        score, _, value = max(scores)
        self.threshold = float(value)
        self.threshold_rule = f"best macro-F1 on the validation split ({score:.3f} at {value:.3f})"


KEYWORDS: dict[str, list[str]] = {
    "order_status": ["where", "track", "tracking", "arrive", "status", "shipped", "delivery date", "late"],
    "cancel_order": ["cancel", "don't want", "stop"],
    "return_refund": ["return", "refund", "money back", "send back", "broken", "damaged"],
    "change_address": ["address", "moved", "redirect"],
    "payment_problem": ["payment", "charged", "charge", "card", "declined", "paid", "billing"],
    "reset_password": ["password", "log in", "login", "sign in", "locked"],
    "shipping_policy": ["shipping", "ship", "policy", "deliver", "carrier", "free"],
    "talk_to_human": ["human", "person", "agent", "someone", "representative", "manager"],
    "greeting": ["hi", "hello", "hey", "good morning"],
    "goodbye": ["bye", "thanks", "thank you"],
}


class KeywordRouter:
    """The simple baseline: the intent whose keywords appear most (first listed wins ties)."""

    kind = "keyword"
    threshold = 0.5

    def __init__(self, keywords: dict[str, list[str]] | None = None) -> None:
        self.keywords = keywords or KEYWORDS
        self._patterns = {
            intent: [re.compile(rf"\b{re.escape(k)}\b") for k in words]
            for intent, words in self.keywords.items()
        }

    def understand(self, texts: list[str]) -> list[Understanding]:
        """Keyword matches; no match is out of scope with confidence 0 (low)."""
        out = []
        for text in texts:
            lowered = text.lower()
            hits = {i: sum(bool(p.search(lowered)) for p in ps) for i, ps in self._patterns.items()}
            intent, count = max(hits.items(), key=lambda pair: pair[1])
            out.append(Understanding(intent, 1.0, False) if count else Understanding(OUT_OF_SCOPE, 0.0, True))
        return out
