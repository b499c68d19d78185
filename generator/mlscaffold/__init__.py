"""mlscaffold: create production-style ML repositories from one Copier template.

The command line is the main interface (``mlscaffold new``, ``tracks``, ``audit``, ``update``).
The public Python surface is this version string and the exceptions in :mod:`mlscaffold.errors`.
"""

__version__ = "0.4.0"
