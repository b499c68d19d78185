"""Each example's Dockerfile, CI workflows and files pass the supply-chain linters.

hadolint lints the Dockerfile, zizmor the GitHub Actions workflows (offline: the audits that ask
GitHub whether a pinned commit or action version is genuine or vulnerable are skipped) and
detect-secrets scans the files its pre-commit hook would scan. The linters come with the test
extra; no network is needed, so these tests are not marked ``slow``.

The base images are pinned by version tag (``python:3.11-slim-bookworm``: Python minor version and
Debian release), not by digest, so a rebuild takes their security patches; a digest would have to
be read from a registry when the project is generated.
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

from tests.support import EXAMPLES


@pytest.fixture(params=EXAMPLES, ids=[e.stem for e in EXAMPLES])
def project(request: pytest.FixtureRequest, rendered_examples: dict[str, Path]) -> Path:
    """The example's project, shared with other tests: the linters only read it."""
    example: Path = request.param
    return rendered_examples[example.stem]


def _tool(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; install the test extra: pip install -e '.[test]'")
    return found


def _run(*args: str | Path, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """Run a linter in ``cwd`` without the user's configuration files or tokens."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HADOLINT_", "ZIZMOR_", "GH_", "GITHUB_"))
    }
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_dockerfile_passes_hadolint(project: Path, tmp_path: Path) -> None:
    completed = _run(
        _tool("hadolint"), "--format", "json", "Dockerfile", cwd=project, home=tmp_path
    )

    # Every rule counts, style and info included: the default threshold is `info`.
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert json.loads(completed.stdout) == []


def test_workflows_pass_zizmor(project: Path, tmp_path: Path) -> None:
    workflows = project / ".github" / "workflows"
    assert sorted(p.name for p in workflows.iterdir()) == ["ci.yml", "monitor.yml"]

    completed = _run(
        _tool("zizmor"),
        "--offline",
        "--no-config",
        "--format",
        "json",
        workflows,
        cwd=project,
        home=tmp_path,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    findings = json.loads(completed.stdout)
    assert [f"{f['ident']}: {f['desc']}" for f in findings] == []


def _detect_secrets_exclude(project: Path) -> str:
    """The ``exclude`` pattern of the project's own detect-secrets pre-commit hook."""
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    (hook,) = [hook for hook in hooks if hook["id"] == "detect-secrets"]
    exclude = hook.get("exclude", "")
    assert isinstance(exclude, str)
    return exclude


def test_no_secrets_where_the_pre_commit_hook_looks(project: Path, tmp_path: Path) -> None:
    args: list[str | Path] = [_tool("detect-secrets"), "scan", "--all-files"]
    exclude = _detect_secrets_exclude(project)
    if exclude:
        args += ["--exclude-files", exclude]

    completed = _run(*args, cwd=project, home=tmp_path)

    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)["results"]
    found = [
        f"{name}:{hit['line_number']} {hit['type']}"
        for name, hits in results.items()
        for hit in hits
    ]
    assert found == []
