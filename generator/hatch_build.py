"""Wheel build hook: bundle every template release the registry lists into the wheel.

``mlscaffold update`` must work from an installed wheel with no network and no repository, so
the wheel carries ``copier.yml`` and ``templates/`` of each release in
``templates/releases.yml``, read from the git history (see
:mod:`mlscaffold._releases.bundle`), under ``mlscaffold/_bundled``. An editable install runs
from the clone and reads its history directly, so it needs no bundle. A source tree without git
(an unpacked sdist) must already hold the bundle in ``generator/mlscaffold/_bundled``: the sdist
build writes it there.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE = "mlscaffold/_bundled"


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Write the release bundle into a temporary folder and add it to the build."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Bundle the releases, unless this is an editable build or the bundle ships."""
        root = Path(self.root)
        if self.target_name == "wheel" and version == "editable":
            return
        shipped = root / "generator" / BUNDLE
        if (shipped / "index.yml").is_file() and not (root / ".git").exists():
            return  # an unpacked sdist: the bundle is in the package already
        sys.path.insert(0, str(root / "generator"))
        try:
            from mlscaffold._releases.bundle import write_bundle
            from mlscaffold.errors import MlscaffoldError
        finally:
            sys.path.pop(0)
        self._out = Path(tempfile.mkdtemp(prefix="mlscaffold-bundle-"))
        try:
            write_bundle(root, self._out)
        except MlscaffoldError as exc:
            shutil.rmtree(self._out, ignore_errors=True)
            raise SystemExit(f"mlscaffold build: {exc}") from None
        where = BUNDLE if self.target_name == "wheel" else f"generator/{BUNDLE}"
        build_data["force_include"][str(self._out)] = where

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the temporary bundle."""
        out = getattr(self, "_out", None)
        if out is not None:
            shutil.rmtree(out, ignore_errors=True)
