"""Update a generated project to a later template release: ``mlscaffold update``.

Template versions are the release tags (``vX.Y.Z``) of the template's git repository. A project's
answers file names the version it came from (``_commit``); copier renders that version and the
target version and merges the difference into the project with a three-way merge, so the
project's own edits are kept and a real conflict is written inline between ``<<<<<<<`` and
``>>>>>>>`` markers.

Where the template's history comes from, first match wins:

1. ``--template-repo`` (``template_repo``): a local clone or a git URL;
2. the ``MLSCAFFOLD_TEMPLATE_REPO`` environment variable;
3. the git clone of mlscaffold this package runs from, when it has release tags;
4. the canonical repository, :data:`~mlscaffold._template.CANONICAL_TEMPLATE_REPO` (network).

That repository is cloned into a private temporary folder (cheap for a local one, one download
for a URL); the repository itself is never changed.

Files the template moved: ``templates/migrations.yml`` in the target release lists renames as
data (paths as they appear in generated projects; Jinja such as ``{{ package_name }}`` is
rendered with the project's answers)::

    - version: "0.2.0"
      renames:
        - {from: "docs/old.md", to: "docs/new.md"}

Renames for releases after the project's version and up to the target are applied with
``git mv`` and committed in the project before copier runs. Copier's merge takes the base of its
three-way merge from the project's old version, so the same renames are also applied to that
old version, in a private commit of the template clone; the project's edits then merge into the
template's new version of the file at its new path. No copier ``_migrations`` are used, so the
template needs no trust.

The project must be a git repository without uncommitted changes or untracked files. The update
either completes or leaves the project exactly as it was: on any error, Ctrl-C or SIGTERM the
project is reset to the commit it started from (``git reset --hard`` and ``git clean -fd``, safe
because the tree was clean, plus any new ignored file). A successful update adds one commit with
the renames (if any) and leaves the template's other changes uncommitted, for review.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import shutil
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

from mlscaffold import __version__
from mlscaffold._git import OWN_IDENTITY, GitFailed, git, git_ok
from mlscaffold._new import (
    _ANSWER_ERROR_PREFIXES,
    VERSION_KEY,
    _is_own_template,
    _SignalGuard,
    stamp_answers,
)
from mlscaffold._template import (
    CANONICAL_TEMPLATE_REPO,
    TEMPLATE_REPO_ENV,
    Template,
    load_template,
    release_tag,
    template_repository,
)
from mlscaffold.errors import AnswersError, TemplateError, Terminated, UpdateError

MIGRATIONS_FILE = "templates/migrations.yml"
"""The template repository's list of file renames per release, read from the target release."""

CONFLICT_MARKER = b"<<<<<<< "

# `git describe --tags` output: a tag, optionally followed by how far HEAD is past it.
_DESCRIBE = re.compile(r"(?P<tag>.+?)(?:-(?P<ahead>\d+)-g[0-9a-f]{4,40})?")


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


@dataclass(frozen=True)
class UpdateReport:
    """What an update did, or would do with ``dry_run``.

    Attributes:
        project: The project folder.
        from_version: The template version the project came from (its ``_commit``).
        to_version: The release tag it was updated to.
        template_origin: Where the template's history was read from, for the user.
        dry_run: Whether the update ran on a throwaway copy, leaving the project untouched.
        up_to_date: Whether there was nothing to do.
        start_commit: The project's commit before the update, to undo it.
        moved: Renames applied with ``git mv`` (and committed).
        not_moved: Renames skipped because the new path already exists, with that reason.
        changed: Files changed by the update, relative to the project.
        added: Files added.
        removed: Files removed.
        conflicts: Changed or added files holding conflict markers.
    """

    project: Path
    from_version: str
    to_version: str
    template_origin: str
    dry_run: bool = False
    up_to_date: bool = False
    start_commit: str = ""
    moved: tuple[Rename, ...] = ()
    not_moved: tuple[tuple[Rename, str], ...] = ()
    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()


