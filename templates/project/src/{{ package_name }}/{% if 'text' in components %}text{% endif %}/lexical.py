"""Lexical ranking over short texts: Okapi BM25 and TF-IDF, with a support score in [0, 1].

Support is normalised so that it means the same on any collection and for any query length:

- BM25: the top score divided by the most the query could score, the sum over its distinct terms
  of ``idf * (k1 + 1)`` (a term the collection never uses counts at the highest idf): the share of
  the query's attainable evidence that the best text holds.
- TF-IDF: the idf-weighted share of the query's distinct terms that the best text contains
  (unknown terms at the highest idf).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .tokens import tokenize


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


class TfidfRetriever:
    """TF-IDF cosine similarity: the simple baseline.

    ``tokenizer="shared"`` uses the tokenizer BM25 uses (stemmed, stopwords dropped), so that the
    comparison is between ranking functions, not text processing; ``"sklearn"`` keeps
    scikit-learn's default word pattern, reported for reference.
    """

    def __init__(self, tokenizer: str = "shared") -> None:
        self.tokenizer = tokenizer
        self.kind = "tfidf" if tokenizer == "shared" else "tfidf-sklearn"
        if tokenizer == "shared":
            self._vectorizer = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None)
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
