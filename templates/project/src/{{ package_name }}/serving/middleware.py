"""ASGI middleware: request ids, access logs, metrics, body-size and in-flight limits.

Written as plain ASGI (not ``BaseHTTPMiddleware``) so the per-request cost stays in microseconds.

A body over the limit is answered with 413 only after the rest of it has been read and thrown
away. Many clients (``urllib``, ``requests``) send the whole body before they read the answer; a
server that answers and closes with part of the body still unread makes the kernel reset the
connection, and such a client reports "connection reset" or "broken pipe" instead of the 413.
Reading is bounded by :data:`DRAIN_BYTES`, :data:`DRAIN_SECONDS` and by how many requests may
drain at once (``max_in_flight``); past any bound, or when the client waits for
``100 Continue`` (it has not sent the body), the 413 goes out at once with ``Connection: close``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .observability import Metrics

logger = logging.getLogger(__name__.rsplit(".", 1)[0])
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_UNLIMITED = {"/health", "/ready", "/metrics"}
# The most of a refused body read before answering. Mistakes (a whole batch file posted to the
# API, a payload a few times too large) fall well within it, and reading 16 MiB costs ~25 ms on
# loopback and ~1.3 s at 100 Mbit/s; a bigger body is more bandwidth than a refusal is worth.
DRAIN_BYTES = 16 * 1024 * 1024
# The longest a refused body is read for: enough for DRAIN_BYTES over a slow link.
DRAIN_SECONDS = 10.0
_CLOSE = (b"connection", b"close")


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]
) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class ServiceMiddleware:
    """Everything each request passes through before it reaches a route."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        routes: set[str],
        max_body_bytes: int,
        max_in_flight: int,
        drain_bytes: int = DRAIN_BYTES,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes
        self.max_body_bytes = max_body_bytes
        self.max_in_flight = max_in_flight
        self.drain_bytes = drain_bytes
        self.drain_seconds = drain_seconds
        self.in_flight = 0
        self.draining = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        supplied = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        path = scope["path"]
        route = path if path in self.routes else "other"
        id_header = (b"x-request-id", request_id.encode())
        status_box = [500]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], id_header]
            await send(message)

        try:
            if path not in _UNLIMITED:
                declared = headers.get(b"content-length")
                if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
                    self.metrics.rejected.labels("body_too_large").inc()
                    status_box[0] = 413
                    drained = (
                        declared.isdigit()
                        and int(declared) <= self.drain_bytes
                        and b"100-continue" not in headers.get(b"expect", b"").lower()
                        and await self._drain(receive, 0)
                    )
                    await _send_json(
                        send,
                        413,
                        {"detail": f"request body over {self.max_body_bytes} bytes"},
                        [id_header] if drained else [id_header, _CLOSE],
                    )
                    return
                if self.in_flight >= self.max_in_flight:
                    self.metrics.rejected.labels("overloaded").inc()
                    status_box[0] = 503
                    await _send_json(
                        send,
                        503,
                        {"detail": "server overloaded, retry shortly"},
                        [id_header, (b"retry-after", b"1")],
                    )
                    return
            self.in_flight += 1
            self.metrics.in_flight.inc()
            try:
                await self.app(scope, self._limited(receive), send_with_id)
            finally:
                self.in_flight -= 1
                self.metrics.in_flight.dec()
        finally:
            elapsed = time.perf_counter() - start
            self.metrics.requests.labels(scope["method"], route, str(status_box[0])).inc()
            self.metrics.latency.labels(scope["method"], route).observe(elapsed)
            if route not in _UNLIMITED:
                logger.info(
                    json.dumps(
                        {
                            "request_id": request_id,
                            "method": scope["method"],
                            "path": path,
                            "status": status_box[0],
                            "ms": round(elapsed * 1000, 2),
                        }
                    )
                )

    async def _drain(self, receive: Receive, received: int) -> bool:
        """Read and discard the rest of the body; True when all of it was read within the bounds.

        ``received`` counts the bytes already read. A client that is too slow, a body past
        ``drain_bytes`` or too many requests draining at once stop the reading early (False).
        """
        if self.draining >= self.max_in_flight:
            return False
        self.draining += 1
        try:
            async with asyncio.timeout(self.drain_seconds):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":
                        return False  # the client went away
                    received += len(message.get("body", b""))
                    if not message.get("more_body", False):
                        return True
                    if received > self.drain_bytes:
                        return False
        except TimeoutError:
            return False
        finally:
            self.draining -= 1

    def _limited(self, receive: Receive) -> Receive:
        """Count body bytes as they arrive, so a chunked body without a length is limited too."""
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    self.metrics.rejected.labels("body_too_large").inc()
                    drained = not message.get("more_body", False) or await self._drain(receive, seen)
                    raise HTTPException(
                        413,
                        f"request body over {self.max_body_bytes} bytes",
                        headers=None if drained else {"connection": "close"},
                    )
            return message

        return wrapped
