"""Retrievers over chunks: lexical fusion (default), BM25, TF-IDF baselines, and optional dense
and hybrid modes.

``fusion`` ranks by BM25 over words plus TF-IDF over character n-grams, each score divided by its
best for the question (``retrieval.char_weight`` weighs the second). Every retriever scores all
chunks for a question; :class:`SearchIndex` keeps the chunks, their sentences, term weights and
the calibrated refusal threshold next to the retriever so that answering needs nothing else. The
dense and hybrid modes need the ``dense`` extra and import it only when used.

Support, the number compared with the refusal threshold, is normalised so that it means the same
on any corpus and for any question length: BM25, TF-IDF and fusion support are defined in
``text.lexical``; dense and hybrid support is the dense cosine similarity of the best chunk. An
index built with ``refuse_unknown_names`` gives support 0 to a question that names something no
chunk mentions (``text.lexical.unknown_names``): "Can I use a YubiKey?" on documents that never
name one.

Fitting runs in this process whatever the engine: BM25 and TF-IDF need the term statistics of the
whole corpus at once, and the fitted index is one object that answering loads whole. Only the
dense embeddings, computed chunk by chunk, are spread over the engine (:func:`embed_all`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import numpy as np

from ..engine import current
from ..errors import PipelineError
from ..text.embeddings import load_encoder
from ..text.lexical import (
    BM25Retriever,
    FusedRetriever,
    FusionMethod,
    TfidfRetriever,
    document_frequencies,
    unknown_names,
)
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


# Chunks per embedding task. Fixed, not sized to the engine, so that every engine hands the
# encoder the same batches and gets the same vectors; a corpus of up to this many chunks is
# embedded in one call, in this process or on one worker.
EMBED_BATCH = 1024
DENSE_SETTING = "retrieval.kind 'dense' and 'hybrid'"
# One encoder per model per process (this one, or a Dask worker's), loaded on first use and kept
# for every batch after. The lock lets one thread at a time encode (a tokenizer shared between
# threads can fail), so a worker process embeds one batch at a time.
_ENCODERS: dict[str, Any] = {}
_ENCODER_LOCK = threading.Lock()


def _encoder(model: str) -> Any:
    with _ENCODER_LOCK:
        if model not in _ENCODERS:
            _ENCODERS[model] = load_encoder(model, DENSE_SETTING)
        return _ENCODERS[model]


def embed(model: str, texts: list[str]) -> np.ndarray:
    """Normalised embeddings of ``texts``, one row each, with this process's encoder."""
    encoder = _encoder(model)
    with _ENCODER_LOCK:
        vectors = encoder.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def embed_all(model: str, texts: list[str]) -> np.ndarray:
    """:func:`embed` over batches of :data:`EMBED_BATCH` texts mapped with the step's engine (on
    Dask, each worker loads the encoder once and embeds its batches), stacked in order."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    parts = [texts[i : i + EMBED_BATCH] for i in range(0, len(texts), EMBED_BATCH)]
    vectors = current().map(partial(embed, model), parts, what=f"embedding {len(texts):,} chunks")
    return np.concatenate(vectors, axis=0)


class DenseRetriever:
    """Cosine similarity of sentence embeddings. The index keeps the vectors, not the encoder: that is
    loaded once per process on first use (:func:`embed`)."""

    kind = "dense"

    def __init__(self, model: str) -> None:
        self.model = model
        self._embeddings: np.ndarray | None = None

    def fit(self, texts: list[str]) -> None:
        self._embeddings = embed_all(self.model, texts)

    def scores(self, query: str) -> np.ndarray:
        if self._embeddings is None:
            raise PipelineError("the dense retriever has no embeddings; build the index first")
        return self._embeddings @ embed(self.model, [query])[0]

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
    kind: str,
    *,
    k1: float = 1.5,
    b: float = 0.9,
    dense_model: str = "",
    rrf_k: int = 60,
    fusion: FusionMethod = "score",
    char_weight: float = 0.5,
    char_ngrams: tuple[int, int] = (2, 4),
) -> Retriever:
    """A fresh retriever of ``kind``."""
    factories: dict[str, Callable[[], Retriever]] = {
        "fusion": lambda: FusedRetriever(
            [BM25Retriever(k1, b), TfidfRetriever("char", char_ngrams)], [1.0, char_weight], fusion, rrf_k
        ),
        "bm25": lambda: BM25Retriever(k1, b),
        "tfidf": lambda: TfidfRetriever("shared"),
        "tfidf-sklearn": lambda: TfidfRetriever("sklearn"),
        "tfidf-char": lambda: TfidfRetriever("char", char_ngrams),
        "dense": lambda: DenseRetriever(dense_model),
        "hybrid": lambda: HybridRetriever(BM25Retriever(k1, b), DenseRetriever(dense_model), rrf_k),
    }
    if kind not in factories:
        raise PipelineError(f"unknown retriever kind {kind!r}; use one of {', '.join(factories)}")
    return factories[kind]()


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk."""

    index: int
    chunk: Chunk
    score: float


@dataclass(frozen=True)
class Ranked:
    """Chunks for a question, best first, the support behind the best one, and the names in the
    question that no chunk mentions."""

    hits: list[Hit]
    support: float
    unknown: tuple[str, ...] = ()


@dataclass
class SearchIndex:
    """A fitted retriever with its chunks, their sentences and the term weights used to answer."""

    retriever: Retriever
    chunks: list[Chunk]
    idf: dict[str, float] = field(default_factory=dict)
    sentences: list[list[tuple[int, int, tuple[str, ...]]]] = field(default_factory=list)
    min_support: float = 0.0
    calibration: dict[str, Any] = field(default_factory=dict)
    refuse_unknown_names: bool = False

    @classmethod
    def build(
        cls, retriever: Retriever, chunks: list[Chunk], *, refuse_unknown_names: bool = False
    ) -> SearchIndex:
        """Fit ``retriever`` on ``chunks`` and precompute sentences and term weights."""
        if not chunks:
            raise PipelineError("the corpus has no chunks to index; add documents to corpus.path")
        retriever.fit([c.index_text() for c in chunks])
        sentences = [
            [(a, b, tuple(sorted(set(tokenize(chunk.text[a:b]))))) for a, b in sentence_spans(chunk.text)]
            for chunk in chunks
        ]
        idf, _ = document_frequencies([tokenize(c.index_text()) for c in chunks])
        return cls(retriever, chunks, idf, sentences, refuse_unknown_names=refuse_unknown_names)

    def calibrated(self, min_support: float, calibration: dict[str, Any]) -> SearchIndex:
        """This index with its refusal threshold and how it was chosen."""
        self.min_support, self.calibration = min_support, dict(calibration)
        return self

    @property
    def calibrated_here(self) -> bool:
        """Whether this index carries a refusal threshold of its own (older releases saved none)."""
        return "min_support" in vars(self)

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
        unknown = tuple(unknown_names(query, self.idf)) if self.refuse_unknown_names else ()
        support = 0.0 if unknown else self.retriever.support(query, scores)
        return Ranked(hits, support, unknown)
