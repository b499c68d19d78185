"""Pick where releases are read from, and what the template this mlscaffold renders is.

Order, first match wins: ``--template-repo``, the ``MLSCAFFOLD_TEMPLATE_REPO`` environment
variable, then the releases this mlscaffold carries: the git history of the clone it runs from,
or the bundle packaged in its wheel. Every case works offline except a URL the user names.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from mlscaffold._git import GitFailed, git
from mlscaffold._releases.identify import Identity, identify
from mlscaffold._releases.sources import (
    INDEX,
    TEMPLATE_REPO_ENV,
    BundleSource,
    GitSource,
    Source,
)
from mlscaffold._template import PACKAGE_DIR, Template
from mlscaffold.errors import MlscaffoldError, ReleaseError

BUNDLE_DIR = PACKAGE_DIR / "_bundled"
"""Where a wheel keeps its releases (written by :mod:`mlscaffold._releases.bundle`)."""

_URL_PREFIXES = ("gh:", "gl:", "git@", "git+")


def is_url(spec: str) -> bool:
    """Whether a repository is named by a URL rather than a local path."""
    return "://" in spec or spec.startswith(_URL_PREFIXES)


def locate(template: Template, template_repo: str | None, scratch: Path) -> Source:
    """The source an update reads releases from.

    Args:
        template: The template this mlscaffold renders.
        template_repo: ``--template-repo``: a clone, a fork, or a URL.
        scratch: A private folder, for cloning a URL.

    Raises:
        ReleaseError: The named repository cannot be read, or this mlscaffold carries no
            releases; the message lists where it looked.
    """
    if template_repo:
        return _open(template_repo, "--template-repo", scratch)
    from_env = os.environ.get(TEMPLATE_REPO_ENV, "").strip()
    if from_env:
        return _open(from_env, f"${TEMPLATE_REPO_ENV}", scratch)
    return carried(template)


def carried(template: Template) -> Source:
    """The releases this mlscaffold carries: its clone's history, or its wheel's bundle."""
    if template.is_git_clone:
        return GitSource.open(
            template.root, f"the mlscaffold clone at {template.root}", working_tree=True
        )
    index = BUNDLE_DIR / INDEX
    if index.is_file():
        return BundleSource.open(BUNDLE_DIR)
    raise ReleaseError(
        f"this mlscaffold carries no template releases (looked for the git history of "
        f"{template.root} and for {index}); reinstall mlscaffold from a wheel, or pass "
        f"--template-repo (or set ${TEMPLATE_REPO_ENV}) with a clone of mlscaffold"
    )


def _open(spec: str, how: str, scratch: Path) -> Source:
    if is_url(spec):
        clone = scratch / "template-repo"
        try:
            git("clone", "--quiet", "--no-checkout", "--", spec, str(clone), cwd=scratch)
        except GitFailed as exc:
            raise ReleaseError(
                f"cannot read template releases from {spec} ({how}): {exc.stderr}; check the "
                "address and the network, or pass a local clone"
            ) from None
        return GitSource.open(clone, spec)
    path = Path(spec).expanduser()
    if not path.is_dir():
        raise ReleaseError(f"{how} {spec} is not a folder; pass a clone of mlscaffold")
    return GitSource.open(path.resolve(), f"{path.resolve()} ({how})")


def rendered_identity(template: Template) -> Identity:
    """What the template ``new`` renders is, for its ``_commit``.

    A clone is identified from its git history. An installed template says what it is in the
    bundle its wheel carries. Either way, a history that cannot be read gives the package's
    version with a note saying so.
    """
    from mlscaffold import __version__

    fallback = Identity(
        f"v{__version__}",
        None,
        "",
        note=f"the template's history could not be read; _commit assumes release v{__version__}",
    )
    if template.is_git_clone:
        try:
            return identify(template.root)
        except (GitFailed, MlscaffoldError, OSError):
            return fallback
    try:
        loaded = yaml.safe_load((BUNDLE_DIR / "template.yml").read_text(encoding="utf-8"))
        return Identity(
            label=str(loaded["label"]),
            release=None if loaded.get("release") is None else str(loaded["release"]),
            commit=str(loaded.get("commit") or ""),
            note=loaded.get("note") or None,
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return fallback
