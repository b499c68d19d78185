"""Probes: the functions that look for a check's evidence, and the helpers that build them.

A probe reads the repository and returns a :data:`Result`: whether the check passes, and the
evidence (``path:line`` where it found what it looked for, or what it looked for and did not
find). Most checks combine :func:`find` and :func:`exists` with :func:`all_of` and
:func:`any_of`; the others write their probe as a function next to the check.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import TypeAlias

from mlscaffold._audit.repository import Repo
from mlscaffold._audit.selectors import Selector
from mlscaffold._audit.tasks import ci_steps, first_step, summary

Result: TypeAlias = tuple[bool, str]
"""Whether a check passed, and its evidence."""

Probe: TypeAlias = Callable[[Repo], Result]
"""Looks for a check's evidence in the repository."""


def find(what: str, selector: Selector, pattern: str, flags: int = re.MULTILINE) -> Probe:
    """Passes when ``pattern`` matches in one of the selected files; evidence is the first match.

    Args:
        what: What the pattern stands for, named in the evidence when nothing matches.
        selector: The files to search.
        pattern: A regular expression.
        flags: The expression's flags.

    Returns:
        The probe.
    """
    regex = re.compile(pattern, flags)

    def probe(repo: Repo) -> Result:
        hit = repo.first(selector, regex)
        if hit is not None:
            return True, str(hit)
        return False, f"no {what} found in {selector.description}"

    return probe


def exists(what: str, *paths: str, under: str | None = None) -> Probe:
    """Passes when one of ``paths`` (or a file matching the glob ``under``) exists, not empty.

    Args:
        what: What the files are, named in the evidence when none exists.
        *paths: Relative paths to look for, in order; a file found must hold more than space.
        under: A glob; any audited file matching it passes, even empty.

    Returns:
        The probe.
    """

    def probe(repo: Repo) -> Result:
        for path in paths:
            if repo.exists(path) and (repo.text(path) or "").strip():
                return True, f"{path}:1"
        if under is not None:
            for path in repo.files:
                if fnmatch.fnmatchcase(path, under):
                    return True, f"{path}:1"
        looked = ", ".join([*paths, *([under] if under else [])])
        return False, f"no {what} found (looked for {looked})"

    return probe


def all_of(*probes: Probe) -> Probe:
    """Passes when every probe passes; evidence joins theirs, failures first.

    Args:
        *probes: The probes, all run.

    Returns:
        The probe: on failure, only the failing probes' evidence, joined with ``; ``.
    """

    def probe(repo: Repo) -> Result:
        results = [p(repo) for p in probes]
        failures = [evidence for passed, evidence in results if not passed]
        if failures:
            return False, "; ".join(failures)
        return True, "; ".join(evidence for _, evidence in results)

    return probe


def any_of(*probes: Probe) -> Probe:
    """Passes when one probe passes (its evidence); otherwise reports every miss.

    Args:
        *probes: The probes, run in order until one passes.

    Returns:
        The probe.
    """

    def probe(repo: Repo) -> Result:
        misses = []
        for p in probes:
            passed, evidence = p(repo)
            if passed:
                return True, evidence
            misses.append(evidence)
        return False, "; ".join(misses)

    return probe


def ci_runs(what: str, pattern: re.Pattern[str]) -> Probe:
    """Passes when CI runs PATTERN, directly or through a task or hook; evidence is the chain.

    Args:
        what: What the pattern stands for, named in the evidence when CI does not run it.
        pattern: A tool pattern of :mod:`~mlscaffold._audit.tools`.

    Returns:
        The probe.
    """

    def probe(repo: Repo) -> Result:
        step = first_step(ci_steps(repo), pattern)
        if step is not None:
            return True, str(step)
        return False, f"CI runs no {what}, directly or through a task ({summary(repo)})"

    return probe