def update_project(
    path: str | Path = ".",
    *,
    to: str | None = None,
    data: Mapping[str, str] | None = None,
    dry_run: bool = False,
    template_repo: str | None = None,
) -> UpdateReport:
    """Update the project in PATH to a later template release, keeping its own edits.

    Template changes are merged into the project with a three-way merge; a change that collides
    with an edit of the same lines is written inline between conflict markers and listed at the
    end. Files the template moved are moved first (committed), carrying the project's edits.
    The other changes are left uncommitted for review. PATH must be a git repository with no
    uncommitted changes or untracked files; a failed or interrupted update leaves it as it was.

    Args:
        path: The project folder (it holds ``.copier-answers.yml``).
        to: Release to update to, such as ``0.2.0``; default: this mlscaffold's version.
        data: Answers to change, by question name (``description``, ``author_name``, ...).
        dry_run: Update a throwaway clone of the project instead and report what would change.
        template_repo: Template repository (a local clone or a git URL) to read releases from.

    Returns:
        What changed, including the files left with conflicts.

    Raises:
        UpdateError: The project or the template version cannot be used, or the update failed
            (the project was restored).
        AnswersError: An answer in ``data`` is unknown or rejected by the template.
        TemplateError: The template release is malformed.
        Terminated: SIGTERM or SIGHUP arrived (the project was restored).
    """
    template = load_template()
    project = _resolve_project(path)
    top = _work_tree_root(project)
    _check_clean(top, project)
    start = git("rev-parse", "HEAD", cwd=top).strip()
    answers_path = project / template.answers_file
    answers = _read_project_answers(answers_path, template, template_repo)
    origin = _template_origin(template, template_repo)
    changes = dict(data or {})

    try:
        with (
            _SignalGuard() as guard,
            tempfile.TemporaryDirectory(prefix="mlscaffold-update-") as scratch,
        ):
            clone = _clone_template(origin, Path(scratch) / "template")
            target_tag, target = _target_release(clone, origin, to)
            old_commit = str(answers["_commit"])
            old_version, ahead = _project_version(clone, origin, old_commit)
            _check_direction(old_commit, old_version, ahead, target_tag, target, to)
            _check_changes(clone, target_tag, changes, answers)
            report = UpdateReport(
                project=project,
                from_version=old_commit,
                to_version=target_tag,
                template_origin=origin,
                dry_run=dry_run,
                start_commit=start,
            )
            if old_version == target and not ahead and not changes:
                return _replace(report, up_to_date=True)
            renames = _pending_renames(clone, target_tag, old_version, target, answers)
            job = _Job(
                template=template,
                clone=clone,
                old_commit=old_commit,
                target_tag=target_tag,
                target=target,
                renames=renames,
                answers=answers,
                data=changes,
            )
            if dry_run:
                copy_top = Path(scratch) / "project"
                git("clone", "--quiet", "--", str(top), str(copy_top), cwd=Path(scratch))
                copy = copy_top / project.relative_to(top)
                return _replace(job.run(copy, copy_top, own_identity=True), **_common(report))
            ignored_before = _ignored(top)
            try:
                return _replace(job.run(project, top, own_identity=False), **_common(report))
            except BaseException as exc:
                with guard.held():
                    _restore(top, start, ignored_before)
                if isinstance(exc, Terminated):
                    raise Terminated(exc.signum, "the project was left as it was") from None
                raise
    except GitFailed as exc:
        raise UpdateError(
            f"git failed ({exc}); the project was left as it was at commit {start[:12]}"
        ) from exc


# The project


def _resolve_project(path: str | Path) -> Path:
    project = Path(path).expanduser()
    try:
        project = project.resolve()
    except (OSError, RuntimeError) as exc:
        raise UpdateError(f"cannot use {path} ({exc}); pass the project's folder") from None
    if not project.is_dir():
        raise UpdateError(f"{path} is not a folder; pass the folder of a generated project")
    return project


