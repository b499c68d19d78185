"""Model artifacts: saved with a manifest, loaded only after the manifest checks out.

An artifact is a folder holding ``model.pkl`` and ``manifest.json``. The manifest records the
sha256 of the model file, the input schema, metrics, the training config, library versions, the
creation time and, when ``MODEL_SIGNING_KEY`` is set, an HMAC-SHA256 signature.

The signature covers every other field of the manifest, the model file's sha256 among them, so
neither the model nor what the manifest says about it (kind, version, schema, metrics...) can be
changed without the key. :func:`load_artifact` refuses a folder whose manifest is missing, names
another project or kind, carries no signature or a wrong one while a key is set, or whose file
does not match the recorded hash, before anything is unpickled; the bytes that are hashed are the
bytes that are unpickled. With ``APP_ENV=production`` the key is required to save and to load.
In development without a key, artifacts are saved unsigned and only the sha256 is checked: that
catches corruption, not deliberate replacement.

Standard pickle (C implementation) loads a model several times faster than joblib's pure-Python
unpickler.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
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
from ..settings import SIGNING_KEY_ENV, environment, signing_key
from .files import sha256_file, write_json

logger = logging.getLogger(__name__)

_PACKAGE = __name__.split(".")[0]
FORMAT = f"{_PACKAGE}.artifact/v2"
MODEL_FILE = "model.pkl"
MANIFEST_FILE = "manifest.json"
# Libraries every model file depends on; a track adds its own (``Track.libraries``).
_LIBRARIES = ("numpy", "pandas", "scikit-learn", "scipy")
SIGNATURE_ALG = "hmac-sha256"
# What the signature covers: every manifest field but the signature (the file's sha256 included).
SIGNATURE_COVERS = "manifest"
_GENERATE = "python -c 'import secrets; print(secrets.token_hex(32))'"


class ArtifactError(ProjectError):
    """An artifact is missing, foreign, unsigned or has been modified since it was saved."""


def _required_key(action: str, fix: str) -> bytes | None:
    """The signing key; an error when production runs without one."""
    key = signing_key()
    if key is None and environment() == "production":
        raise ArtifactError(f"refusing to {action}: APP_ENV=production requires {SIGNING_KEY_ENV}. {fix}")
    return key


def _key_id(key: bytes) -> str:
    """A short public name for a key, so an error can tell "another key" from "modified"."""
    return hmac.new(key, b"model-signing-key-id", hashlib.sha256).hexdigest()[:16]


def _signature(key: bytes, manifest: dict[str, Any]) -> str:
    """HMAC-SHA256 over the manifest's canonical JSON, the signature field left out."""
    body = {name: value for name, value in manifest.items() if name != "signature"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, canonical.encode("ascii"), hashlib.sha256).hexdigest()


def _verify_signature(directory: Path, manifest: dict[str, Any]) -> None:
    """Refuse a manifest whose signature is absent, unknown or wrong while a key is set."""
    path = directory / MANIFEST_FILE
    key = _required_key(
        f"load {directory} without verifying its signature",
        f"Set {SIGNING_KEY_ENV} in the environment to the key the model was signed with (its key_id "
        f"is in {path}); a model saved without a key must be retrained with one (`make train evaluate`)",
    )
    signature = manifest.get("signature")
    if key is None:
        if signature is not None:
            logger.warning(
                "%s is signed but %s is not set: only the model file's sha256 is checked",
                path,
                SIGNING_KEY_ENV,
            )
        return
    if signature is None:
        raise ArtifactError(
            f"{path} is unsigned but {SIGNING_KEY_ENV} is set: refusing to load a model whose origin "
            f"cannot be verified. Retrain with {SIGNING_KEY_ENV} set (`make train evaluate`) so that the "
            "model is signed"
        )
    if (
        not isinstance(signature, dict)
        or signature.get("alg") != SIGNATURE_ALG
        or signature.get("covers") != SIGNATURE_COVERS
        or not isinstance(signature.get("value"), str)
    ):
        raise ArtifactError(
            f"{path} has an unrecognised signature (expected alg {SIGNATURE_ALG!r} covering the "
            f"{SIGNATURE_COVERS}); refusing to load it. Retrain with {SIGNING_KEY_ENV} set "
            "(`make train evaluate`)"
        )
    expected = _signature(key, manifest)
    if hmac.compare_digest(expected.encode(), str(signature["value"]).encode()):
        return
    current = _key_id(key)
    if signature.get("key_id") != current:
        raise ArtifactError(
            f"{path} was signed with another key (key id {signature.get('key_id')!r}, while "
            f"{SIGNING_KEY_ENV} has key id {current!r}); refusing to load it. Set {SIGNING_KEY_ENV} "
            "to the key the model was signed with, or retrain with the current key "
            "(`make train evaluate`)"
        )
    raise ArtifactError(
        f"{path} does not match its signature: the model or its manifest was modified after it was "
        f"signed; refusing to load it. Retrain with {SIGNING_KEY_ENV} set (`make train evaluate`)"
    )


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
    """Save ``obj`` with its manifest, signed when a key is set; the folder is replaced as a whole,
    never half-written."""
    key = _required_key(
        f"save {directory} unsigned",
        f"Set {SIGNING_KEY_ENV} in the environment to a random secret (for example the output of "
        f"`{_GENERATE}`) and train again; the service needs the same key to load the model",
    )
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        with (staging / MODEL_FILE).open("wb") as handle:
            pickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)
        digest = sha256_file(staging / MODEL_FILE)
        fields = {
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
        # Signed as it will read back: JSON types only (tuples become lists, paths strings).
        manifest: dict[str, Any] = json.loads(json.dumps(fields, default=str))
        manifest["signature"] = (
            None
            if key is None
            else {
                "alg": SIGNATURE_ALG,
                "covers": SIGNATURE_COVERS,
                "key_id": _key_id(key),
                "value": _signature(key, manifest),
            }
        )
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


def read_manifest(directory: Path, *, verify: bool = False) -> dict[str, Any]:
    """The manifest of an artifact folder, checked to be one of this project's.

    With ``verify`` its signature is checked too, as :func:`load_artifact` does (the model file's
    hash is not: that needs the file read). Without it, the fields are unverified: fine to list,
    never a reason to load.
    """
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
    if verify:
        _verify_signature(directory, manifest)
    return manifest


def load_artifact(directory: Path, *, kind: str) -> tuple[Any, dict[str, Any]]:
    """Verify the manifest's signature (when a key is set) and the file's sha256, then load the object."""
    manifest = read_manifest(directory, verify=True)
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
    return pickle.loads(payload), manifest  # noqa: S301 - its sha256 matches the (signed) manifest
