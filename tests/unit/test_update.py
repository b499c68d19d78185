"""`mlscaffold update`: three-way merge, renames, refusals, dry run, rollback, release sources.

A small template with mlscaffold's shape (tests.support.tiny_template_at) is released twice in a
temporary git repository, through its registry and without tags: 0.1.0, then 0.2.0, which
changes a shared doc, moves two files (declared in ``templates/migrations.yml``, one path with
Jinja in it) and changes a README line that the project edits too. Offline: releases are read
with ``--template-repo`` or ``$MLSCAFFOLD_TEMPLATE_REPO``. Updating a real generated project is
in the end-to-end layer (tests/e2e/test_update_e2e.py, tests/e2e/test_release_wheels.py).
"""

from __future__ import annotations

import hashlib
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from copier.errors import UserMessageError
from packaging.version import Version

from mlscaffold._releases.sources import TEMPLATE_REPO_ENV
from mlscaffold._update import update_project
from mlscaffold._update.renames import pending_renames
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
    release,
    sh,
    tiny_template_at,
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
LEGACY_SOURCE = "https://github.com/mlscaffold/mlscaffold.git"


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
    """A template repository with releases 0.1.0 and 0.2.0 in its registry, and no tags."""
    repo = tiny_template_at(tmp_path_factory.mktemp("template") / "mlscaffold", tag=False)

    project = repo / "templates" / "project"
    append(project / "docs" / "runbook.md.jinja", RUNBOOK_ADDITION)
    (project / "docs" / "governance").mkdir()
    sh("git", "mv", "docs/risk_checklist.md.jinja", "docs/governance/", cwd=project)
    append(project / "docs" / "governance" / "risk_checklist.md.jinja", CHECKLIST_ADDITION)
    core = project / "src" / "{{ package_name }}" / "core"
    sh("git", "mv", "drift.py", "psi.py", cwd=core)
    append(core / "psi.py", DRIFT_ADDITION)
    retitle(project / "README.md.jinja", " (template 0.2.0)")
    (repo / "templates" / "migrations.yml").write_text(MIGRATIONS, encoding="utf-8")
    release(repo, "0.2.0")
    return repo


def release_commit(repo: Path, version: str) -> str:
    """The commit the registry of ``repo`` names for ``version``."""
    entries = yaml.safe_load((repo / "templates" / "releases.yml").read_text(encoding="utf-8"))
    return str(next(e["commit"] for e in entries if e["version"] == version))


