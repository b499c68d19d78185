"""Lexical ranking over short texts: Okapi BM25, TF-IDF and their fusion, with a support score
in [0, 1].

Support is normalised so that it means the same on any collection and for any query length:

- BM25: the top score divided by the most the query could score, the sum over its distinct terms
  of ``idf * (k1 + 1)`` (a term the collection never uses counts at the highest idf): the share of
  the query's attainable evidence that the best text holds.
- TF-IDF (words or character n-grams): the idf-weighted share of the query's distinct terms that
  the best text contains (unknown terms at the highest idf).
- Fusion: the support of its first retriever.

:func:`unknown_names` lists the names in a query (``YubiKey``, ``Japan``) that no text of the
collection uses: a question about something the collection never mentions.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal, Protocol

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .tokens import names, tokenize


def max_idf(n_docs: int) -> float:
    """The idf of a term no chunk contains (the Lucene BM25 idf at document frequency 0)."""
    return math.log(1 + (n_docs + 0.5) / 0.5)


def document_frequencies(tokens: list[list[str]]) -> tuple[dict[str, float], int]:
    """The Lucene BM25 idf of every term in the tokenised chunks, and the number of chunks."""
    frequency: Counter[str] = Counter()
    for doc in tokens:
        frequency.update(set(doc))
    n = len(tokens)
    return {term: math.log(1 + (n - df + 0.5) / (df + 0.5)) for term, df in sorted(frequency.items())}, n


def coverage(query: list[str], chunk_terms: set[str], idf: dict[str, float], n_docs: int) -> float:
    """The idf-weighted share of the query's distinct terms that ``chunk_terms`` contains."""
    terms = sorted(set(query))
    if not terms:
        return 0.0
    unseen = max_idf(n_docs)
    total = sum(idf.get(t, unseen) for t in terms)
    return sum(idf.get(t, unseen) for t in terms if t in chunk_terms) / total


def unknown_names(query: str, vocabulary: set[str] | dict[str, float]) -> list[str]:
    """The names in ``query`` (see ``tokens.names``) none of whose tokens ``vocabulary`` holds."""
    found = []
    for name in names(query):
        terms = tokenize(name)
        if terms and not any(t in vocabulary for t in terms):
            found.append(name)
    return found


class LexicalRetriever(Protocol):
    """What fusion needs of a retriever: fitting, one score per text, normalised support."""

    kind: str

    def fit(self, texts: list[str]) -> None:
        """Index the texts."""

    def scores(self, query: str) -> np.ndarray:
        """One score per indexed text (higher is more relevant; 0 for no match)."""

    def support(self, query: str, scores: np.ndarray) -> float:
        """How strongly the collection supports an answer, in [0, 1]."""


