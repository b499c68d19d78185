"""Tests for mlscaffold: unit (core and CLI), render (each example) and e2e (slow)."""
