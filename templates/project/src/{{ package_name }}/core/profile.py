"""A compact statistical profile of a table, for the data card and data-quality checks."""

from __future__ import annotations

from typing import Any

import pandas as pd


def profile_columns(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Per column: type, missing share, and range or most common values."""
    columns = []
    for name in frame.columns:
        series = frame[name]
        entry: dict[str, Any] = {
            "name": name,
            "type": str(series.dtype),
            "missing": round(float(series.isna().mean()), 4),
        }
        if pd.api.types.is_bool_dtype(series):
            entry["summary"] = f"{series.mean():.2%} true"
        elif pd.api.types.is_numeric_dtype(series):
            entry["summary"] = f"min {series.min():.4g}, median {series.median():.4g}, max {series.max():.4g}"
        else:
            top = series.astype(str).value_counts().head(3)
            distinct = series.nunique()
            entry["summary"] = f"{distinct} distinct; top: " + ", ".join(
                f"{value} ({count / len(series):.0%})" for value, count in top.items()
            )
        columns.append(entry)
    return columns
