"""Each example, generated into a temporary folder, passes its own setup, checks and tests.

These tests install the generated project's dependencies (``make setup``), so they need a package
index and take minutes; they are marked ``slow``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from benchmarks.benchlib import free_port, served

from mlscaffold._audit import audit_repository
from tests.support import EXAMPLES, project_environment, read_answers, run_make

pytestmark = pytest.mark.slow

TARGETS = ("setup", "all", "test", "lint", "typecheck")


def _copy(rendered: Path, tmp_path: Path) -> Path:
    """A private copy of a shared rendered example, for a test that builds and runs it."""
    return Path(shutil.copytree(rendered, tmp_path / rendered.name, symlinks=True))


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_generated_project_passes_its_own_checks(
    example: Path, rendered_examples: dict[str, Path], tmp_path: Path
) -> None:
    if shutil.which("make") is None:
        pytest.fail("make is not installed; the generated projects drive everything with make")
    project = _copy(rendered_examples[example.stem], tmp_path)
    for target in TARGETS:
        run_make(project, target)

    report = audit_repository(project)
    failed = [f"{c.id}: {c.evidence}" for c in report.checks if not c.passed]
    assert report.score == 100, f"audit after `make all` found gaps: {failed}"

    _api_keeps_to_its_openapi_schema(project)


def _api_keeps_to_its_openapi_schema(project: Path) -> None:
    """Schemathesis against the running service, from the service's own OpenAPI document.

    No request it generates may get a 5xx, and every request that breaks the schema is rejected.
    """
    package = str(read_answers(project)["package_name"])
    config = project.parent / "schemathesis.toml"
    # 413 (body over the size limit) is a rejection too.
    config.write_text(
        "[checks.negative_data_rejection]\nexpected-statuses = "
        '["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]\n',
        encoding="utf-8",
    )
    port = free_port()
    python = str(project / ".venv" / "bin" / "python")
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    command = [python, "-m", package, "--config", "configs/config.yaml", *serve]
    env = project_environment() | {"LOG_LEVEL": "WARNING"}
    with served(command, "/ready", port, project, env) as base:
        run = subprocess.run(
            [str(Path(sys.executable).parent / "schemathesis"), "--no-color",
             "--config-file", str(config), "run",
             f"{base}/openapi.json", "--checks", "not_a_server_error,negative_data_rejection",
             "--phases", "examples,coverage,fuzzing", "--max-examples", "40",
             "--request-timeout", "10", "--seed", "1"],
            cwd=project, env=project_environment(), capture_output=True, text=True, timeout=900,
            check=False,
        )  # fmt: skip
    output = f"{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    assert run.returncode == 0, f"schemathesis found problems:\n{output}"


def test_rag_dense_and_hybrid_retrieval_with_the_extra(
    rendered_examples: dict[str, Path], tmp_path: Path
) -> None:
    """The `dense` extra as the README installs it: its tests run, and a hybrid pipeline passes."""
    project = _copy(rendered_examples["rag"], tmp_path)
    # With pip, as the generated README says: the extra pins a CPU build of PyTorch that pip takes
    # from the machine's wheel folder, where uv would resolve a multi-GB CUDA build from the index.
    env = project_environment()
    env["PATH"] = os.pathsep.join(
        folder for folder in env["PATH"].split(os.pathsep) if not (Path(folder) / "uv").exists()
    )
    run_make(project, "setup", {"EXTRAS": "dev,dense"}, env=env)

    tests = subprocess.run(
        [".venv/bin/python", "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "--no-cov",
         "tests/rag/test_retrieval.py"],
        cwd=project, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "skipped" not in tests.stdout.lower(), tests.stdout

    config = yaml.safe_load((project / "configs" / "config.yaml").read_text(encoding="utf-8"))
    config["retrieval"]["kind"] = "hybrid"
    (project / "configs" / "hybrid.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    for step in ("data", "train", "evaluate"):  # evaluate fails unless the promotion gate passes
        run_make(project, step, {"CONFIG": "configs/hybrid.yaml"}, env=env)

    metrics = json.loads((project / "reports" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["model"]["kind"] == "hybrid"
    assert metrics["gate"]["passed"] is True
