"""Tests of the rag track."""
