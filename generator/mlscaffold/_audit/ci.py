"""Continuous integration checks: tests run in CI, with least privilege and timeouts.

GitHub Actions workflows and GitLab CI are read; the tests may run through any task runner or
hook manager :mod:`~mlscaffold._audit.tasks` resolves.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

from mlscaffold._audit.probes import Result, ci_runs
from mlscaffold._audit.repository import Hit, Repo, hit_at
from mlscaffold._audit.selectors import WORKFLOWS
from mlscaffold._audit.spec import CheckSpec
from mlscaffold._audit.tasks import gitlab_files
from mlscaffold._audit.tools import TEST_RUNNERS

TESTS_IN_CI = CheckSpec(
    id="tests-in-ci",
    title="Tests run in CI",
    category="ci",
    weight=3,
    fix="Add a CI step that runs the tests on push and pull_request: `pytest`, or the task that "
    "runs it (`make test`, `just test`, `mise run test`, `nox -s tests`, `tox`, `poe test`...).",
    probe=ci_runs("test runner (pytest, unittest, hatch test)", TEST_RUNNERS),
)
"""A workflow runs the tests, directly or through a task."""


_SHA_PINNED = re.compile(r"@[0-9a-f]{40}\b")
_GITLAB_KEYWORDS = frozenset(
    {
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
    }
)


def _on_every_ci(
    repo: Repo,
    github: Callable[[Repo, list[str]], Result],
    gitlab: Callable[[Repo, list[str]], Result],
) -> Result:
    """Run a probe on each CI the repository has, and pass when every one passes.

    ``github`` reads the GitHub workflows, ``gitlab`` the GitLab CI files; the evidence is each
    CI's, or each failure's.
    """
    workflows = repo.select(WORKFLOWS)
    gitlab_ci = gitlab_files(repo)
    if not workflows and not gitlab_ci:
        return False, "no CI found (.github/workflows/*.yml, .gitlab-ci.yml)"
    results = []
    if workflows:
        results.append(github(repo, workflows))
    if gitlab_ci:
        results.append(gitlab(repo, gitlab_ci))
    failed = [evidence for passed, evidence in results if not passed]
    if failed:
        return False, "; ".join(failed)
    return True, "; ".join(evidence for _, evidence in results)


def _github_least_privilege(repo: Repo, workflows: list[str]) -> Result:
    evidence = []
    for path in workflows:
        text = repo.text(path) or ""
        write_all = re.search(r"\bwrite-all\b", text)
        if write_all:
            return False, f"{hit_at(path, text, write_all.start())} grants every permission"
        permissions = re.search(r"^\s*permissions\s*:", text, re.MULTILINE)
        if permissions is None:
            return False, f"{path}:1: no 'permissions:' block (the token gets the default scopes)"
        evidence.append(hit_at(path, text, permissions.start()).where)
        for uses in re.finditer(r"^\s*-?\s*uses\s*:\s*['\"]?([^\s'\"#]+)", text, re.MULTILINE):
            action = uses.group(1)
            if action.startswith(("./", "docker://")):
                continue
            if not _SHA_PINNED.search(action):
                where = hit_at(path, text, uses.start()).where
                return False, f"{where}: {action} is not pinned to a commit SHA"
    return True, "permissions set at " + ", ".join(evidence) + "; every action pinned to a SHA"


def _gitlab_least_privilege(repo: Repo, files: list[str]) -> Result:
    for path in files:
        text = repo.text(path) or ""
        for match in re.finditer(
            r"^[ \t-]*(remote|component)\s*:\s*['\"]?(\S+?)['\"]?\s*$", text, re.M
        ):
            kind, target = match.groups()
            pinned = _SHA_PINNED.search(target) if kind == "component" else None
            if not pinned:
                where = hit_at(path, text, match.start()).where
                return False, f"{where}: included {kind} {target} is not pinned to a commit SHA"
        for match in re.finditer(r"^[ \t]*ref\s*:\s*['\"]?([^\s'\"#]+)", text, re.M):
            if not re.fullmatch(r"[0-9a-f]{40}", match.group(1)):
                where = hit_at(path, text, match.start()).where
                return False, f"{where}: included project ref {match.group(1)} is not a commit SHA"
    return True, (
        f"{files[0]}:1: every include pinned to a commit SHA (the job token's scope is a project "
        "setting, not a file)"
    )


def ci_least_privilege(repo: Repo) -> Result:
    """Workflows set ``permissions:`` (never write-all) and pin actions and includes to a SHA.

    GitHub workflows must each set ``permissions:`` and pin every action; GitLab pipelines must
    pin every included remote file, component and project ref.

    Args:
        repo: The audited repository.

    Returns:
        Pass with each workflow's permissions line, or the first line at fault.
    """
    return _on_every_ci(repo, _github_least_privilege, _gitlab_least_privilege)


CI_LEAST_PRIVILEGE = CheckSpec(
    id="ci-least-privilege",
    title="CI least privilege, pinned actions",
    category="ci",
    weight=2,
    fix="Set `permissions: contents: read` in every workflow (never write-all) and pin each "
    "`uses:` action to a full commit SHA (`actions/checkout@<40 hex> # v4`); on GitLab pin every "
    "`include:` to a commit SHA.",
    probe=ci_least_privilege,
)
"""Workflow tokens get only the scopes they need, and actions cannot change under them."""


def _github_timeouts(repo: Repo, workflows: list[str]) -> Result:
    first: Hit | None = None
    for path in workflows:
        text = repo.text(path) or ""
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError:
            return False, f"{path}:1: not valid YAML"
        jobs = loaded.get("jobs") if isinstance(loaded, dict) else None
        if not isinstance(jobs, dict) or not jobs:
            return False, f"{path}:1: no jobs"
        for name, job in jobs.items():
            if isinstance(job, dict) and "uses" in job:
                continue  # a reusable workflow sets its own timeouts
            if not isinstance(job, dict) or "timeout-minutes" not in job:
                found = re.search(rf"^[ \t]+{re.escape(str(name))}\s*:", text, re.MULTILINE)
                where = hit_at(path, text, found.start()).where if found else f"{path}:1"
                return False, f"{where}: job '{name}' has no timeout-minutes"
        found_timeout = re.search(r"timeout-minutes", text)
        if first is None and found_timeout:
            first = hit_at(path, text, found_timeout.start())
    where = first.where if first else workflows[0]
    return True, f"{where}: every job has timeout-minutes"


def _gitlab_timeouts(repo: Repo, files: list[str]) -> Result:
    default_timeout = False
    jobs: list[tuple[str, str, bool]] = []
    for path in files:
        text = repo.text(path) or ""
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError:
            return False, f"{path}:1: not valid YAML"
        if not isinstance(loaded, dict):
            continue
        default = loaded.get("default")
        if isinstance(default, dict) and "timeout" in default:
            default_timeout = True
        for name, job in loaded.items():
            if name in _GITLAB_KEYWORDS or str(name).startswith(".") or not isinstance(job, dict):
                continue
            if "script" in job or "trigger" in job or "extends" in job:
                jobs.append((path, str(name), "timeout" in job))
    if default_timeout:
        return True, f"{files[0]}:1: default: timeout applies to every job"
    for path, name, has in jobs:
        if not has:
            text = repo.text(path) or ""
            found = re.search(rf"^{re.escape(name)}\s*:", text, re.MULTILINE)
            where = hit_at(path, text, found.start()).where if found else f"{path}:1"
            return False, f"{where}: job '{name}' has no timeout"
    return bool(
        jobs
    ), f"{files[0]}:1: every job has a timeout" if jobs else f"{files[0]}:1: no jobs"


def ci_timeouts(repo: Repo) -> Result:
    """Every CI job sets a timeout (reusable-workflow calls excepted).

    Args:
        repo: The audited repository.

    Returns:
        Pass with the first ``timeout-minutes`` line, or the workflow or job at fault.
    """
    return _on_every_ci(repo, _github_timeouts, _gitlab_timeouts)


CI_TIMEOUTS = CheckSpec(
    id="ci-timeouts",
    title="CI timeouts",
    category="ci",
    weight=1,
    fix="Give every workflow job a `timeout-minutes:` (for example 20); on GitLab set "
    "`default: timeout:` or a `timeout:` per job.",
    probe=ci_timeouts,
)
"""No CI job can hang until the platform's default limit."""
