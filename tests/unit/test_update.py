"""`mlscaffold update`: three-way merge, renames, refusals, dry run and rollback.

A local git repository of the template with two releases is built in a temporary folder: v0.1.0
is this checkout's template, v0.2.0 changes a shared doc, moves two files (declared in
``templates/migrations.yml``, one path with Jinja in it) and changes a README line that the
project edits too. Offline: the template's history is read with ``--template-repo``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from copier.errors import UserMessageError

from mlscaffold._new import create_project
from mlscaffold._template import (
    CANONICAL_TEMPLATE_REPO,
    TEMPLATE_REPO_ENV,
    load_template,
    rendered_commit,
    template_repository,
)
from mlscaffold._update import update_project
from mlscaffold.cli import EXIT_CONFLICTS, main
from mlscaffold.errors import Terminated, UpdateError
from tests.support import (
    ANSWERS_FILE,
    append,
    commit_all,
    edit,
    generate_at,
    isolated_git,
    read_answers,
    sh,
    template_repository_at,
)

TRACK = "fraud-detection"
PACKAGE = "acme"
DRIFT_OLD = f"src/{PACKAGE}/core/drift.py"
DRIFT_NEW = f"src/{PACKAGE}/core/psi.py"
CHECKLIST_OLD = "docs/risk_checklist.md"
CHECKLIST_NEW = "docs/governance/risk_checklist.md"
MIGRATIONS = """\
# File renames per release, as paths in generated projects.
- version: "0.2.0"
  renames:
    - {from: "docs/risk_checklist.md", to: "docs/governance/risk_checklist.md"}
    - {from: "src/{{ package_name }}/core/drift.py", to: "src/{{ package_name }}/core/psi.py"}
"""
RUNBOOK_ADDITION = "\n## Template updates\nTake template releases with `mlscaffold update`.\n"
CHECKLIST_ADDITION = "\nChecked against template release 0.2.0.\n"
DRIFT_ADDITION = "\n\n# Template 0.2.0: PSI bins are quantiles of the reference sample.\n"


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` outside .git (ignored ones too), with a hash of its content."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def prefix_first_line(path: Path, start: str, replacement: str) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(start), first
    edit(path, first, replacement + first[len(start) :])


def retitle(path: Path, suffix: str) -> None:
    """Add ``suffix`` to the first line (the title) of a text file."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    edit(path, first + "\n", first + suffix + "\n")


def head(repo: Path) -> str:
    return sh("git", "rev-parse", "HEAD", cwd=repo).strip()


@pytest.fixture(scope="module", autouse=True)
def _git_identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Commits work without the user's git configuration, and are not affected by it."""
    with isolated_git(tmp_path_factory.mktemp("git")):
        yield


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory, _git_identity: None) -> Path:
    """A template repository with releases v0.1.0 (this checkout) and v0.2.0."""
    repo = template_repository_at(tmp_path_factory.mktemp("template") / "mlscaffold")

    project = repo / "templates" / "project"
    append(project / "docs" / "runbook.md.jinja", RUNBOOK_ADDITION)
    (project / "docs" / "governance").mkdir()
    sh("git", "mv", "docs/risk_checklist.md.jinja", "docs/governance/", cwd=project)
    append(project / "docs" / "governance" / "risk_checklist.md.jinja", CHECKLIST_ADDITION)
    core = project / "src" / "{{ package_name }}" / "core"
    sh("git", "mv", "drift.py", "psi.py", cwd=core)
    append(core / "psi.py", DRIFT_ADDITION)
    # Only first lines and ends of files are touched, so the template can change meanwhile.
    retitle(project / "README.md.jinja", " (template 0.2.0)")
    (repo / "templates" / "migrations.yml").write_text(MIGRATIONS, encoding="utf-8")
    commit_all(repo, "Template 0.2.0")
    sh("git", "tag", "v0.2.0", cwd=repo)
    return repo


@pytest.fixture(scope="module")
def generated(
    tmp_path_factory: pytest.TempPathFactory, template_repo: Path, _git_identity: None
) -> Path:
    """A project generated at v0.1.0 and committed, then edited by its team and committed."""
    project = generate_at(
        template_repo,
        tmp_path_factory.mktemp("generated") / PACKAGE,
        "v0.1.0",
        {"track": TRACK, "project_name": PACKAGE},
    )
    append(project / "configs" / "config.yaml", "# tuned by the team\n")
    prefix_first_line(project / DRIFT_OLD, '"""', '"""(team) ')
    prefix_first_line(project / CHECKLIST_OLD, "# ", "# (team) ")
    retitle(project / "README.md", " for the team")
    commit_all(project, "Team edits")
    return project


@pytest.fixture
def project(generated: Path, tmp_path: Path) -> Path:
    """A fresh copy of the generated project, git history included."""
    copy = tmp_path / PACKAGE
    shutil.copytree(generated, copy, symlinks=True)
    return copy