def _work_tree_root(project: Path) -> Path:
    try:
        top = git("rev-parse", "--show-toplevel", cwd=project).strip()
    except GitFailed:
        raise UpdateError(
            f"{project} is not a git repository; updates are merged with git, so make it one "
            'and commit the project first: git init && git add -A && git commit -m "Project"'
        ) from None
    if not git_ok("rev-parse", "--verify", "--quiet", "HEAD", cwd=project):
        raise UpdateError(
            f"the git repository at {top} has no commits yet; commit the project first: "
            'git add -A && git commit -m "Project"'
        )
    return Path(top).resolve()


def _check_clean(top: Path, project: Path) -> None:
    status = git("status", "--porcelain", cwd=top).splitlines()
    if status:
        shown = ", ".join(line[3:] for line in status[:5]) + (", ..." if len(status) > 5 else "")
        raise UpdateError(
            f"{project} has uncommitted changes or untracked files ({shown}); the update must "
            "start from a clean tree so that it can be reviewed and undone. Commit them, or "
            "stash them with `git stash --include-untracked`, and retry"
        )


def _read_project_answers(
    path: Path, template: Template, template_repo: str | None
) -> dict[str, Any]:
    name = template.answers_file
    fix = f"restore it from git history (git log -- {name})"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UpdateError(
            f"{path.parent} has no {name}, so it was not generated by mlscaffold or the file was "
            f"deleted; {fix}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UpdateError(f"cannot read {path} ({exc}); {fix}") from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UpdateError(f"{path} is not valid YAML ({exc}); {fix}") from None
    if not isinstance(loaded, dict):
        raise UpdateError(f"{path} is not a YAML mapping of answers; {fix}")
    src, commit = loaded.get("_src_path"), loaded.get("_commit")
    stamped = loaded.get(VERSION_KEY)
    if not commit and isinstance(stamped, str) and stamped:
        # Projects made before answers files recorded a release name only mlscaffold's version.
        commit = loaded["_commit"] = release_tag(stamped)
    if not isinstance(src, str) or not src or not isinstance(commit, str) or not commit:
        raise UpdateError(
            f"{path} does not say which template version the project came from (it needs "
            f"_src_path and _commit); {fix}"
        )
    if not (_is_own_template(src, template) or _same_repository(src, template_repo)):
        raise UpdateError(
            f"{path} says the project comes from another template (_src_path: {src}); "
            "mlscaffold updates only projects generated from its own template (use "
            "`copier update` for others), or pass --template-repo with that repository if it "
            "is a fork of mlscaffold's template"
        )
    return {key: value for key, value in loaded.items() if isinstance(key, str)}


def _same_repository(src: str, repo: str | None) -> bool:
    if not repo:
        return False
    if src == repo:
        return True
    try:
        return Path(src).expanduser().resolve() == Path(repo).expanduser().resolve()
    except (OSError, RuntimeError):
        return False


def _ignored(top: Path) -> set[str]:
    listing = git(
        "ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z", cwd=top
    )
    return {entry for entry in listing.split("\0") if entry}


def _restore(top: Path, start: str, ignored_before: set[str]) -> None:
    """Put the project back to commit ``start`` (its tree was clean when the update began)."""
    git("reset", "--quiet", "--hard", start, cwd=top)
    git("clean", "-fdq", cwd=top)
    for entry in _ignored(top) - ignored_before:
        stray = top / entry
        if stray.is_dir() and not stray.is_symlink():
            shutil.rmtree(stray, ignore_errors=True)
        else:
            stray.unlink(missing_ok=True)


# The template's history


def _template_origin(template: Template, template_repo: str | None) -> str:
    if template_repo:
        return _absolute_if_local(template_repo)
    from_env = template_repository()
    if from_env != CANONICAL_TEMPLATE_REPO:
        return _absolute_if_local(from_env)
    if template.is_git_clone and git_ok("describe", "--tags", "--abbrev=0", cwd=template.root):
        return str(template.root)
    return CANONICAL_TEMPLATE_REPO


def _absolute_if_local(repo: str) -> str:
    if "://" in repo or re.match(r"^[\w.-]+@[\w.-]+:", repo):
        return repo
    return str(Path(repo).expanduser().resolve())


def _clone_template(origin: str, dest: Path) -> Path:
    try:
        git("clone", "--quiet", "--no-checkout", "--", origin, str(dest), cwd=dest.parent)
    except GitFailed as exc:
        where = (
            f"--template-repo or {TEMPLATE_REPO_ENV}"
            if origin != CANONICAL_TEMPLATE_REPO
            else "the network connection, or pass --template-repo with a local clone"
        )
        raise UpdateError(
            f"cannot read the template's history from {origin} ({exc.stderr}); check {where}"
        ) from None
    return dest


def _release_tags(clone: Path) -> dict[Version, str]:
    tags: dict[Version, str] = {}
    for tag in git("tag", "--list", "v*", cwd=clone).split():
        try:
            tags[Version(tag)] = tag
        except InvalidVersion:
            continue
    return tags


def _target_release(clone: Path, origin: str, to: str | None) -> tuple[str, Version]:
    tags = _release_tags(clone)
    wanted = to or __version__
    known = ", ".join(tags[v] for v in sorted(tags)[-8:]) or "none"
    try:
        version = Version(wanted)
    except InvalidVersion:
        raise UpdateError(
            f"--to {to} is not a version; pass one of the template's releases: {known}"
        ) from None
    if version not in tags:
        how = f"--to {to} is" if to else f"this mlscaffold's version ({wanted}) is"
        tag = release_tag(str(version))
        raise UpdateError(
            f"{how} not a release of the template in {origin} (no tag {tag}); "
            f"releases there: {known}. Pass --to with one of them, or --template-repo with a "
            "repository that has the release"
        )
    return tags[version], version


def _project_version(clone: Path, origin: str, commit: str) -> tuple[Version, bool]:
    match = _DESCRIBE.fullmatch(commit)
    try:
        version = Version(match.group("tag")) if match else None
    except InvalidVersion:
        version = None
    if match is None or version is None:
        raise UpdateError(
            f"the project records template commit {commit!r}, not a release (vX.Y.Z), so the "
            "version it came from is unknown; it was probably created from an untagged "
            "development checkout of mlscaffold. Set _commit in its answers file to the release "
            "it was created from, commit, and retry"
        )
    if not git_ok("rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", cwd=clone):
        raise UpdateError(
            f"the project's template version {commit} is not in {origin}; pass --template-repo "
            "with a repository that has it"
        )
    return version, match.group("ahead") is not None


def _check_direction(
    old_commit: str, old: Version, ahead: bool, tag: str, target: Version, to: str | None
) -> None:
    if target < old or (target == old and ahead):
        hint = "pass --to with a later release" if to else "upgrade mlscaffold or pass --to"
        raise UpdateError(
            f"the project is at template version {old_commit}, later than {tag}; going back "
            f"is not supported ({hint})"
        )


def _check_changes(
    clone: Path, tag: str, changes: Mapping[str, str], answers: Mapping[str, Any]
) -> None:
    if not changes:
        return
    config = yaml.safe_load(git("show", f"{tag}:copier.yml", cwd=clone)) or {}
    valid = [str(key) for key in config if not str(key).startswith("_")]
    for key in changes:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise AnswersError(
                f"unknown answer '{key}' in --data; {hint}valid keys: {', '.join(valid)}"
            )
    if "track" in changes and changes["track"] != answers.get("track"):
        raise AnswersError(
            "the track of an existing project cannot be changed by an update; create a new "
            "project with `mlscaffold new --track ...` and move your code over"
        )


# Renames


def _pending_renames(
    clone: Path, tag: str, old: Version, target: Version, answers: Mapping[str, Any]
) -> list[Rename]:
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
                    source=_render_path(item["from"], context, where),
                    target=_render_path(item["to"], context, where),
                )
            )
    return renames


