"""Prometheus metrics, one registry per application so several apps can live in one process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
SCORE_BUCKETS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)


class Metrics:
    """Request count, latency histogram, in-flight gauge and the prediction distribution."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Request latency",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge("http_requests_in_flight", "Requests being served", registry=self.registry)
        self.rejected = Counter(
            "http_requests_rejected_total", "Requests refused by a limit", ["reason"], registry=self.registry
        )
        self.predictions = Histogram(
            "model_prediction_score",
            "Distribution of the model's scores",
            buckets=SCORE_BUCKETS,
            registry=self.registry,
        )
        self.decisions = Counter(
            "model_decisions_total", "Decisions taken by the model", ["decision"], registry=self.registry
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
