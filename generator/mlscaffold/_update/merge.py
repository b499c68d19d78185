"""The update's merge step: move renamed files, then let Copier merge the target release.

Copier reads the template's location and the project's old version from the answers file, and
needs a clean tree: the answers file is pointed at the update's private template repository in
a bookkeeping commit, undone once Copier is done (the project keeps only the merged files and the
answers file stamped with the new release).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlscaffold import _copier
from mlscaffold._answers import stamp_answers
from mlscaffold._git import git, own_commit
from mlscaffold._releases.registry import Release
from mlscaffold._update.releases import History
from mlscaffold._update.renames import Rename, move_files, old_version_with
from mlscaffold._update.report import UpdateReport

CONFLICT_MARKER = b"<<<<<<< "


@dataclass(frozen=True)
class Merge:
    """One update, runnable on the project or on a throwaway clone of it.

    Attributes:
        history: The private template repository with the old and the target version.
        old_label: The version the project records (its ``_commit``).
        target: The release to merge.
        renames: Files the releases in between moved.
        answers: The project's answers.
        data: Answers to change.
        answers_file: The answers file's path in the project.
        src: What the answers file records as the template's source afterwards.
    """

    history: History
    old_label: str
    target: Release
    renames: Sequence[Rename]
    answers: Mapping[str, Any]
    data: Mapping[str, str]
    answers_file: str
    src: str

    def run(self, project: Path, top: Path, *, own_identity: bool) -> UpdateReport:
        """Move renamed files, merge the template's changes, and report what changed."""
        tag = self.history.target_tag
        moved, not_moved = move_files(self.renames, tag, project, top, own_identity=own_identity)
        base = git("rev-parse", "HEAD", cwd=top).strip()
        old_ref = self.history.old_ref
        if moved:
            old_ref = old_version_with(
                self.history.repo, old_ref, tag, moved, self.answers, self.answers_file
            )
        answers_path = project / self.answers_file
        _point_answers_at(answers_path, self.history.repo, old_ref)
        git("add", "--", str(answers_path), cwd=top)
        own_commit("mlscaffold update: read the template from a private repository", cwd=top)
        _copier.update(project, data=self.data, vcs_ref=tag)
        stamp_answers(
            answers_path,
            self.answers_file,
            src=self.src,
            commit=tag,
            version=str(self.target.version),
        )
        git("reset", "--quiet", base, cwd=top)
        changed, added, removed = _changes(project, top)
        conflicts = tuple(
            path for path in (*changed, *added) if _has_conflict_markers(project / path)
        )
        return UpdateReport(
            project=project,
            from_version=self.old_label,
            to_version=tag,
            template_origin="",
            moved=tuple(moved),
            not_moved=tuple(not_moved),
            changed=changed,
            added=added,
            removed=removed,
            conflicts=conflicts,
        )


def _point_answers_at(answers_path: Path, repo: Path, commit: str) -> None:
    loaded = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    loaded.update({"_src_path": str(repo), "_commit": commit})
    answers_path.write_text(yaml.safe_dump(loaded, sort_keys=True), encoding="utf-8")


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
