"""Continuous integration checks: tests run in CI, with least privilege and timeouts."""

from __future__ import annotations

import re

import yaml

from mlscaffold._audit.probes import Result, find
from mlscaffold._audit.repository import Hit, Repo, hit_at
from mlscaffold._audit.selectors import WORKFLOWS
from mlscaffold._audit.spec import CheckSpec

TESTS_IN_CI = CheckSpec(
    id="tests-in-ci",
    title="Tests run in CI",
    category="ci",
    weight=3,
    fix="Add a step `run: make test` (or `pytest`) to a workflow in .github/workflows/ that runs "
    "on push and pull_request.",
    probe=find(
        "pytest or `make test` step",
        WORKFLOWS,
        r"\bpytest\b|\bmake\b[^\n#]*\btest\b|\btox\b|\bnox\b",
    ),
)
"""A workflow runs the tests."""


_SHA_PINNED = re.compile(r"@[0-9a-f]{40}\b")


def ci_least_privilege(repo: Repo) -> Result:
    """Every workflow sets ``permissions:`` (never write-all) and pins actions to a commit SHA.

    Args:
        repo: The audited repository.

    Returns:
        Pass with each workflow's permissions line, or the first workflow line at fault.
    """
    workflows = repo.select(WORKFLOWS)
    if not workflows:
        return False, "no workflow found under .github/workflows/"
    evidence = []
    for path in workflows:
        text = repo.text(path) or ""
        write_all = re.search(r"\bwrite-all\b", text)
        if write_all:
            return False, f"{hit_at(path, text, write_all.start())} grants every permission"
        permissions = re.search(r"^\s*permissions\s*:", text, re.MULTILINE)
        if permissions is None:
            return False, f"{path}: no 'permissions:' block (the token gets the default scopes)"
        evidence.append(hit_at(path, text, permissions.start()).where)
        for uses in re.finditer(r"^\s*-?\s*uses\s*:\s*['\"]?([^\s'\"#]+)", text, re.MULTILINE):
            action = uses.group(1)
            if action.startswith(("./", "docker://")):
                continue
            if not _SHA_PINNED.search(action):
                where = hit_at(path, text, uses.start()).where
                return False, f"{where}: {action} is not pinned to a commit SHA"
    return True, "permissions set at " + ", ".join(evidence) + "; every action pinned to a SHA"


CI_LEAST_PRIVILEGE = CheckSpec(
    id="ci-least-privilege",
    title="CI least privilege, pinned actions",
    category="ci",
    weight=2,
    fix="Set `permissions: contents: read` in every workflow (never write-all) and pin each "
    "`uses:` action to a full commit SHA (`actions/checkout@<40 hex> # v4`).",
    probe=ci_least_privilege,
)
"""Workflow tokens get only the scopes they need, and actions cannot change under them."""


def ci_timeouts(repo: Repo) -> Result:
    """Every job of every workflow sets ``timeout-minutes`` (reusable-workflow calls excepted).

    Args:
        repo: The audited repository.

    Returns:
        Pass with the first ``timeout-minutes`` line, or the workflow or job at fault.
    """
    workflows = repo.select(WORKFLOWS)
    if not workflows:
        return False, "no workflow found under .github/workflows/"
    first: Hit | None = None
    for path in workflows:
        text = repo.text(path) or ""
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError:
            return False, f"{path} is not valid YAML"
        jobs = loaded.get("jobs") if isinstance(loaded, dict) else None
        if not isinstance(jobs, dict) or not jobs:
            return False, f"{path} has no jobs"
        for name, job in jobs.items():
            if isinstance(job, dict) and "uses" in job:
                continue  # a reusable workflow sets its own timeouts
            if not isinstance(job, dict) or "timeout-minutes" not in job:
                return False, f"{path}: job '{name}' has no timeout-minutes"
        found = re.search(r"timeout-minutes", text)
        if first is None and found:
            first = hit_at(path, text, found.start())
    where = first.where if first else workflows[0]
    return True, f"{where}: every job has timeout-minutes"


CI_TIMEOUTS = CheckSpec(
    id="ci-timeouts",
    title="CI timeouts",
    category="ci",
    weight=1,
    fix="Give every workflow job a `timeout-minutes:` (for example 20).",
    probe=ci_timeouts,
)
"""No workflow job can hang until the platform's default limit."""
