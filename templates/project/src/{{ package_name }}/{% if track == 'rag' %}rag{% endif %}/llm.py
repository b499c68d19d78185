"""An answer provider backed by any OpenAI-compatible chat-completions endpoint.

The base URL, model name and API key come from the environment (names set in the config). Calls
have a timeout and a bounded number of retries (on timeouts, connection errors, 429 and 5xx);
token counts come from the response and cost is estimated from the configured prices.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx

from ..errors import ProjectError
from ..settings import ConfigError, secret
from .answering import Draft, ExtractiveProvider, Provider, build_messages, parse_cited_text
from .config import AnsweringConfig, OpenAIConfig
from .retrieval import Hit, SearchIndex

_RETRYABLE = {408, 409, 429, 500, 502, 503, 504}


class ProviderError(ProjectError):
    """The language-model endpoint failed or answered with something unusable."""


def cost_usd(cfg: OpenAIConfig, input_tokens: int, output_tokens: int) -> float:
    """Estimated cost of one call from the configured per-million-token prices."""
    return (input_tokens * cfg.input_price_per_1m + output_tokens * cfg.output_price_per_1m) / 1_000_000


class OpenAIProvider:
    """Chat completions over HTTP; retrieved text is sent as quoted data, never as instructions."""

    name = "openai"

    def __init__(
        self,
        cfg: OpenAIConfig,
        *,
        base_url: str,
        model: str,
        api_key: str,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.cfg = cfg
        self.model = model
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(cfg.timeout_s),
            headers={"authorization": f"Bearer {api_key}"},
            transport=transport,
        )

    @classmethod
    def from_env(cls, cfg: OpenAIConfig) -> OpenAIProvider:
        """Build the provider from the environment; a missing key or model is a clear error."""
        api_key = secret(cfg.api_key_env)
        model = os.environ.get(cfg.model_env)
        if not api_key:
            raise ConfigError(
                f"answering.provider is 'openai' but {cfg.api_key_env} is not set in the environment"
            )
        if not model:
            raise ConfigError(
                f"answering.provider is 'openai' but {cfg.model_env} (the model name) is not set"
            )
        base_url = os.environ.get(cfg.base_url_env) or cfg.default_base_url
        return cls(cfg, base_url=base_url, model=model, api_key=api_key)

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        attempts = self.cfg.max_retries + 1
        last = "no attempt made"
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.cfg.backoff_s * 2 ** (attempt - 1))
            try:
                response = self._client.post("/chat/completions", json=body)
            except httpx.TimeoutException:
                last = f"timed out after {self.cfg.timeout_s:g} s"
                continue
            except httpx.TransportError as exc:
                last = f"connection failed: {type(exc).__name__}"
                continue
            if response.status_code in _RETRYABLE:
                last = f"HTTP {response.status_code}"
                continue
            if response.status_code != 200:
                raise ProviderError(
                    "the language model endpoint refused the request: "
                    f"HTTP {response.status_code} {response.text[:200]}"
                )
            try:
                payload: dict[str, Any] = response.json()
            except ValueError as exc:
                raise ProviderError("the language model endpoint answered with invalid JSON") from exc
            return payload
        raise ProviderError(f"the language model endpoint failed after {attempts} attempt(s): {last}")

    def complete(self, messages: list[dict[str, str]]) -> tuple[str, float]:
        """One chat completion's text and its estimated cost (used to draft golden questions)."""
        payload = self._post(
            {
                "model": self.model,
                "messages": messages,
                "temperature": self.cfg.temperature,
                "max_tokens": self.cfg.max_output_tokens,
            }
        )
        try:
            text = str(payload["choices"][0]["message"]["content"] or "")
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderError("the language model response has no choices[0].message.content") from exc
        usage = payload.get("usage") or {}
        spent = cost_usd(
            self.cfg, int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        )
        return text.strip(), spent

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        """Ask the model; parse its cited sentences, token counts and cost."""
        body = {
            "model": self.model,
            "messages": build_messages(question, hits),
            "temperature": self.cfg.temperature,
            "max_tokens": self.cfg.max_output_tokens,
        }
        payload = self._post(body)
        try:
            text = str(payload["choices"][0]["message"]["content"] or "")
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderError("the language model response has no choices[0].message.content") from exc
        usage = payload.get("usage") or {}
        input_tokens = int(usage.get("prompt_tokens") or 0)
        output_tokens = int(usage.get("completion_tokens") or 0)
        draft = parse_cited_text(text, len(hits))
        return Draft(
            draft.sentences,
            draft.refused,
            input_tokens,
            output_tokens,
            cost_usd(self.cfg, input_tokens, output_tokens),
        )


def make_provider(cfg: AnsweringConfig, index: SearchIndex) -> Provider:
    """The answer provider the config names."""
    if cfg.provider == "openai":
        return OpenAIProvider.from_env(cfg.openai)
    return ExtractiveProvider(index, cfg.max_sentences)
