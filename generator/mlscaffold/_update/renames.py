"""The update's renames step: files a release moved are moved in the project first.

``templates/migrations.yml`` in the target release lists renames as data (paths as they appear in
generated projects; Jinja such as ``{{ package_name }}`` is rendered with the project's
answers)::

    - version: "0.2.0"
      renames:
        - {from: "docs/old.md", to: "docs/new.md"}

A rename applies to a project when the target release generates its ``to`` path for the
project's answers (or, through a later release's rename, the path it ends up at) and the project
has the file at ``from``. One list therefore serves every track: a track's renames never touch
another track's project, even when two tracks move a file of the same path to different places,
and a ``from`` path that the target release generates again (a new file in the old place) gets
the new file once the project's own copy has moved.

Renames for releases after the project's version and up to the target are applied with
``git mv`` and committed in the project before Copier merges. Copier's merge takes the base of
its three-way merge from the project's old version, so the same renames are also applied to that
old version, in a private commit of the update's template repository; the project's edits then
merge into the new version of the file at its new path. No Copier ``_migrations`` are used, so
the template needs no trust.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

from mlscaffold._git import OWN_IDENTITY, GitFailed, git, own_commit
from mlscaffold.errors import TemplateError

MIGRATIONS_FILE = "templates/migrations.yml"
"""The template's list of file renames per release, read from the target release."""


@dataclass(frozen=True)
class Rename:
    """A file (or folder) the template moved in a release.

    Attributes:
        version: The release that moved it.
        source: Its path in the project before, rendered with the project's answers.
        target: Its path after.
    """

    version: str
    source: str
    target: str


def pending_renames(
    clone: Path,
    tag: str,
    old: Version,
    target: Version,
    answers: Mapping[str, Any],
    answers_file: str,
) -> list[Rename]:
    """The renames of releases after ``old`` up to ``target`` that apply to the project.

    Paths are rendered with the answers. A rename is left out when the target release (tag
    ``tag``) generates no file for these answers at its new path, nor where later renames take
    it: it is another track's, or moves a file these answers never generate.

    Raises:
        TemplateError: The migrations file of release ``tag`` is malformed.
    """
    try:
        text = git("show", f"{tag}:{MIGRATIONS_FILE}", cwd=clone)
    except GitFailed:
        return []
    where = f"{MIGRATIONS_FILE} of template release {tag}"
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{where} is not valid YAML ({exc}); report this bug") from None
    if loaded is None:
        return []
    if not isinstance(loaded, list):
        raise TemplateError(f"{where} must be a list of releases; report this bug")
    pending: list[tuple[Version, list[Any]]] = []
    for entry in loaded:
        if not isinstance(entry, dict) or not isinstance(entry.get("renames"), list):
            raise TemplateError(f"{where}: each entry needs 'version' and 'renames' (a list)")
        try:
            version = Version(str(entry.get("version")))
        except InvalidVersion:
            raise TemplateError(f"{where}: {entry.get('version')!r} is not a version") from None
        if old < version <= target:
            pending.append((version, entry["renames"]))
    context = {key: value for key, value in answers.items() if not key.startswith("_")}
    renames = []
    for version, items in sorted(pending, key=lambda item: item[0]):
        for item in items:
            if not isinstance(item, dict) or not all(
                isinstance(item.get(key), str) for key in ("from", "to")
            ):
                raise TemplateError(f"{where}: each rename needs text 'from' and 'to' paths")
            renames.append(
                Rename(
                    version=str(version),
                    source=render_path(item["from"], context, where),
                    target=render_path(item["to"], context, where),
                )
            )
    if not renames:
        return []
    generated = generated_paths(clone, tag, answers, answers_file)
    return [
        rename
        for index, rename in enumerate(renames)
        if _arrives(rename.target, renames[index + 1 :], generated)
    ]


def _covers(folder: str, path: str) -> bool:
    """Whether ``path`` is ``folder`` itself or inside it."""
    return path == folder or path.startswith(folder + "/")


def _arrives(path: str, later: Sequence[Rename], generated: frozenset[str]) -> bool:
    """Whether ``path`` is generated by the target release, directly or after ``later`` renames.

    ``path`` may be a folder: it arrives when the target release generates a file inside it.
    """
    if any(_covers(path, file) for file in generated):
        return True
    return any(
        _arrives(rename.target + path[len(rename.source) :], later[index + 1 :], generated)
        for index, rename in enumerate(later)
        if _covers(rename.source, path)
    )


def _template_layout(config_text: str) -> tuple[str, str]:
    """The template's subdirectory and templated-file suffix, from its ``copier.yml``."""
    config = yaml.safe_load(config_text) or {}
    subdirectory = str(config.get("_subdirectory", "") or "")
    suffix = str(config.get("_templates_suffix", ".jinja"))
    return subdirectory, suffix


def _render_context(answers: Mapping[str, Any], answers_file: str) -> dict[str, Any]:
    """What copier renders file names with: the answers and the answers file's path."""
    return {
        **{key: value for key, value in answers.items() if not key.startswith("_")},
        "_copier_conf": {"answers_file": answers_file},
    }


