"""Model artifacts: saved with a manifest, loaded only after the manifest's hash checks out.

An artifact is a folder holding ``model.pkl`` and ``manifest.json``. The manifest records the
sha256 of the model file, the input schema, metrics, the training config, library versions and the
creation time. :func:`load_artifact` refuses a folder whose manifest is missing, names another
project or kind, or whose file does not match the recorded hash, before anything is unpickled;
the bytes that are hashed are the bytes that are unpickled. Standard pickle (C implementation)
loads a model several times faster than joblib's pure-Python unpickler.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
import shutil
import tempfile
from collections.abc import Sequence
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ..errors import ProjectError
from .files import sha256_file, write_json

_PACKAGE = __name__.split(".")[0]
FORMAT = f"{_PACKAGE}.artifact/v2"
MODEL_FILE = "model.pkl"
MANIFEST_FILE = "manifest.json"
# Libraries every model file depends on; a track adds its own (``Track.libraries``).
_LIBRARIES = ("numpy", "pandas", "scikit-learn", "scipy")


class ArtifactError(ProjectError):
    """An artifact is missing, foreign or has been modified since it was saved."""


def library_versions(extra: Sequence[str] = ()) -> dict[str, str]:
    """Versions of the libraries that shape a model file (the shared ones and ``extra``)."""
    found = {"python": platform.python_version()}
    for name in (*_LIBRARIES, *extra):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def save_artifact(
    directory: Path,
    obj: Any,
    *,
    kind: str,
    schema: dict[str, Any],
    metrics: dict[str, Any],
    config: dict[str, Any],
    extra: dict[str, Any] | None = None,
    libraries: Sequence[str] = (),
) -> dict[str, Any]:
    """Save ``obj`` with its manifest; the folder is replaced as a whole, never half-written."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        with (staging / MODEL_FILE).open("wb") as handle:
            pickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)
        digest = sha256_file(staging / MODEL_FILE)
        manifest = {
            "format": FORMAT,
            "kind": kind,
            "sha256": digest,
            "version": digest[:12],
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "schema": schema,
            "metrics": metrics,
            "config": config,
            "libraries": library_versions(libraries),
            **(extra or {}),
        }
        write_json(staging / MANIFEST_FILE, manifest)
        backup = directory.with_name(f".{directory.name}.old")
        if directory.exists():
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(directory, backup)
        os.replace(staging, directory)
        shutil.rmtree(backup, ignore_errors=True)
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of an artifact folder, checked to be one of this project's."""
    path = directory / MANIFEST_FILE
    if not path.is_file():
        raise ArtifactError(
            f"no model artifact at {directory} (missing {MANIFEST_FILE}); run `make train` first"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{path} is not valid JSON; retrain with `make train`") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArtifactError(
            f"{directory} is not a {_PACKAGE} artifact (format {manifest.get('format')!r}"
            f" != {FORMAT!r}); refusing to load it"
            if isinstance(manifest, dict)
            else f"{path} is not a manifest; refusing to load it"
        )
    return manifest


def load_artifact(directory: Path, *, kind: str) -> tuple[Any, dict[str, Any]]:
    """Verify the manifest and the file's sha256, then load the object."""
    manifest = read_manifest(directory)
    if manifest.get("kind") != kind:
        raise ArtifactError(f"{directory} holds a {manifest.get('kind')!r} artifact, expected {kind!r}")
    model_path = directory / MODEL_FILE
    if not model_path.is_file():
        raise ArtifactError(f"{model_path} is missing; retrain with `make train`")
    payload = model_path.read_bytes()
    actual = hashlib.sha256(payload).hexdigest()
    if actual != manifest.get("sha256"):
        raise ArtifactError(
            f"{model_path} does not match its manifest (sha256 {actual[:12]}... != "
            f"{str(manifest.get('sha256'))[:12]}...): the file was modified or corrupted; "
            "refusing to load it. Retrain with `make train`."
        )
    return pickle.loads(payload), manifest  # noqa: S301 - its sha256 matches the manifest


def promote(candidate: Path, target: Path) -> None:
    """Copy a verified candidate artifact over the served one, replacing it as a whole."""
    read_manifest(candidate)
    staging = target.with_name(f".{target.name}.promoting")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(candidate, staging)
    backup = target.with_name(f".{target.name}.old")
    shutil.rmtree(backup, ignore_errors=True)
    if target.exists():
        os.replace(target, backup)
    os.replace(staging, target)
    shutil.rmtree(backup, ignore_errors=True)