@pytest.fixture
def template_env(template_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """New answers files name the test template repository, as the generated project does."""
    monkeypatch.setenv(TEMPLATE_REPO_ENV, str(template_repo))
    return template_repo


def update(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["update", *(str(a) for a in args)])


def assert_refused(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


# Where a project records its template


def test_new_project_records_the_repository_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TEMPLATE_REPO_ENV, "https://git.example.com/team/mlscaffold.git")

    project = create_project(tmp_path / "acme", TRACK, defaults=True)

    assert read_answers(project)["_src_path"] == "https://git.example.com/team/mlscaffold.git"


def test_canonical_repository_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TEMPLATE_REPO_ENV, raising=False)

    assert template_repository() == CANONICAL_TEMPLATE_REPO


def test_clone_records_its_describe_and_notes_uncommitted_template_changes(
    template_repo: Path, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    sh("git", "clone", "--quiet", template_repo, clone, cwd=tmp_path)
    template = dataclasses.replace(load_template(), root=clone, is_git_clone=True)

    sh("git", "checkout", "--quiet", "v0.1.0", cwd=clone)
    assert rendered_commit(template).commit == "v0.1.0"
    assert rendered_commit(template).note is None

    sh("git", "checkout", "--quiet", "-", cwd=clone)
    append(clone / "copier.yml", "\n")
    commit_all(clone, "Unreleased change")
    assert re.fullmatch(r"v0\.2\.0-1-g[0-9a-f]+", rendered_commit(template).commit)

    append(clone / "templates" / "project" / "README.md.jinja", "draft\n")
    dirty = rendered_commit(template)
    assert dirty.commit.startswith("v0.2.0-1-g")
    assert dirty.note is not None
    assert "uncommitted template changes" in dirty.note


# A full update


def test_update_keeps_edits_applies_changes_and_moves_renamed_files(
    project: Path, template_env: Path
) -> None:
    start = head(project)

    result = update(project, "--to", "0.2.0", "--template-repo", template_env)

    assert result.exit_code == EXIT_CONFLICTS, result.output
    # The edit in a file the template did not change survived.
    assert (project / "configs" / "config.yaml").read_text().endswith("# tuned by the team\n")
    # The template's change to a shared doc arrived.
    assert (project / "docs" / "runbook.md").read_text().endswith(RUNBOOK_ADDITION)
    # Renamed files moved with the team's edits merged into the template's new version.
    assert not (project / DRIFT_OLD).exists()
    drift = (project / DRIFT_NEW).read_text()
    assert drift.startswith('"""(team) ')
    assert drift.endswith(DRIFT_ADDITION)
    assert "<<<<<<<" not in drift
    assert not (project / CHECKLIST_OLD).exists()
    checklist = (project / CHECKLIST_NEW).read_text()
    assert checklist.startswith("# (team) ")
    assert checklist.endswith(CHECKLIST_ADDITION)
    # The colliding README edit is written inline and listed last.
    readme = (project / "README.md").read_text()
    assert "<<<<<<< before updating" in readme
    assert f"# {PACKAGE} for the team\n" in readme
    assert "(template 0.2.0)" in readme
    conflicts = result.output[result.output.index("Conflicts:") :]
    assert "README.md" in conflicts
    # The answers file names the new release.
    answers = read_answers(project)
    assert answers["_commit"] == "v0.2.0"
    assert answers["_mlscaffold_version"] == "0.2.0"
    assert answers["_src_path"] == str(template_env)
    # The renames are one commit on top of the start; the rest is left to review.
    assert sh("git", "rev-parse", "HEAD~1", cwd=project).strip() == start
    moved = sh("git", "show", "--name-status", "--format=%s", "HEAD", cwd=project)
    assert f"{DRIFT_OLD}\t{DRIFT_NEW}" in moved
    assert "v0.1.0 -> v0.2.0" in result.output
    assert f"{DRIFT_OLD} -> {DRIFT_NEW}" in result.output


def test_data_changes_an_answer(project: Path, template_env: Path) -> None:
    result = update(
        project, "--to", "v0.2.0", "--template-repo", template_env, "--data", "description=Acme"
    )

    assert result.exit_code == EXIT_CONFLICTS, result.output
    assert read_answers(project)["description"] == "Acme"
    assert "\nAcme.\n" in (project / "README.md").read_text()


def test_update_to_the_same_release_with_nothing_to_change_does_nothing(
    project: Path, template_env: Path
) -> None:
    update(project, "--to", "0.2.0", "--template-repo", template_env)
    commit_all(project, "Take template 0.2.0")
    start = head(project)

    result = update(project, "--to", "0.2.0", "--template-repo", template_env)

    assert result.exit_code == 0, result.output
    assert "already at template version v0.2.0" in result.output
    assert head(project) == start


def test_project_from_an_installed_package_before_versions_were_recorded(
    project: Path, template_env: Path
) -> None:
    # Earlier releases recorded the installed template folder and no commit, only their version.
    answers = yaml.safe_load((project / ANSWERS_FILE).read_text())
    del answers["_commit"]
    answers["_src_path"] = "/venv/lib/python3.11/site-packages/mlscaffold/_template"
    (project / ANSWERS_FILE).write_text(yaml.safe_dump(answers), encoding="utf-8")
    commit_all(project, "Answers file as written by mlscaffold 0.1.0")

    result = update(project, "--to", "0.2.0", "--template-repo", template_env)

    assert result.exit_code == EXIT_CONFLICTS, result.output
    assert "v0.1.0 -> v0.2.0" in result.output
    assert read_answers(project)["_commit"] == "v0.2.0"


# Dry run


def test_dry_run_lists_the_changes_and_touches_nothing(project: Path, template_env: Path) -> None:
    start, before = head(project), snapshot(project)

    result = update(project, "--dry-run", "--to", "0.2.0", "--template-repo", template_env)

    assert result.exit_code == EXIT_CONFLICTS, result.output
    assert head(project) == start
    assert snapshot(project) == before
    assert sh("git", "status", "--porcelain", "--ignored", cwd=project) == ""
    for path in ("docs/runbook.md", ANSWERS_FILE, "README.md", f"{DRIFT_OLD} -> {DRIFT_NEW}"):
        assert path in result.output
    assert "Dry run: nothing was changed." in result.output


# Rollback


@pytest.mark.parametrize(
    ("failure", "raised"),
    [
        (lambda: signal.raise_signal(signal.SIGINT), KeyboardInterrupt),
        (lambda: signal.raise_signal(signal.SIGTERM), Terminated),
        (lambda: _raise(UserMessageError("copier failed")), UpdateError),
    ],
    ids=["ctrl-c", "sigterm", "copier-error"],
)
def test_failed_update_leaves_the_project_exactly_as_it_was(
    project: Path,
    template_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: Callable[[], None],
    raised: type[BaseException],
) -> None:
    import copier

    real_update = copier.run_update

    def fail_after_writing(*args: Any, **kwargs: Any) -> Any:
        real_update(*args, **kwargs)
        (project / "stray.txt").write_text("left behind\n", encoding="utf-8")
        (project / ".env").write_text("SECRET=x\n", encoding="utf-8")  # ignored by git
        failure()

    monkeypatch.setattr(copier, "run_update", fail_after_writing)
    start, before = head(project), snapshot(project)

    with pytest.raises(raised) as caught:
        update_project(project, to="0.2.0", template_repo=str(template_env))

    if isinstance(caught.value, Terminated):
        assert caught.value.outcome == "the project was left as it was"

    assert head(project) == start
    assert snapshot(project) == before
    assert sh("git", "status", "--porcelain", "--ignored", cwd=project) == ""


def _raise(error: BaseException) -> None:
    raise error


# Refusals


def test_uncommitted_change_is_refused(project: Path, template_env: Path) -> None:
    append(project / "README.md", "draft\n")

    result = update(project, "--to", "0.2.0", "--template-repo", template_env)

    assert_refused(result, "uncommitted changes", "README.md", "stash")


def test_untracked_file_is_refused(project: Path, template_env: Path) -> None:
    (project / "notes.txt").write_text("draft\n", encoding="utf-8")

    result = update(project, "--to", "0.2.0", "--template-repo", template_env)

    assert_refused(result, "untracked files", "notes.txt", "Commit them")


def test_folder_that_is_not_a_git_repository_is_refused(tmp_path: Path) -> None:
    result = update(tmp_path)

    assert_refused(result, "not a git repository", "git init")


def test_answers_file_of_another_template_is_refused(project: Path, template_env: Path) -> None:
    answers = yaml.safe_load((project / ANSWERS_FILE).read_text())
    answers["_src_path"] = "gh:someone/other-template"
    (project / ANSWERS_FILE).write_text(yaml.safe_dump(answers), encoding="utf-8")
    commit_all(project, "Point at another template")

    result = update(project, "--to", "0.2.0", "--template-repo", template_env)

    assert_refused(result, "another template", "gh:someone/other-template")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(None, "has no .copier-answers.yml"), ("_commit: [v0.1.0\n", "not valid YAML")],
    ids=["missing", "malformed"],
)
def test_missing_or_malformed_answers_file_is_refused(
    project: Path, template_env: Path, content: str | None, fragment: str
) -> None:
    if content is None:
        (project / ANSWERS_FILE).unlink()
    else:
        (project / ANSWERS_FILE).write_text(content, encoding="utf-8")
    commit_all(project, "Break the answers file")

    result = update(project, "--to", "0.2.0", "--template-repo", template_env)

    assert_refused(result, fragment, "restore it from git history")


def test_release_that_does_not_exist_is_refused(project: Path, template_env: Path) -> None:
    result = update(project, "--to", "v9.9.9", "--template-repo", template_env)

    assert_refused(result, "no tag v9.9.9", "v0.1.0, v0.2.0")