def _jinja_env() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    # The filters copier offers in templates, so that paths render as copier renders them.
    return SandboxedEnvironment(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        undefined=StrictUndefined,
    )


def _render_path(raw: str, context: Mapping[str, Any], where: str) -> str:
    import jinja2

    try:
        rendered = str(_jinja_env().from_string(raw).render(**context))
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{where}: cannot render path {raw!r} ({exc})") from None
    path = PurePosixPath(rendered)
    if path.is_absolute() or ".." in path.parts or not path.parts or "" in rendered.split("/"):
        raise TemplateError(f"{where}: {raw!r} must name a path inside the project")
    return path.as_posix()


@dataclass(frozen=True)
class _Job:
    """One update, runnable on the project or on a throwaway clone of it."""

    template: Template
    clone: Path
    old_commit: str
    target_tag: str
    target: Version
    renames: Sequence[Rename]
    answers: Mapping[str, Any]
    data: Mapping[str, str]

    def run(self, project: Path, top: Path, *, own_identity: bool) -> UpdateReport:
        """Move renamed files, merge the template's changes, and report what changed."""
        moved, not_moved = self._move(project, top, own_identity=own_identity)
        base = git("rev-parse", "HEAD", cwd=top).strip()
        old_commit = self._old_version_with(moved) if moved else self.old_commit
        answers_path = project / self.template.answers_file
        # Copier reads the template's location and the old version from the answers file, in
        # a clean tree: point them at the private clone in a bookkeeping commit, undone below.
        _point_answers_at(answers_path, self.clone, old_commit)
        git("add", "--", str(answers_path), cwd=top)
        _own_commit(top, "mlscaffold update: read the template from a private clone")
        self._copier_update(project)
        stamp_answers(
            answers_path,
            self.template.answers_file,
            commit=self.target_tag,
            version=str(self.target),
        )
        git("reset", "--quiet", base, cwd=top)
        changed, added, removed = _changes(project, top)
        conflicts = tuple(
            path for path in (*changed, *added) if _has_conflict_markers(project / path)
        )
        return UpdateReport(
            project=project,
            from_version=self.old_commit,
            to_version=self.target_tag,
            template_origin="",
            moved=tuple(moved),
            not_moved=tuple(not_moved),
            changed=changed,
            added=added,
            removed=removed,
            conflicts=conflicts,
        )

    def _move(
        self, project: Path, top: Path, *, own_identity: bool
    ) -> tuple[list[Rename], list[tuple[Rename, str]]]:
        moved: list[Rename] = []
        not_moved: list[tuple[Rename, str]] = []
        for rename in self.renames:
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
            message = f"Move files as template {self.target_tag} does\n\n{lines}\n"
            identity = OWN_IDENTITY if own_identity else ()
            # No hooks: the project's own checks run on the finished update, not on a rename.
            git(*identity, "commit", "--quiet", "--no-verify", "-m", message, cwd=top)
        return moved, not_moved

    def _old_version_with(self, moved: Sequence[Rename]) -> str:
        """A private commit of the project's old template version with ``moved`` applied.

        Copier's three-way merge takes its base from the old version: renamed there too, the
        base holds the file at its new path and the project's edits merge into the new version.
        """
        clone = self.clone
        git("-c", "advice.detachedHead=false", "checkout", "--quiet", self.old_commit, cwd=clone)
        config = yaml.safe_load((clone / "copier.yml").read_text(encoding="utf-8")) or {}
        subdirectory = str(config.get("_subdirectory", "") or "")
        suffix = str(config.get("_templates_suffix", ".jinja"))
        root = clone / subdirectory
        context = {
            **{key: value for key, value in self.answers.items() if not key.startswith("_")},
            "_copier_conf": {"answers_file": self.template.answers_file},
        }
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
            return self.old_commit
        _own_commit(clone, f"{self.old_commit} with the renames of {self.target_tag}")
        return git("rev-parse", "HEAD", cwd=clone).strip()

    def _copier_update(self, project: Path) -> None:
        import copier
        from copier.errors import CopierError

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                copier.run_update(
                    project,
                    data=dict(self.data),
                    vcs_ref=self.target_tag,
                    overwrite=True,
                    defaults=True,
                    quiet=True,
                    unsafe=False,
                    conflict="inline",
                    # Default settings, so that ~/.config/copier/settings.yml cannot interfere.
                    settings=copier.Settings(),
                )
        except ValueError as exc:
            message = str(exc)
            if message.startswith(_ANSWER_ERROR_PREFIXES):
                raise AnswersError(f"{message}; the project was left as it was") from exc
            raise UpdateError(
                f"the update failed ({message}); the project was left as it was"
            ) from exc
        except CopierError as exc:
            raise UpdateError(f"the update failed ({exc}); the project was left as it was") from exc


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


