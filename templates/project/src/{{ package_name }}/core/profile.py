"""A compact statistical profile of a table, for the data card and data-quality checks."""

from __future__ import annotations

import pandas as pd

from .results import ColumnProfile


def profile_columns(frame: pd.DataFrame) -> list[ColumnProfile]:
    """Per column: type, missing share, and range or most common values."""
    columns = []
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_bool_dtype(series):
            summary = f"{series.mean():.2%} true"
        elif pd.api.types.is_numeric_dtype(series):
            summary = f"min {series.min():.4g}, median {series.median():.4g}, max {series.max():.4g}"
        else:
            top = series.astype(str).value_counts().head(3)
            summary = f"{series.nunique()} distinct; top: " + ", ".join(
                f"{value} ({count / len(series):.0%})" for value, count in top.items()
            )
        columns.append(
            ColumnProfile(
                name=str(name),
                type=str(series.dtype),
                missing=round(float(series.isna().mean()), 4),
                summary=summary,
            )
        )
    return columns
