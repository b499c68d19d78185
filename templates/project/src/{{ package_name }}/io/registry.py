"""The model registry: every promoted model kept in its own version folder, a pointer to the one
that serves, and rollback by moving the pointer.

Layout under ``artifacts/models/``::

    <version>/model.pkl, manifest.json, evaluation.json   one folder per promoted model
    champion.json                                         {"version": ..., "history": [...]}

Promotion copies the verified candidate into its version folder (once) and then replaces the
pointer in one atomic rename, so a reader sees the old champion or the new one, never a mix.
No version is ever deleted: a model file promoted again with another manifest (signed now, or
with a new key) replaces only its own folder. ``history`` lists earlier champions, newest first,
for rollback.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .artifacts import MANIFEST_FILE, ArtifactError, read_manifest

POINTER = "champion.json"
EVALUATION = "evaluation.json"


class RegistryError(ArtifactError):
    """The registry has no such version, no champion, or a damaged pointer."""


@dataclass(frozen=True)
class ModelVersion:
    """One promoted model: its version, its manifest and the evaluation it was promoted on."""

    version: str
    path: Path
    manifest: dict[str, Any]
    evaluation: dict[str, Any] | None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Registry:
    """The promoted models of one project, under ``root`` (``artifacts/models``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _pointer(self) -> dict[str, Any] | None:
        path = self.root / POINTER
        if not path.is_file():
            return None
        try:
            pointer = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise RegistryError(
                f"{path} is not valid JSON; restore it or run `make rollback VERSION=...`"
            ) from exc
        if not isinstance(pointer, dict) or not isinstance(pointer.get("version"), str):
            raise RegistryError(
                f"{path} names no version; run `make rollback VERSION=...` (see `make models`)"
            )
        return pointer

    def _write_pointer(self, pointer: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(prefix=f".{POINTER}.", dir=self.root)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(pointer, file, indent=2, sort_keys=True)
            file.write("\n")
        os.replace(staging, self.root / POINTER)

    def champion_version(self) -> str | None:
        """The version that serves, or None before the first promotion."""
        pointer = self._pointer()
        return None if pointer is None else str(pointer["version"])

    def champion_dir(self) -> Path:
        """The serving model's folder; a clear error when nothing has been promoted."""
        version = self.champion_version()
        if version is None:
            raise RegistryError(
                f"no promoted model in {self.root} (no {POINTER}); run `make train evaluate` first"
            )
        path = self.root / version
        if not path.is_dir():
            raise RegistryError(f"{POINTER} names version {version}, which is not in {self.root}")
        return path

    def promote(self, candidate: Path, evaluation: dict[str, Any]) -> str:
        """Keep ``candidate`` as a version of its own and make it the champion; return its version."""
        version = str(read_manifest(candidate)["version"])
        target = self.root / version
        manifest = (candidate / MANIFEST_FILE).read_bytes()
        # The same model file may come back with another manifest (signed now, or with a new
        # key): the folder is then replaced as a whole, the model file being the same.
        if not target.exists() or (target / MANIFEST_FILE).read_bytes() != manifest:
            self.root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=self.root))
            backup = self.root / f".{version}.replaced"
            try:
                shutil.copytree(candidate, staging, dirs_exist_ok=True)
                (staging / EVALUATION).write_text(json.dumps(evaluation, indent=2) + "\n", encoding="utf-8")
                if target.exists():
                    shutil.rmtree(backup, ignore_errors=True)
                    os.replace(target, backup)
                os.replace(staging, target)
                shutil.rmtree(backup, ignore_errors=True)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        pointer = self._pointer()
        history: list[dict[str, Any]] = []
        if pointer is not None and pointer["version"] != version:
            previous = {"version": pointer["version"], "since": pointer.get("since")}
            history = [previous, *pointer.get("history", [])]
        elif pointer is not None:
            history = list(pointer.get("history", []))
        self._write_pointer({"version": version, "since": _now(), "history": history})
        return version

    def versions(self) -> list[ModelVersion]:
        """Every promoted model, newest first."""
        found = []
        if self.root.is_dir():
            for path in self.root.iterdir():
                if not path.is_dir() or path.name.startswith(".") or not (path / "manifest.json").is_file():
                    continue
                evaluation_path = path / EVALUATION
                evaluation = None
                if evaluation_path.is_file():
                    evaluation = json.loads(evaluation_path.read_text(encoding="utf-8"))
                found.append(ModelVersion(path.name, path, read_manifest(path), evaluation))
        return sorted(found, key=lambda v: str(v.manifest.get("created_at", "")), reverse=True)

    def rollback(self, version: str | None = None) -> str:
        """Point at ``version``, or at the champion before the current one; return the version."""
        pointer = self._pointer()
        if pointer is None:
            raise RegistryError(f"nothing to roll back in {self.root}: no model has been promoted")
        known = {v.version for v in self.versions()}
        history = list(pointer.get("history", []))
        if version is None:
            if not history:
                raise RegistryError(
                    f"version {pointer['version']} is the only champion there has been; "
                    "nothing to roll back to"
                )
            version = str(history[0]["version"])
        if version not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise RegistryError(
                f"no version {version!r} in {self.root} (versions: {listed}); see `make models`"
            )
        if version == pointer["version"]:
            return version
        rest = [h for h in history if h.get("version") != version]
        current = {"version": pointer["version"], "since": pointer.get("since")}
        self._write_pointer({"version": version, "since": _now(), "history": [current, *rest]})
        return version
