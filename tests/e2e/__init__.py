"""End-to-end tests: generated projects pass their own setup, lint, typecheck and tests."""
