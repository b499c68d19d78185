"""Unit tests: the core and the command line, offline and fast."""
