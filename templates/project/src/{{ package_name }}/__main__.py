"""``python -m`` entry point."""

import sys

from .cli import main

# Guarded: Dask's local cluster starts its workers by importing the main module again.
if __name__ == "__main__":
    sys.exit(main())
