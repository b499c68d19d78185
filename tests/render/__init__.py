"""Render tests: every file in examples/ renders cleanly to the expected file set."""
