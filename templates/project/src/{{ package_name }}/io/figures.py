"""Matplotlib, loaded on first use with a file-only backend, and one way to draw a PNG.

Importing pyplot costs about half a second; steps that draw nothing should not pay it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def pyplot() -> ModuleType:
    """``matplotlib.pyplot`` with the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@contextmanager
def figure(path: Path, size: tuple[float, float] = (6.0, 4.5)) -> Iterator[Axes]:
    """Axes to draw on; on exit the figure is laid out, saved to ``path`` as PNG and closed.

    The figure is closed even when drawing fails, so a long run never accumulates open figures.
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=size)
    try:
        yield ax
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)