class BM25Retriever:
    """Okapi BM25 (``bm25s``) over stemmed, stopword-free tokens."""

    kind = "bm25"

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._bm25: Any = None
        self._idf: dict[str, float] = {}
        self._n = 0

    def fit(self, texts: list[str]) -> None:
        import bm25s
        from bm25s.tokenization import Tokenized

        # A sorted vocabulary keeps the saved index byte-identical from one run to the next.
        tokens = [tokenize(t) for t in texts]
        vocab = {term: n for n, term in enumerate(sorted({t for doc in tokens for t in doc} | {""}))}
        ids = [[vocab[t] for t in doc] or [vocab[""]] for doc in tokens]
        self._bm25 = bm25s.BM25(k1=self.k1, b=self.b)
        self._bm25.index(Tokenized(ids=ids, vocab=vocab), show_progress=False)
        self._idf, self._n = document_frequencies(tokens)

    def scores(self, query: str) -> np.ndarray:
        # Distinct terms: a repeated word neither adds evidence nor raises the attainable maximum.
        tokens = sorted(set(tokenize(query)))
        if not tokens:
            return np.zeros(self._bm25.scores["num_docs"], dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def attainable(self, query: str) -> float:
        """The highest BM25 score any chunk could reach for ``query``."""
        unseen = max_idf(self._n)
        return sum(self._idf.get(t, unseen) * (self.k1 + 1) for t in set(tokenize(query)))

    def support(self, query: str, scores: np.ndarray) -> float:
        bound = self.attainable(query)
        return float(scores.max()) / bound if scores.size and bound > 0 else 0.0


TFIDF_KINDS = {"shared": "tfidf", "sklearn": "tfidf-sklearn", "char": "tfidf-char"}


class TfidfRetriever:
    """TF-IDF cosine similarity: the simple baseline, or character n-grams for fusion.

    ``tokenizer="shared"`` uses the tokenizer BM25 uses (stemmed, stopwords dropped), so that the
    comparison is between ranking functions, not text processing; ``"sklearn"`` keeps
    scikit-learn's default word pattern, reported for reference; ``"char"`` uses character
    n-grams within words (sublinear term frequency), which match inflections and compounds that
    whole words miss (``relabel`` and ``label``).
    """

    def __init__(self, tokenizer: str = "shared", ngrams: tuple[int, int] = (2, 4)) -> None:
        if tokenizer not in TFIDF_KINDS:
            raise ValueError(f"unknown tokenizer {tokenizer!r}; use one of {sorted(TFIDF_KINDS)}")
        self.tokenizer = tokenizer
        self.kind = TFIDF_KINDS[tokenizer]
        if tokenizer == "shared":
            self._vectorizer = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None)
        elif tokenizer == "char":
            self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=ngrams, sublinear_tf=True)
        else:
            self._vectorizer = TfidfVectorizer()
        self._matrix: Any = None
        self._terms: list[set[str]] = []
        self._idf: dict[str, float] = {}
        self._n = 0

    def fit(self, texts: list[str]) -> None:
        self._matrix = self._vectorizer.fit_transform(texts)
        tokens = [tokenize(t) for t in texts]
        self._terms = [set(doc) for doc in tokens]
        self._idf, self._n = document_frequencies(tokens)

    def scores(self, query: str) -> np.ndarray:
        vector = self._vectorizer.transform([query])
        return np.asarray((self._matrix @ vector.T).toarray()).ravel().astype(np.float32)

    def support(self, query: str, scores: np.ndarray) -> float:
        if not scores.size or float(scores.max()) <= 0:
            return 0.0
        best = int(np.argmax(scores))
        return coverage(tokenize(query), self._terms[best], self._idf, self._n)


FusionMethod = Literal["score", "rank"]


class FusedRetriever:
    """Several lexical rankings combined into one, each with a weight.

    ``method="score"`` adds each retriever's scores divided by its best score for the query (so
    each contributes at most its weight); ``"rank"`` is reciprocal-rank fusion, adding
    ``weight / (rrf_k + rank)`` for every text a retriever scores above 0. A text no retriever
    matches scores 0. Support is the first retriever's.
    """

    kind = "fusion"

    def __init__(
        self,
        parts: Sequence[LexicalRetriever],
        weights: Sequence[float] | None = None,
        method: FusionMethod = "score",
        rrf_k: int = 60,
    ) -> None:
        if not parts:
            raise ValueError("fusion needs at least one retriever")
        self.parts = list(parts)
        self.weights = [1.0] * len(self.parts) if weights is None else [float(w) for w in weights]
        if len(self.weights) != len(self.parts):
            raise ValueError(f"{len(self.weights)} weights for {len(self.parts)} retrievers")
        self.method, self.rrf_k = method, rrf_k

    def fit(self, texts: list[str]) -> None:
        for part in self.parts:
            part.fit(texts)

    def scores(self, query: str) -> np.ndarray:
        runs = [np.asarray(part.scores(query), dtype=np.float64) for part in self.parts]
        fused = np.zeros(runs[0].size, dtype=np.float64)
        for weight, values in zip(self.weights, runs, strict=True):
            matched = values > 0
            if not matched.any():
                continue
            if self.method == "score":
                fused += weight * np.where(matched, values / values.max(), 0.0)
            else:
                ranks = np.empty(values.size, dtype=np.float64)
                ranks[np.argsort(-values, kind="stable")] = np.arange(1, values.size + 1)
                fused += weight * np.where(matched, 1.0 / (self.rrf_k + ranks), 0.0)
        return fused.astype(np.float32)

    def support(self, query: str, scores: np.ndarray) -> float:
        return self.parts[0].support(query, self.parts[0].scores(query))
