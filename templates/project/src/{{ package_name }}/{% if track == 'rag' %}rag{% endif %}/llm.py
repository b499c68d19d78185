"""An answer provider backed by any OpenAI-compatible chat-completions endpoint.

The HTTP client (environment, timeout, retries, token counts, cost) is the shared ``llm``
component; this module turns the retrieved chunks into the prompt, where they are quoted data,
never instructions, and parses the cited sentences of the reply.
"""

from __future__ import annotations

from typing import Any

import httpx

from ..llm.client import OpenAIClient, OpenAIConfig
from .answering import Draft, ExtractiveProvider, Provider, build_messages, parse_cited_text
from .config import AnsweringConfig
from .retrieval import Hit, SearchIndex


class OpenAIProvider:
    """Cited answers from a chat-completions endpoint."""

    name = "openai"

    def __init__(self, client: OpenAIClient) -> None:
        self.client = client

    @classmethod
    def connect(
        cls,
        cfg: OpenAIConfig,
        *,
        base_url: str,
        model: str,
        api_key: str,
        transport: httpx.BaseTransport | None = None,
    ) -> OpenAIProvider:
        """A provider for the endpoint at ``base_url``."""
        return cls(OpenAIClient(cfg, base_url=base_url, model=model, api_key=api_key, transport=transport))

    @classmethod
    def from_env(cls, cfg: OpenAIConfig) -> OpenAIProvider:
        """Build the provider from the environment; a missing key or model is a clear error."""
        return cls(OpenAIClient.from_env(cfg))

    def close(self) -> None:
        """Release the connection pool."""
        self.client.close()

    def complete(self, messages: list[dict[str, Any]]) -> tuple[str, float]:
        """One chat completion's text and its estimated cost (used to draft golden questions)."""
        done = self.client.complete(messages)
        return done.text, done.cost_usd

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        """Ask the model; parse its cited sentences, token counts and cost."""
        done = self.client.complete(build_messages(question, hits))
        draft = parse_cited_text(done.text, len(hits))
        return Draft(draft.sentences, draft.refused, done.input_tokens, done.output_tokens, done.cost_usd)


def make_provider(cfg: AnsweringConfig, index: SearchIndex) -> Provider:
    """The answer provider the config names."""
    if cfg.provider == "openai":
        return OpenAIProvider.from_env(cfg.openai)
    return ExtractiveProvider(index, cfg.max_sentences)