def _point_answers_at(answers_path: Path, clone: Path, commit: str) -> None:
    loaded = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    loaded.update({"_src_path": str(clone), "_commit": commit})
    answers_path.write_text(yaml.safe_dump(loaded, sort_keys=True), encoding="utf-8")


def _own_commit(cwd: Path, message: str) -> None:
    git(*OWN_IDENTITY, "commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", message, cwd=cwd)


def _changes(project: Path, top: Path) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    prefix = project.relative_to(top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    changed, added, removed = [], [], []
    status = git("status", "--porcelain", "-z", "--untracked-files=all", "--", ".", cwd=project)
    for entry in status.split("\0"):
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:].removeprefix(prefix)
        if code == "??" or "A" in code:
            added.append(path)
        elif "D" in code:
            removed.append(path)
        else:
            changed.append(path)
    return tuple(sorted(changed)), tuple(sorted(added)), tuple(sorted(removed))


def _has_conflict_markers(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return any(line.startswith(CONFLICT_MARKER) for line in handle)
    except OSError:
        return False


def _common(report: UpdateReport) -> dict[str, Any]:
    return {
        "project": report.project,
        "template_origin": report.template_origin,
        "dry_run": report.dry_run,
        "start_commit": report.start_commit,
    }


def _replace(report: UpdateReport, **changes: Any) -> UpdateReport:
    return dataclasses.replace(report, **changes)


# Output


def format_update(report: UpdateReport) -> str:
    """The summary ``mlscaffold update`` prints."""
    versions = f"{report.from_version} -> {report.to_version}"
    if report.up_to_date:
        return (
            f"{report.project} is already at template version {report.to_version}; nothing to "
            "update (pass --to for another release, or --data KEY=VALUE to change an answer)"
        )
    verb = "Would update" if report.dry_run else "Updated"
    lines = [
        f"{verb} {report.project}: template {versions}",
        f"  template history: {report.template_origin}",
    ]

    def section(title: str, paths: Sequence[str]) -> None:
        if paths:
            lines.append("")
            lines.append(f"{title} ({len(paths)}):")
            lines.extend(f"  {path}" for path in paths)

    if report.moved:
        how = "would be moved" if report.dry_run else "moved and committed"
        lines.append("")
        lines.append(f"Files the template renamed, {how} with your edits ({len(report.moved)}):")
        lines.extend(f"  {r.source} -> {r.target}  (v{r.version})" for r in report.moved)
    if report.not_moved:
        lines.append("")
        lines.append("Renames not applied:")
        lines.extend(f"  {r.source} -> {r.target}: {why}" for r, why in report.not_moved)
    section("Changed", report.changed)
    section("Added", report.added)
    section("Removed", report.removed)
    if not (report.changed or report.added or report.removed or report.moved):
        lines.append("")
        lines.append("No files change.")
    lines.append("")
    if report.conflicts:
        would = "would conflict" if report.dry_run else "have conflicts"
        lines.append(
            f"Conflicts: {len(report.conflicts)} file(s) {would}: the template and your edits "
            "changed the same lines."
        )
        lines.extend(f"  {path}" for path in report.conflicts)
        if not report.dry_run:
            lines.append(
                "Each holds both versions between '<<<<<<< before updating' and "
                "'>>>>>>> after updating'; keep what you need, delete the markers, then review "
                "with `git diff` and commit."
            )
    if report.dry_run:
        lines.append("Dry run: nothing was changed.")
    elif not report.conflicts:
        lines.append("Review the changes with `git diff`, run the tests, and commit.")
    if not report.dry_run:
        lines.append(
            f"To undo the whole update: git reset --hard {report.start_commit[:12]} && "
            "git clean -fd"
        )
    return "\n".join(lines)
