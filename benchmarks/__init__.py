"""Benchmark scripts; ``benchlib`` is also used by the end-to-end tests to serve a project."""
