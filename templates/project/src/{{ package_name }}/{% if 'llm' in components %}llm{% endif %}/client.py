"""A client for any OpenAI-compatible chat-completions endpoint.

The base URL, model name and API key come from the environment (names set in the config). Calls
have a timeout and a bounded number of retries (on timeouts, connection errors, 429 and 5xx);
token counts come from the response and cost is estimated from the configured prices. Function
calling is supported: ``tools`` are sent as given, and the reply's tool calls are returned
unparsed, for the caller to validate against its own schemas.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import Field

from ..errors import ProjectError
from ..settings import ConfigError, StrictModel, secret

_RETRYABLE = {408, 409, 429, 500, 502, 503, 504}


class OpenAIConfig(StrictModel):
    """An OpenAI-compatible chat-completions endpoint; URL, model and key come from the environment."""

    base_url_env: str = "OPENAI_BASE_URL"
    model_env: str = "OPENAI_MODEL"
    api_key_env: str = "OPENAI_API_KEY"
    default_base_url: str = "https://api.openai.com/v1"
    timeout_s: float = Field(20.0, gt=0, le=300)
    max_retries: int = Field(2, ge=0, le=5)
    backoff_s: float = Field(0.5, ge=0, le=30)
    max_output_tokens: int = Field(300, ge=1, le=4096)
    temperature: float = Field(0.0, ge=0, le=2)
    input_price_per_1m: float = Field(0.15, ge=0, description="USD per million prompt tokens")
    output_price_per_1m: float = Field(0.60, ge=0, description="USD per million completion tokens")


class ProviderError(ProjectError):
    """The language-model endpoint failed or answered with something unusable."""


def cost_usd(cfg: OpenAIConfig, input_tokens: int, output_tokens: int) -> float:
    """Estimated cost of one call from the configured per-million-token prices."""
    return (input_tokens * cfg.input_price_per_1m + output_tokens * cfg.output_price_per_1m) / 1_000_000


@dataclass(frozen=True)
class Completion:
    """One chat completion: its text, the tool calls it asks for (raw), token counts and cost."""

    text: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class OpenAIClient:
    """Chat completions over HTTP with a timeout, bounded retries and cost accounting."""

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
    def from_env(cls, cfg: OpenAIConfig, setting: str = "answering.provider") -> OpenAIClient:
        """Build the client from the environment; a missing key or model is a clear error
        naming ``setting``, the configuration key that asked for the endpoint."""
        api_key = secret(cfg.api_key_env)
        model = os.environ.get(cfg.model_env)
        if not api_key:
            raise ConfigError(f"{setting} is 'openai' but {cfg.api_key_env} is not set in the environment")
        if not model:
            raise ConfigError(f"{setting} is 'openai' but {cfg.model_env} (the model name) is not set")
        base_url = os.environ.get(cfg.base_url_env) or cfg.default_base_url
        return cls(cfg, base_url=base_url, model=model, api_key=api_key)

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` to /chat/completions with retries; the decoded JSON reply."""
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

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
    ) -> Completion:
        """One chat completion of ``messages`` (offering ``tools`` for function calling)."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.cfg.temperature,
            "max_tokens": self.cfg.max_output_tokens,
        }
        if tools:
            body["tools"] = tools
        payload = self.post(body)
        try:
            message = payload["choices"][0]["message"]
            text = str(message.get("content") or "")
            calls = message.get("tool_calls") or []
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ProviderError("the language model response has no choices[0].message") from exc
        if not isinstance(calls, list) or not all(isinstance(c, dict) for c in calls):
            raise ProviderError("the language model response's tool_calls is not a list of objects")
        usage = payload.get("usage") or {}
        input_tokens = int(usage.get("prompt_tokens") or 0)
        output_tokens = int(usage.get("completion_tokens") or 0)
        return Completion(
            text.strip(),
            list(calls),
            input_tokens,
            output_tokens,
            cost_usd(self.cfg, input_tokens, output_tokens),
        )
