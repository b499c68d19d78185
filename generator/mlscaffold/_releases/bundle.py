"""Write the releases a wheel carries: one archive per release, an index, and the identity.

Called by the wheel's build hook (``generator/hatch_build.py``) on the repository being built.
For each release in the registry, ``copier.yml`` and ``templates/`` at the release's commit are
written as ``<version>.tar.gz`` (gzip without a timestamp, so the same release always gives the
same bytes); ``index.yml`` lists them, and ``template.yml`` says which version the wheel's own
template is (see :mod:`mlscaffold._releases.identify`), for ``mlscaffold new`` to record.

The repository must hold every release's commit. A shallow clone does not, and the build stops
with the fix rather than making a wheel whose ``update`` cannot work.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import yaml

from mlscaffold._git import GitFailed, git, git_bytes, git_ok
from mlscaffold._releases.identify import identify
from mlscaffold._releases.registry import REGISTRY, TEMPLATE_PATHS, dump_registry, parse_registry
from mlscaffold._releases.sources import INDEX
from mlscaffold.errors import ReleaseError

IDENTITY = "template.yml"
"""The file in a bundle that says which version the wheel's packaged template is."""


def write_bundle(root: Path, out: Path) -> list[Path]:
    """Write the bundle of the repository in ``root`` into the folder ``out``.

    Returns:
        The files written.

    Raises:
        ReleaseError: ``root`` is not a git clone, or lacks a release's commit (a shallow
            clone), or the registry is malformed.
    """
    if not git_ok("rev-parse", "--git-dir", cwd=root):
        raise ReleaseError(
            f"cannot bundle the template's releases: {root} is not a git clone of mlscaffold, "
            "and a wheel carries every release from the git history. Build from a full clone "
            "(git clone https://... && pip install ./mlscaffold), or from an sdist"
        )
    registry = root / REGISTRY
    releases = parse_registry(registry.read_text(encoding="utf-8"), str(registry))
    missing = [
        r for r in releases if not git_ok("cat-file", "-e", f"{r.commit}^{{commit}}", cwd=root)
    ]
    if missing:
        shallow = git("rev-parse", "--is-shallow-repository", cwd=root).strip() == "true"
        names = ", ".join(f"{r.tag} ({r.commit[:12]})" for r in missing)
        why = "this is a shallow clone, which lacks" if shallow else "this clone lacks"
        raise ReleaseError(
            f"cannot bundle the template's releases: {why} the commits of {names}. Fetch the "
            "full history (git fetch --unshallow, or clone without --depth) and build again"
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for release in releases:
        try:
            tar = git_bytes(
                "archive", "--format=tar", release.commit, "--", *TEMPLATE_PATHS, cwd=root
            )
        except GitFailed as exc:
            raise ReleaseError(f"cannot archive release {release.tag}: {exc.stderr}") from None
        path = out / f"{release.version}.tar.gz"
        path.write_bytes(gzip.compress(tar, compresslevel=9, mtime=0))
        written.append(path)
    (out / INDEX).write_text(dump_registry(releases), encoding="utf-8")
    identity = identify(root)
    (out / IDENTITY).write_text(
        yaml.safe_dump(
            {
                "label": identity.label,
                "release": identity.release,
                "commit": identity.commit,
                "note": identity.note,
            },
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return [*written, out / INDEX, out / IDENTITY]
