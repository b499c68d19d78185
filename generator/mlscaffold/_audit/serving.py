"""Serving checks: the app exposes health, readiness and metrics, and is load tested."""

from __future__ import annotations

import re

from mlscaffold._audit.probes import Result, any_of, exists, find
from mlscaffold._audit.repository import Repo
from mlscaffold._audit.selectors import SOURCE, Selector
from mlscaffold._audit.spec import CheckSpec
from mlscaffold._audit.tasks import task_index

_APP = re.compile(r"\b(?:FastAPI|Flask|APIRouter|Blueprint|Starlette|Litestar|Quart|Sanic)\(")
_BUILT_IN = re.compile(
    r"@bentoml\.(?:service|api)\b|\bbentoml\.Service\(|@serve\.deployment\b"
    r"|\bserve\.run\(|\bkserve\.(?:Model|ModelServer)\b|^[ \t]*from[ \t]+kserve[ \t]+import",
    re.MULTILINE,
)
_BUILT_IN_NOTE = {
    "bentoml": "BentoML serves /livez, /readyz and /metrics itself",
    "serve": "Ray Serve health-checks each replica and exports Prometheus metrics itself",
    "kserve": "KServe serves /v2/health/live, /v2/health/ready and /metrics itself",
}
ROUTES: dict[str, tuple[str, ...]] = {
    "/health": (
        "/health",
        "/health-check",
        "/healthz",
        "/livez",
        "/health/live",
        "/ping",
        "/v2/health/live",
    ),
    "/ready": ("/ready", "/readyz", "/health/ready", "/readiness", "/v2/health/ready"),
    "/metrics": ("/metrics",),
}
"""The routes a served model answers besides its predictions, each with its usual spellings."""
_METRICS_LIBRARIES = re.compile(
    r"\bInstrumentator\(|\bmake_asgi_app\(|\bmake_wsgi_app\(|\bPrometheusMetrics\("
    r"|\bstarlette_exporter\b|\bPrometheusMiddleware\b"
)


def serving_routes(repo: Repo) -> Result:
    """The source builds a web app answering health, readiness and metrics routes.

    Apps built with BentoML, Ray Serve or KServe pass on the framework's own endpoints.

    Args:
        repo: The audited repository.

    Returns:
        Pass with the app and each route's line, or the routes not found.
    """
    built_in = repo.first(SOURCE, _BUILT_IN)
    if built_in is not None:
        kind = (
            "bentoml"
            if "bentoml" in built_in.text
            else "kserve"
            if "kserve" in built_in.text
            else "serve"
        )
        return True, f"{built_in}; {_BUILT_IN_NOTE[kind]}"
    app = repo.first(SOURCE, _APP)
    if app is None:
        return False, (
            "no FastAPI, Flask, Litestar, BentoML, Ray Serve or KServe app found in Python source"
        )
    found: list[str] = []
    missing: list[str] = []
    for route, spellings in ROUTES.items():
        alternatives = "|".join(re.escape(s) for s in spellings)
        hit = repo.first(SOURCE, re.compile(r"""["'](?:""" + alternatives + r""")/?["']"""))
        if hit is None and route == "/metrics":
            hit = repo.first(SOURCE, _METRICS_LIBRARIES)
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
    fix="Serve the model (FastAPI, Flask, Litestar; or BentoML, Ray Serve, KServe) and add GET "
    "/health (liveness), /ready (model loaded) and /metrics (Prometheus).",
    probe=serving_routes,
)
"""The service can be probed by an orchestrator and scraped by Prometheus."""


def load_test_task(repo: Repo) -> Result:
    """A task of any runner is named for load testing (``loadtest``, ``load-test``, ``locust``).

    Args:
        repo: The audited repository.

    Returns:
        Pass with the task's definition line.
    """
    for tasks in task_index(repo).tasks.values():
        for task in tasks:
            if re.fullmatch(
                r"(?i)load[-_]?tests?|locust|perf(?:ormance)?[-_]?tests?|k6", task.name
            ):
                return True, f"{task.where}: {task.runner} task {task.name}"
    return False, "no loadtest task"


LOAD_TEST = CheckSpec(
    id="load-test",
    title="Load test",
    category="serving",
    weight=1,
    fix="Add a `loadtest` task (or a locust/k6 script) that reports p50/p95/p99 and "
    "throughput against 127.0.0.1.",
    probe=any_of(
        load_test_task,
        exists("load test script", "locustfile.py", under="*locustfile*.py"),
        find(
            "locust, k6 or wrk use",
            Selector("scripts", ("*.py", "*.js", "*.sh")),
            r"^[ \t]*(?:from[ \t]+locust[ \t]+import|import[ \t]+locust\b)"
            r"|['\"]k6/http['\"]|\bk6 run\b|\bwrk[ \t]+-",
        ),
    ),
)
"""Latency and throughput are measured under load."""
