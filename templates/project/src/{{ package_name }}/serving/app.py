"""The FastAPI application: shared endpoints and limits around the track's routes."""

from __future__ import annotations

import hmac
import logging
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Header, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from threadpoolctl import threadpool_limits

from .. import __version__
from ..config import Config
from ..plugin import TRACK
from ..settings import secret
from .holder import ModelHolder
from .middleware import ServiceMiddleware
from .observability import Metrics

logger = logging.getLogger(__name__.rsplit(".", 1)[0])


def create_app(cfg: Config) -> FastAPI:
    """Build the app; the model is loaded once, in the lifespan, not per request."""
    holder: ModelHolder[Any] = ModelHolder(lambda: TRACK.load_service(cfg))
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One request is a handful of rows: thread pools cost more than they save, and the
        # server already runs requests concurrently.
        threadpool_limits(1)
        try:
            holder.load()
        except Exception as exc:  # the service still starts: /ready reports why it is not ready
            logger.error("starting without a model: %s", exc)
        yield

    app = FastAPI(
        title=TRACK.title,
        version=__version__,
        description=TRACK.description,
        lifespan=lifespan,
    )
    app.state.holder = holder
    app.state.metrics = metrics
    app.state.config = cfg
    app.include_router(TRACK.router)

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Liveness: the process is up."""
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"])
    def ready() -> JSONResponse:
        """Readiness: a verified model is loaded."""
        if holder.service is None:
            return JSONResponse({"ready": False, "reason": holder.error or "starting"}, status_code=503)
        return JSONResponse({"ready": True, "model_version": holder.service.version})

    @app.get("/metrics", tags=["operations"])
    def prometheus() -> Response:
        """Prometheus metrics."""
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    @app.post("/admin/reload", tags=["operations"])
    def reload(x_admin_token: str | None = Header(default=None)) -> dict[str, Any]:
        """Reload the model from disk; on failure the current model keeps serving (409)."""
        expected = secret("ADMIN_TOKEN")
        if not expected:
            raise HTTPException(403, "reload is disabled: set ADMIN_TOKEN in the environment")
        # Constant time, so the response time does not reveal how much of a guess was right.
        if x_admin_token is None or not hmac.compare_digest(x_admin_token.encode(), expected.encode()):
            raise HTTPException(403, "invalid admin token")
        before = holder.service.version if holder.service is not None else None
        try:
            holder.load()
        except Exception as exc:
            raise HTTPException(409, f"reload failed, still serving {before}: {exc}") from exc
        return {"reloaded": True, "model_version": holder.service.version if holder.service else None}

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The offending input is not echoed back: it may be huge, or NaN (not JSON).
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s", request.url.path)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    route_paths = {getattr(route, "path", "") for route in [*app.routes, *TRACK.router.routes]}
    app.add_middleware(
        ServiceMiddleware,
        metrics=metrics,
        routes=route_paths,
        max_body_bytes=cfg.serving.max_body_bytes,
        max_in_flight=cfg.serving.max_in_flight,
    )
    return app


def serve(cfg: Config, host: str, port: int) -> None:
    """Run the app with uvicorn, one worker, until interrupted."""
    import uvicorn

    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(message)s")
    app = create_app(cfg)
    # uvicorn drains in-flight requests on SIGTERM, then re-raises the signal to whatever handler
    # was there before. With the default one the process would die of the signal after a clean
    # drain; this one lets it return, so a requested stop exits 0.
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        uvicorn.run(app, host=host, port=port, workers=1, access_log=False, timeout_graceful_shutdown=10)
    finally:
        signal.signal(signal.SIGTERM, previous)