def generated_paths(
    clone: Path, ref: str, answers: Mapping[str, Any], answers_file: str
) -> frozenset[str]:
    """The paths of the files the template at ``ref`` generates for ``answers``.

    Read from the template's git tree at ``ref``; the clone's checkout is not touched.
    """
    subdirectory, suffix = _template_layout(git("show", f"{ref}:copier.yml", cwd=clone))
    listing = git("ls-tree", "-r", "-z", "--name-only", ref, "--", subdirectory or ".", cwd=clone)
    root = PurePosixPath(subdirectory) if subdirectory else PurePosixPath()
    env = _jinja_env()
    context = _render_context(answers, answers_file)
    paths: set[str] = set()
    for entry in listing.split("\0"):
        if not entry:
            continue
        rendered = _rendered_name(
            env, Path(PurePosixPath(entry).relative_to(root)), suffix, context
        )
        if rendered is not None:
            paths.add(rendered)
    return frozenset(paths)


def _jinja_env() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    # The filters copier offers in templates, so that paths render as copier renders them.
    return SandboxedEnvironment(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        undefined=StrictUndefined,
    )


def render_path(raw: str, context: Mapping[str, Any], where: str) -> str:
    """Render a migrations path with the answers and check it stays inside the project.

    Raises:
        TemplateError: It does not render, or names a path outside the project.
    """
    import jinja2

    try:
        rendered = str(_jinja_env().from_string(raw).render(**context))
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{where}: cannot render path {raw!r} ({exc})") from None
    path = PurePosixPath(rendered)
    if path.is_absolute() or ".." in path.parts or not path.parts or "" in rendered.split("/"):
        raise TemplateError(f"{where}: {raw!r} must name a path inside the project")
    return path.as_posix()


def _rendered_name(env: Any, relative: Path, suffix: str, context: Mapping[str, Any]) -> str | None:
    """The path copier renders a template file to, or ``None`` when it renders none."""
    import jinja2

    if suffix and relative.name.endswith(suffix):
        relative = relative.with_name(relative.name[: -len(suffix)])
    parts = []
    for part in relative.parts:
        try:
            rendered = str(env.from_string(part).render(**context))
        except jinja2.TemplateError:
            return None
        if not rendered:
            return None
        parts.append(rendered)
    return "/".join(parts)


def move_files(
    renames: Sequence[Rename], target_tag: str, project: Path, top: Path, *, own_identity: bool
) -> tuple[list[Rename], list[tuple[Rename, str]]]:
    """Move the project's files as ``renames`` say, with ``git mv``, and commit the moves.

    Returns:
        The renames applied, and those skipped with the reason.
    """
    moved: list[Rename] = []
    not_moved: list[tuple[Rename, str]] = []
    for rename in renames:
        source, target = project / rename.source, project / rename.target
        if not source.exists():
            # Another track's file, or one the project deleted: nothing to carry.
            continue
        if target.exists():
            not_moved.append((rename, f"{rename.target} already exists; both were kept"))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        git("mv", "--", rename.source, rename.target, cwd=project)
        moved.append(rename)
    if moved:
        lines = "\n".join(f"{r.source} -> {r.target} (v{r.version})" for r in moved)
        message = f"Move files as template {target_tag} does\n\n{lines}\n"
        identity = OWN_IDENTITY if own_identity else ()
        # No hooks: the project's own checks run on the finished update, not on a rename.
        git(*identity, "commit", "--quiet", "--no-verify", "-m", message, cwd=top)
    return moved, not_moved


def old_version_with(
    clone: Path,
    old_ref: str,
    target_tag: str,
    moved: Sequence[Rename],
    answers: Mapping[str, Any],
    answers_file: str,
) -> str:
    """A private commit of the project's old template version with ``moved`` applied.

    Copier's three-way merge takes its base from the old version: renamed there too, the
    base holds the file at its new path and the project's edits merge into the new version.
    """
    git("-c", "advice.detachedHead=false", "checkout", "--quiet", old_ref, cwd=clone)
    subdirectory, suffix = _template_layout((clone / "copier.yml").read_text(encoding="utf-8"))
    root = clone / subdirectory
    context = _render_context(answers, answers_file)
    env = _jinja_env()
    listing = git("ls-files", "-z", "--", subdirectory or ".", cwd=clone)
    sources = [clone / entry for entry in listing.split("\0") if entry]
    changed = False
    for rename in moved:
        for index, source in enumerate(sources):
            rendered = _rendered_name(env, source.relative_to(root), suffix, context)
            if rendered is None:
                continue
            if rendered != rename.source and not rendered.startswith(rename.source + "/"):
                continue
            tail = rendered[len(rename.source) :]
            templated = suffix and source.name.endswith(suffix)
            new = root / (rename.target + tail + (suffix if templated else ""))
            new.parent.mkdir(parents=True, exist_ok=True)
            git("mv", "--", str(source), str(new), cwd=clone)
            sources[index] = new
            changed = True
    if not changed:
        return old_ref
    own_commit(f"{old_ref} with the renames of {target_tag}", cwd=clone)
    return git("rev-parse", "HEAD", cwd=clone).strip()
