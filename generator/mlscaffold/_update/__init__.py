"""Update a generated project to a later template release: ``mlscaffold update``.

An update reads as its steps, each in its own module:

1. :mod:`~mlscaffold._update.preflight`: the project is a clean git repository whose answers
   file names mlscaffold's template and the version it came from;
2. :mod:`~mlscaffold._update.releases`: the releases come from ``--template-repo``, else
   ``$MLSCAFFOLD_TEMPLATE_REPO``, else what this mlscaffold carries (see
   :mod:`mlscaffold._releases.locate`); the project's version and the target are put in a
   private git repository for Copier;
3. :mod:`~mlscaffold._update.renames`: files the releases in between moved are moved first,
   with the project's edits, in a commit;
4. :mod:`~mlscaffold._update.merge`: Copier's three-way merge brings the target's changes, so
   the project's own edits are kept and a real conflict is written inline between ``<<<<<<<``
   and ``>>>>>>>`` markers;
5. :mod:`~mlscaffold._update.report`: what changed.

The update either completes or leaves the project exactly as it was
(:mod:`~mlscaffold._update.rollback`): on any error, Ctrl-C or SIGTERM the project is reset to
the commit it started from. A successful update adds one commit with the renames (if any) and
leaves the template's other changes uncommitted, for review.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from mlscaffold._git import GitFailed, git
from mlscaffold._releases.locate import is_url, locate
from mlscaffold._releases.sources import TEMPLATE_REPO_ENV
from mlscaffold._signals import SignalGuard
from mlscaffold._template import Template, load_template
from mlscaffold._update import preflight, rollback
from mlscaffold._update.merge import Merge
from mlscaffold._update.releases import build_history, check_direction, target_release
from mlscaffold._update.renames import pending_renames
from mlscaffold._update.report import UpdateReport, format_update
from mlscaffold.errors import Terminated, UpdateError

__all__ = ["UpdateReport", "format_update", "update_project"]

LEFT_AS_IT_WAS = "the project was left as it was"


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
        to: Release to update to, such as ``0.2.0``; default: the newest release available.
        data: Answers to change, by question name (``description``, ``author_name``, ...).
        dry_run: Update a throwaway clone of the project instead and report what would change.
        template_repo: Template repository (a clone, a fork or a git URL) to read releases
            from, instead of ``$MLSCAFFOLD_TEMPLATE_REPO`` or the releases mlscaffold carries.

    Returns:
        What changed, including the files left with conflicts.

    Raises:
        UpdateError: The project or the template version cannot be used, or the update failed
            (the project was restored).
        ReleaseError: The project's release or the target cannot be found.
        AnswersError: An answer in ``data`` is unknown or rejected by the template.
        TemplateError: The template release is malformed.
        Terminated: A signal arrived (the project was restored).
    """
    template = load_template()
    project = preflight.resolve_project(path)
    top = preflight.work_tree_root(project)
    preflight.check_clean(top, project)
    start = git("rev-parse", "HEAD", cwd=top).strip()
    answers = preflight.read_project_answers(
        project / template.answers_file, template, template_repo
    )
    changes = dict(data or {})
    try:
        with (
            SignalGuard() as guard,
            tempfile.TemporaryDirectory(prefix="mlscaffold-update-") as scratch_dir,
        ):
            scratch = Path(scratch_dir)
            source = locate(template, template_repo, scratch)
            target = target_release(source, to)
            old = source.resolve(str(answers["_commit"]))
            check_direction(old, target, to)
            report = UpdateReport(
                project=project,
                from_version=old.label,
                to_version=target.tag,
                template_origin=source.origin,
                dry_run=dry_run,
                start_commit=start,
            )
            if old.release == target and not changes:
                return dataclasses.replace(report, up_to_date=True)
            history = build_history(source, old, target, scratch / "template")
            preflight.check_changes(history.repo, history.target_tag, changes, answers)
            merge = Merge(
                history=history,
                old_label=old.label,
                target=target,
                renames=pending_renames(
                    history.repo,
                    history.target_tag,
                    old.base,
                    target.version,
                    answers,
                    template.answers_file,
                ),
                answers=answers,
                data=changes,
                answers_file=template.answers_file,
                src=_recorded_source(template, template_repo),
            )
            if dry_run:
                copy_top = scratch / "project"
                git("clone", "--quiet", "--", str(top), str(copy_top), cwd=scratch)
                copy = copy_top / project.relative_to(top)
                return _finish(report, merge.run(copy, copy_top, own_identity=True))
            ignored_before = rollback.ignored(top)
            try:
                return _finish(report, merge.run(project, top, own_identity=False))
            except BaseException as exc:
                with guard.held():
                    rollback.restore(top, start, ignored_before)
                guard.reraise_if_signalled(exc, LEFT_AS_IT_WAS)
                raise
    except Terminated as exc:
        if exc.outcome == LEFT_AS_IT_WAS:
            raise
        raise Terminated(exc.signum, LEFT_AS_IT_WAS) from None
    except GitFailed as exc:
        raise UpdateError(f"git failed ({exc}); {LEFT_AS_IT_WAS} at commit {start[:12]}") from exc


def _recorded_source(template: Template, template_repo: str | None) -> str:
    """What the answers file records as the template's source after the update."""
    named = template_repo or os.environ.get(TEMPLATE_REPO_ENV, "").strip()
    if not named:
        return str(template.root)
    return named if is_url(named) else str(Path(named).expanduser().resolve())


def _finish(report: UpdateReport, done: UpdateReport) -> UpdateReport:
    return dataclasses.replace(
        done,
        project=report.project,
        template_origin=report.template_origin,
        dry_run=report.dry_run,
        start_commit=report.start_commit,
    )
