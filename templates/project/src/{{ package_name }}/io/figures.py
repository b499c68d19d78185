"""Matplotlib, loaded on first use with a file-only backend.

Importing pyplot costs about half a second; steps that draw nothing should not pay it.
"""

from __future__ import annotations

from types import ModuleType


def pyplot() -> ModuleType:
    """``matplotlib.pyplot`` with the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
