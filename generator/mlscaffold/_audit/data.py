"""Data checks: the data is validated against a declared schema."""

from __future__ import annotations

from mlscaffold._audit.probes import find
from mlscaffold._audit.selectors import SOURCE
from mlscaffold._audit.spec import CheckSpec

DATA_VALIDATION = CheckSpec(
    id="data-validation",
    title="Data validated against a schema",
    category="data",
    weight=2,
    fix="Declare the data schema once with pydantic (or pandera) in src/ and validate every "
    "file, batch and request against it.",
    probe=find(
        "pydantic, pandera or great_expectations import",
        SOURCE,
        r"^[ \t]*(?:from|import)[ \t]+(?:pydantic|pandera|great_expectations)\b",
    ),
)
"""The source imports a schema validation library."""
