"""Serving checks: the app exposes health, readiness and metrics, and is load tested."""

from __future__ import annotations

import re

from mlscaffold._audit.probes import Result, any_of, exists, find
from mlscaffold._audit.repository import Repo
from mlscaffold._audit.selectors import MAKEFILE, SOURCE, Selector
from mlscaffold._audit.spec import CheckSpec

_APP = re.compile(r"\b(?:FastAPI|Flask|APIRouter|Blueprint|Starlette)\(")
ROUTES = ("/health", "/ready", "/metrics")
"""The routes a served model answers besides its predictions."""


def serving_routes(repo: Repo) -> Result:
    """The source builds a web app and names every route of :data:`ROUTES`.

    Args:
        repo: The audited repository.

    Returns:
        Pass with the app and each route's line, or the routes not found.
    """
    app = repo.first(SOURCE, _APP)
    if app is None:
        return False, "no FastAPI or Flask app found in Python source outside tests"
    found: list[str] = []
    missing: list[str] = []
    for route in ROUTES:
        hit = repo.first(SOURCE, re.compile(r"""["']""" + re.escape(route) + r"""["']"""))
        if hit is None:
            missing.append(route)
        else:
            found.append(f"{hit.where} {route}")
    if missing:
        return False, f"app at {app.where}, but no route string for {', '.join(missing)}"
    return True, f"app at {app.where}; " + ", ".join(found)


SERVING_ROUTES = CheckSpec(
    id="serving-routes",
    title="Serving health, readiness and metrics",
    category="serving",
    weight=2,
    fix="Serve the model with FastAPI and add GET /health (liveness), /ready (model loaded) and "
    "/metrics (Prometheus).",
    probe=serving_routes,
)
"""The service can be probed by an orchestrator and scraped by Prometheus."""

LOAD_TEST = CheckSpec(
    id="load-test",
    title="Load test",
    category="serving",
    weight=1,
    fix="Add a `loadtest` Makefile target (or a locust/k6 script) that reports p50/p95/p99 and "
    "throughput against 127.0.0.1.",
    probe=any_of(
        find("loadtest target", MAKEFILE, r"^load-?test[ \t]*:"),
        exists("load test script", "locustfile.py"),
        find(
            "locust, k6 or wrk use",
            Selector("scripts", ("*.py", "*.js", "*.sh")),
            r"^[ \t]*(?:from[ \t]+locust[ \t]+import|import[ \t]+locust\b)"
            r"|['\"]k6/http['\"]|\bk6 run\b|\bwrk[ \t]+-",
        ),
    ),
)
"""Latency and throughput are measured under load."""
