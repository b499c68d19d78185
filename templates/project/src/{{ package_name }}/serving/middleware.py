"""ASGI middleware: request ids, access logs, metrics, body-size and in-flight limits.

Written as plain ASGI (not ``BaseHTTPMiddleware``) so the per-request cost stays in microseconds.
"""

from __future__ import annotations

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
        self, app: ASGIApp, *, metrics: Metrics, routes: set[str], max_body_bytes: int, max_in_flight: int
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes
        self.max_body_bytes = max_body_bytes
        self.max_in_flight = max_in_flight
        self.in_flight = 0

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
                    await _send_json(
                        send, 413, {"detail": f"request body over {self.max_body_bytes} bytes"}, [id_header]
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
                    raise HTTPException(413, f"request body over {self.max_body_bytes} bytes")
            return message

        return wrapped
