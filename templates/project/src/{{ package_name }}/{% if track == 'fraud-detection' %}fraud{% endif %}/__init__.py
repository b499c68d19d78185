"""Fraud detection: card-transaction scoring with a cost-based review threshold."""
