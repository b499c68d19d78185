"""Artifact checks: saved models carry a hash that loading verifies."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from mlscaffold._audit.probes import Result
from mlscaffold._audit.repository import Repo, hit_at
from mlscaffold._audit.selectors import SOURCE
from mlscaffold._audit.spec import CheckSpec

_SAVE_LOAD = re.compile(
    r"\b(?:joblib|pickle|cloudpickle|dill|torch|skops\.io)\.(?:dump|load|save)s?\("
    r"|\b(?:save_model|load_model|save_pretrained|from_pretrained)\("
)
# A hash computed or compared in code is better evidence than one named in a docstring.
_IN_CODE = re.compile(r"sha256\w*\(|[\"']sha256[\"']\s*[\]:]")


def artifact_manifest(repo: Repo) -> Result:
    """A source file that saves or loads a model also handles its sha256.

    Args:
        repo: The audited repository.

    Returns:
        Pass with the sha256 line (preferring code over prose), or what was not found.
    """
    for path in repo.select(SOURCE):
        text = repo.text(path)
        if text is None or not _SAVE_LOAD.search(text):
            continue
        found = _IN_CODE.search(text) or re.search(r"sha256", text)
        if found:
            return True, f"{hit_at(path, text, found.start())} (next to model save/load code)"
    for path in repo.files:
        if path.endswith(".dvc") or PurePosixPath(path).name == "dvc.lock":
            text = repo.text(path) or ""
            found = re.search(r"^[ \t-]*(?:md5|sha256|etag)\s*:", text, re.MULTILINE)
            if found:
                return True, f"{hit_at(path, text, found.start())} (DVC verifies on checkout)"
    return False, "no source file that saves or loads a model also computes a sha256"


ARTIFACT_MANIFEST = CheckSpec(
    id="artifact-manifest",
    title="Model artifacts hashed and verified",
    category="artifacts",
    weight=2,
    fix="Save each model with a manifest holding its sha256, and have loading recompute and "
    "compare the hash before unpickling.",
    probe=artifact_manifest,
)
"""A model file is checked against its recorded hash before it is unpickled."""