@pytest.fixture(scope="module")
def generated(
    tmp_path_factory: pytest.TempPathFactory, template_repo: Path, _git_identity: None
) -> Path:
    """A project generated at v0.1.0 and committed, then edited by its team and committed."""
    project = generate_at(
        template_repo,
        tmp_path_factory.mktemp("generated") / PACKAGE,
        release_commit(template_repo, "0.1.0"),
        {"track": TRACK, "project_name": PACKAGE},
        label="v0.1.0",
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


# Renames per track

TRACK_FOLDERS = {"fraud-detection": "fraud", "rag": "rag"}
PIPELINE_OLD = f"src/{PACKAGE}/jobs/pipeline.py"
SHARED_PIPELINE = '"""The shared pipeline: runs the steps of the project\'s track."""\n'
TRACK_ADDITION = "\n\n# Template 0.2.0: the steps are the track's.\n"
# Both tracks move a file of the same path, each to its own folder; fraud-detection's comes first.
TRACK_MIGRATIONS = "".join(
    [
        '- version: "0.2.0"\n  renames:\n',
        *(
            f'    - {{from: "src/{{{{ package_name }}}}/jobs/pipeline.py", '
            f'to: "src/{{{{ package_name }}}}/{folder}/track.py"}}\n'
            for folder in TRACK_FOLDERS.values()
        ),
    ]
)


def _track_only(track: str, name: str) -> str:
    """A template path part that only ``track`` renders."""
    return f"{{% if track == '{track}' %}}{name}{{% endif %}}"


@pytest.fixture(scope="module")
def track_template(tmp_path_factory: pytest.TempPathFactory, _git_identity: None) -> Path:
    """A template whose tracks' pipelines share a path in 0.1.0 and have their own in 0.2.0.

    Release 0.2.0 moves each track's pipeline into the track's folder, changes it, and adds a
    new shared pipeline at the old path.
    """
    pipelines = {
        f"src/{{{{ package_name }}}}/jobs/{_track_only(track, 'pipeline.py')}": (
            f'"""The {track} pipeline."""\n\nSTEPS = ["ingest", "train"]\n'
        )
        for track in TRACK_FOLDERS
    }
    repo = tiny_template_at(tmp_path_factory.mktemp("tracks") / "mlscaffold", files=pipelines)
    package = repo / "templates" / "project" / "src" / "{{ package_name }}"
    for track, folder in TRACK_FOLDERS.items():
        (package / _track_only(track, folder)).mkdir()
        sh(
            "git",
            "mv",
            f"jobs/{_track_only(track, 'pipeline.py')}",
            f"{_track_only(track, folder)}/track.py",
            cwd=package,
        )
        append(package / _track_only(track, folder) / "track.py", TRACK_ADDITION)
    (package / "jobs" / "pipeline.py").write_text(SHARED_PIPELINE, encoding="utf-8")
    (repo / "templates" / "migrations.yml").write_text(TRACK_MIGRATIONS, encoding="utf-8")
    release(repo, "0.2.0")
    return repo


@pytest.mark.parametrize("track", list(TRACK_FOLDERS))
def test_each_track_moves_its_file_and_the_old_path_gets_the_new_shared_file(
    track: str, track_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TEMPLATE_REPO_ENV, str(track_template))
    project = generate_at(
        track_template,
        tmp_path / PACKAGE,
        release_commit(track_template, "0.1.0"),
        {"track": track, "project_name": PACKAGE},
        label="v0.1.0",
    )
    prefix_first_line(project / PIPELINE_OLD, '"""', '"""(team) ')
    commit_all(project, "Team edits")
    folder = TRACK_FOLDERS[track]
    moved_to = f"src/{PACKAGE}/{folder}/track.py"

    result = update(project, "--to", "0.2.0", "--template-repo", track_template)

    assert result.exit_code == 0, result.output
    assert "Conflicts:" not in result.output, result.output
    # The project's own copy moved to its track's folder, the edit merged with the template's.
    track_module = (project / moved_to).read_text(encoding="utf-8")
    assert track_module.startswith(f'"""(team) The {track} pipeline."""\n')
    assert track_module.endswith(TRACK_ADDITION)
    # The other track's rename was not applied.
    for other in set(TRACK_FOLDERS.values()) - {folder}:
        assert not (project / "src" / PACKAGE / other).exists()
    # The old path holds the release's new shared file, not the project's old one.
    assert (project / PIPELINE_OLD).read_text(encoding="utf-8") == SHARED_PIPELINE
    moves = sh("git", "show", "-M", "--name-status", "--format=", "HEAD", cwd=project)
    assert moves.split() == ["R100", PIPELINE_OLD, moved_to]
    files = sh("git", "ls-files", "--cached", "--others", "--exclude-standard", cwd=project)
    assert not [f for f in files.split() if "<<<<<<< " in (project / f).read_text("utf-8")]


def test_a_rename_applies_when_a_later_release_moves_its_file_on(tmp_path: Path) -> None:
    """A file moved twice on the way to the target is moved; another track's file is not.

    The target release generates the guide where the second move takes it, not at the first
    move's path, and generates nothing at the other move's path.
    """
    repo = tmp_path / "template"
    files = {
        "copier.yml": "_subdirectory: templates/project\n",
        "templates/project/docs/{{ package_name }}/guide.md": "Guide.\n",
        "templates/migrations.yml": """\
- version: "0.2.0"
  renames:
    - {from: "docs/guide.md", to: "docs/manual/guide.md"}
    - {from: "docs/faq.md", to: "docs/rag/faq.md"}
- version: "0.3.0"
  renames:
    - {from: "docs/manual", to: "docs/{{ package_name }}"}
""",
    }
    for relative, text in files.items():
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text(text, encoding="utf-8")
    sh("git", "init", "--quiet", cwd=repo)
    commit_all(repo, "Template 0.3.0")

    renames = pending_renames(
        repo, "HEAD", Version("0.1.0"), Version("0.3.0"), {"package_name": PACKAGE}, ANSWERS_FILE
    )

    assert [(r.version, r.source, r.target) for r in renames] == [
        ("0.2.0", "docs/guide.md", "docs/manual/guide.md"),
        ("0.3.0", "docs/manual", f"docs/{PACKAGE}"),
    ]


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

    assert_refused(result, "--to v9.9.9 is not a release", "releases there: v0.1.0, v0.2.0")


# Where releases come from


def set_source(project: Path, src: str, commit: str) -> None:
    """Rewrite what the project's answers file records as its template, and commit it."""
    answers = yaml.safe_load((project / ANSWERS_FILE).read_text())
    answers.update({"_src_path": src, "_commit": commit})
    (project / ANSWERS_FILE).write_text(yaml.safe_dump(answers), encoding="utf-8")
    commit_all(project, "Answers file as an earlier mlscaffold wrote it")


def test_project_of_release_0_1_0_naming_the_old_url_is_taken_from_the_registry(
    project: Path, template_env: Path
) -> None:
    # Release 0.1.0 recorded a repository URL that does not exist, and its release tag.
    set_source(project, LEGACY_SOURCE, "v0.1.0")

    result = update(project, "--to", "0.2.0")

    assert result.exit_code == EXIT_CONFLICTS, result.output
    assert "v0.1.0 -> v0.2.0" in result.output
    answers = read_answers(project)
    assert answers["_commit"] == "v0.2.0"
    # The source is rewritten to what the releases were read from; no URL is kept.
    assert answers["_src_path"] == str(template_env)


def test_project_made_from_a_tagless_clone_at_a_release_records_a_short_commit(
    project: Path, template_env: Path
) -> None:
    set_source(project, LEGACY_SOURCE, release_commit(template_env, "0.1.0")[:7])

    result = update(project, "--to", "0.2.0")

    assert result.exit_code == EXIT_CONFLICTS, result.output
    assert (project / "docs" / "runbook.md").read_text().endswith(RUNBOOK_ADDITION)


def test_project_made_between_releases_updates_from_a_clone_that_has_its_commit(
    tmp_path: Path, template_repo: Path
) -> None:
    clone = tmp_path / "clone"
    sh("git", "clone", "--quiet", template_repo, clone, cwd=tmp_path)
    sh(
        "git",
        "checkout",
        "--quiet",
        "-b",
        "draft",
        release_commit(template_repo, "0.1.0"),
        cwd=clone,
    )
    append(clone / "templates" / "project" / "README.md.jinja", "\nDraft section.\n")
    commit_all(clone, "Unreleased README section")
    unreleased = sh("git", "rev-parse", "HEAD", cwd=clone).strip()
    sh("git", "checkout", "--quiet", "-", cwd=clone)
    project = generate_at(
        clone,
        tmp_path / PACKAGE,
        unreleased,
        {"track": TRACK, "project_name": PACKAGE},
    )
    set_source(project, LEGACY_SOURCE, f"v0.1.0-1-g{unreleased[:12]}")

    refused = update(project, "--to", "0.2.0", "--template-repo", template_repo)
    result = update(project, "--to", "0.2.0", "--template-repo", clone)

    assert_refused(refused, f"template commit {unreleased[:12]}", "does not have")
    assert result.exit_code == 0, result.output
    # The merge base was the unreleased commit: its draft section, which 0.2.0 does not have, is
    # a template change and goes, where against base 0.1.0 it would pass for the project's edit.
    assert "Draft section." not in (project / "README.md").read_text()
    assert (project / "docs" / "runbook.md").read_text().endswith(RUNBOOK_ADDITION)


def test_template_repo_option_comes_before_the_environment(
    project: Path, template_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    set_source(project, LEGACY_SOURCE, "v0.1.0")
    monkeypatch.setenv(TEMPLATE_REPO_ENV, str(tmp_path / "missing"))

    from_env = update(project, "--to", "0.2.0")
    from_option = update(project, "--to", "0.2.0", "--template-repo", template_env)

    assert_refused(from_env, "$MLSCAFFOLD_TEMPLATE_REPO", "missing", "is not a folder")
    assert from_option.exit_code == EXIT_CONFLICTS, from_option.output


def test_release_tags_alone_are_read_as_releases(project: Path, tmp_path: Path) -> None:
    # A fork that tags its releases and keeps no registry entries of its own.
    fork = tiny_template_at(tmp_path / "fork" / "mlscaffold", tag=True)
    (fork / "templates" / "releases.yml").unlink()
    append(fork / "templates" / "project" / "docs" / "runbook.md.jinja", RUNBOOK_ADDITION)
    commit_all(fork, "Template 0.2.0")
    sh("git", "tag", "v0.2.0", cwd=fork)
    set_source(project, str(fork), "v0.1.0")

    result = update(project, "--to", "0.2.0", "--template-repo", fork)

    assert result.exit_code in (0, EXIT_CONFLICTS), result.output
    assert (project / "docs" / "runbook.md").read_text().endswith(RUNBOOK_ADDITION)


def test_without_to_the_newest_release_is_the_target(project: Path, template_env: Path) -> None:
    result = update(project, "--dry-run")

    assert "v0.1.0 -> v0.2.0" in result.output
    assert "Dry run: nothing was changed." in result.output


def test_releases_lists_the_releases_and_marks_the_projects(
    project: Path, template_env: Path
) -> None:
    result = CliRunner().invoke(main, ["releases", str(project)])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    newest, older = (next(line for line in lines if tag in line) for tag in ("v0.2.0", "v0.1.0"))
    assert lines.index(newest) < lines.index(older)
    assert older.startswith(" * ")
    assert not newest.startswith(" * ")
    assert release_commit(template_env, "0.1.0")[:12] in older
    assert f"{project} is on release v0.1.0" in result.output
