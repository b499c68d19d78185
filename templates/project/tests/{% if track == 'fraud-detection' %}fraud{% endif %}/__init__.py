"""Tests of the fraud-detection track."""
