"""Orchestration: each pipeline step wires pure logic to files and artifacts."""
