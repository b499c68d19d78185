"""The production checklist: every check, in the order the report lists them.

Each check lives in the module of its category, next to its probe. Adding a check is writing it
there and adding one line here.
"""

from __future__ import annotations

from mlscaffold._audit import (
    artifacts,
    ci,
    data,
    docker,
    docs,
    monitoring,
    quality,
    security,
    serving,
    testing,
    training,
)
from mlscaffold._audit.spec import CheckSpec

CHECKS: tuple[CheckSpec, ...] = (
    testing.TESTS_PRESENT,
    ci.TESTS_IN_CI,
    testing.COVERAGE_FLOOR,
    quality.LINT,
    quality.TYPECHECK,
    quality.DEPENDENCIES_PINNED,
    quality.PRE_COMMIT,
    quality.MAKE_VERBS,
    data.DATA_VALIDATION,
    training.SEEDED,
    training.RUN_LOG,
    artifacts.ARTIFACT_MANIFEST,
    serving.SERVING_ROUTES,
    serving.LOAD_TEST,
    monitoring.DRIFT_MONITORING,
    docs.CARDS,
    docs.README_RESULTS,
    docs.README_ARCHITECTURE,
    docs.RUNBOOK,
    docs.ADR,
    docker.DOCKERFILE,
    docker.DOCKERIGNORE,
    ci.CI_LEAST_PRIVILEGE,
    ci.CI_TIMEOUTS,
    security.NO_SECRETS,
    security.ENV_IGNORED,
)
"""Every check the audit runs, in report order."""
