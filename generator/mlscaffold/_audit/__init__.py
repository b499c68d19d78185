"""Score a repository against the production checklist every generated project meets.

Each check reads files only: nothing in the audited repository is imported or executed. A check
passes or fails with evidence (the file and line where it found what it looked for, or what it
looked for and did not find) and a fix saying what to add. The score is the weighted share of
passed checks, from 0 to 100.

The package's modules:

- :mod:`~mlscaffold._audit.registry` lists every check, in report order.
- One module per category holds its checks, each next to its probe: :mod:`.testing`,
  :mod:`.ci`, :mod:`.quality`, :mod:`.data`, :mod:`.training`, :mod:`.artifacts`,
  :mod:`.serving`, :mod:`.monitoring`, :mod:`.docs`, :mod:`.docker` and :mod:`.security`.
- :mod:`.repository` lists and reads the audited files; :mod:`.selectors` names sets of them;
  :mod:`.probes` builds the functions that look for evidence; :mod:`.spec` pairs a probe with
  its id, title, weight and fix.
- :mod:`.tasks` resolves what CI, hooks and people run through every task runner;
  :mod:`.tools` names the tools the checks recognise.
- :mod:`.rubric` judges the ML Test Score (Breck et al., 2017) from the checks.
- :mod:`.results` holds the results and the score; :mod:`.report` prints them as a table,
  Markdown, SARIF or JSON-ready data; :mod:`.run` runs the registry against a folder.

Adding a check is writing it (and its probe, when :func:`~mlscaffold._audit.probes.find` and
:func:`~mlscaffold._audit.probes.exists` do not suffice) in its category's module, and adding
one line to the registry.

In a git repository the files audited are those git tracks or would add (``git ls-files`` with
untracked, not ignored files); elsewhere every file is walked, skipping version-control folders,
virtual environments and caches. Binary files, files over 2 MB, unreadable files, links leaving
the tree or looping, and paths too deep are never read; the report counts them.
"""

from __future__ import annotations

from mlscaffold._audit.registry import CHECKS
from mlscaffold._audit.report import format_report
from mlscaffold._audit.results import AuditReport, Category, Check
from mlscaffold._audit.run import audit_repository
from mlscaffold._audit.spec import CheckSpec

__all__ = [
    "CHECKS",
    "AuditReport",
    "Category",
    "Check",
    "CheckSpec",
    "audit_repository",
    "format_report",
]
