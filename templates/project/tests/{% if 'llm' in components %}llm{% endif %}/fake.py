"""A fake OpenAI-compatible endpoint on 127.0.0.1 for tests: no network, no key."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


class FakeEndpoint:
    """Records requests; answers with whatever ``reply`` returns (status, JSON)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.reply: Reply = lambda body: (200, completion("ok"))
        self.delay_s = 0.0


def completion(
    text: str | None,
    prompt_tokens: int = 120,
    completion_tokens: int = 12,
    tool_calls: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A chat.completion body with ``text`` (and ``tool_calls``) as the assistant's message."""
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    return {
        "id": "cmpl-1",
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


@contextmanager
def serving() -> Iterator[tuple[FakeEndpoint, str]]:
    """Run a fake endpoint; yields it and its base URL (``http://127.0.0.1:PORT/v1``)."""
    fake = FakeEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length))
            fake.requests.append(body)
            fake.headers.append(dict(self.headers))
            if fake.delay_s:
                time.sleep(fake.delay_s)
            status, payload = fake.reply(body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
