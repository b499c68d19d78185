"""A new project pushed exactly as ``mlscaffold new`` wrote it passes every job of its workflows.

For each example the project is generated with ``python -m mlscaffold new``, committed as it is,
and every workflow in its ``.github/workflows/`` is run the way a GitHub runner runs it, job by
job in ``needs:`` order, each job in a folder of its own:

- ``actions/checkout`` is stood in for by a fresh clone of the commit (depth 1, as the action
  fetches), ``actions/setup-python`` by a fresh virtual environment of this machine's Python put
  first on PATH, so that ``python -m pip install ...`` never touches the test's own environment;
- each ``run:`` step runs in GitHub's shell (``bash -e {0}``, or ``bash --noprofile --norc -eo
  pipefail {0}`` for ``shell: bash``), in its ``working-directory``, with the workflow, job and step
  ``env:`` merged over a runner-like environment (``CI``, ``GITHUB_*``, ``RUNNER_*``), and with
  ``GITHUB_ENV``, ``GITHUB_PATH`` and ``GITHUB_OUTPUT`` honoured;
- ``${{ ... }}`` expressions are replaced where this runner knows the value (``github.*``,
  ``runner.*``, ``matrix.*``, ``env.*``, ``steps.<id>.outputs.*``, job status functions in ``if:``);
  any other expression, and any workflow feature this runner does not model, fails the test;
- other ``uses:`` steps are not run, nor steps that need a Docker daemon: for ``docker build`` the
  build context is checked instead (every file the Dockerfile copies is there and not excluded by
  ``.dockerignore``).

What was skipped is printed and recorded (``record_property``), and must be exactly those kinds.
The jobs install the project's dependencies from the package index; that test is marked ``slow``.
The fast tests here check the runner itself, and that a new project shows no results yet, the
state in which ``report --check`` accepts it without cards.
"""

from __future__ import annotations

import ast
import fnmatch
import itertools
import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from mlscaffold._new import create_project
from tests.support import EXAMPLES, commit_all, isolated_git, read_answers, sh

# Skipped steps may only be of these kinds: an action (`uses:`), or a step needing a Docker daemon.
SKIPPABLE = {"uses", "docker"}
# Workflows the contract requires of every generated project.
REQUIRED_WORKFLOWS = {"ci.yml", "monitor.yml"}
DEFAULT_BRANCH = "main"

# What this runner models of a workflow, a job and a step; anything else fails the test.
WORKFLOW_KEYS = {
    # PyYAML reads the key `on` as True.
    "name", "run-name", "on", True, "permissions", "concurrency", "env", "defaults", "jobs",
}  # fmt: skip
JOB_KEYS = {
    "name", "runs-on", "timeout-minutes", "needs", "steps", "env", "defaults", "permissions",
    "strategy", "if", "concurrency",
}  # fmt: skip
STEP_KEYS = {
    "name", "id", "uses", "with", "run", "env", "working-directory", "shell", "if",
    "timeout-minutes",
}  # fmt: skip
# GitHub's shells: https://docs.github.com/actions/reference/workflow-syntax-for-github-actions
SHELLS = {
    None: ["bash", "-e", "{0}"],
    "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"],
    "sh": ["sh", "-e", "{0}"],
}
# Variables a runner's environment shares with this machine: identity, locale, temporary folder,
# and how to reach the package index (proxies, certificates, pip's and uv's own settings).
KEPT_VARIABLES = re.compile(
    r"HOME|USER|LOGNAME|LANG|LANGUAGE|LC_\w+|TZ|TMPDIR|(?:PIP|UV|GIT|SSL|XDG)_\w+"
    r"|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|(?i:https?_proxy|no_proxy|all_proxy)"
)
# Job status functions in `if:`, while every earlier step has passed (a failure ends the test).
STATUS_FUNCTIONS = {"success()": True, "always()": True, "!cancelled()": True}
STATUS_FUNCTIONS |= {"failure()": False, "cancelled()": False}
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
DOCKER_CALL = re.compile(r"(?:^|[;&|(]|\$\()\s*(?:sudo\s+)?docker\b")
LOG_TAIL = 12_000


class UnsupportedWorkflow(Exception):
    """The workflow uses something this runner does not model; teach it rather than skip it."""


@dataclass
class StepRecord:
    """What happened to one step."""

    job: str
    step: str
    outcome: str  # "ran", "skipped" or "condition false" (GitHub would not run it either)
    kind: str  # "run", "uses" or "docker"
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Job:
    """One job of a workflow, with one matrix combination."""

    workflow_file: str
    workflow: dict[str, Any]
    job_id: str
    spec: dict[str, Any]
    matrix: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        combination = ", ".join(f"{k}={v}" for k, v in self.matrix.items())
        return f"{self.workflow_file}/{self.job_id}" + (f" ({combination})" if combination else "")


@dataclass
class Push:
    """The commit a runner checks out, and the repository it came from."""

    origin: Path
    sha: str
    repository: str


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_first_push_passes_every_workflow_job(
    example: Path, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    with isolated_git(tmp_path):
        push = _push_as_generated(example, tmp_path / "origin")
        workflows = sorted((push.origin / ".github" / "workflows").glob("*.y*ml"))
        names = {path.name for path in workflows}
        assert names >= REQUIRED_WORKFLOWS, f"workflows found: {sorted(names)}"

        records: list[StepRecord] = []
        timings: dict[str, float] = {}
        for path in workflows:
            workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
            for job in _jobs_in_order(path.name, workflow):
                started = time.monotonic()
                steps = _run_job(job, push, tmp_path / "runners")
                timings[job.label] = round(time.monotonic() - started, 1)
                # Every step is accounted for: run, skipped, or not run by its own condition.
                assert len(steps) == len(job.spec["steps"]), steps
                records += steps

    skipped = [r for r in records if r.outcome == "skipped"]
    summary = [f"{r.job}: {r.kind}: {r.step} ({r.detail})" for r in skipped]
    record_property("skipped_steps", json.dumps(summary))
    record_property("job_seconds", json.dumps(timings))
    ran = [f"{r.job}: {r.step} ({r.seconds} s)" for r in records if r.outcome == "ran"]
    print(f"\n{example.stem}: jobs and their seconds: {timings}")
    print("\n".join(["ran:", *ran, "skipped:", *summary]))

    assert {r.kind for r in skipped} <= SKIPPABLE, summary
    assert any(r.outcome == "ran" for r in records)
    for label in timings:
        outcomes = {r.outcome for r in records if r.job == label}
        assert "ran" in outcomes or outcomes == {"condition false"}, f"{label} ran nothing"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_new_project_has_published_no_results(example: Path, tmp_path: Path) -> None:
    """Fast half of the first push: `report --check` sees a project with no results to go stale.

    That is no cards, and the README block that the report module reads as untouched; the README
    template and the module must agree on it. Read without installing the project.
    """
    project = create_project(tmp_path / example.stem, answers_file=example, defaults=True)
    package = str(read_answers(project)["package_name"])
    report = _string_constants(project / "src" / package / "jobs" / "report.py")
    readme = (project / "README.md").read_text(encoding="utf-8")
    start, end = readme.index(report["START"]), readme.index(report["END"])

    assert readme[start + len(report["START"]) : end].strip() == report["NO_RESULTS"]
    assert not (project / "docs" / "model_card.md").exists()
    assert not (project / "docs" / "data_card.md").exists()


def _string_constants(module: Path) -> dict[str, str]:
    """The module-level string constants of a Python file."""
    constants = {}
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            pairs = (
                zip(target.elts, node.value.elts, strict=True)
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                else [(target, node.value)]
            )
            for name, value in pairs:
                if isinstance(name, ast.Name) and isinstance(value, ast.Constant):
                    constants[name.id] = value.value
    return constants


# The push


def _push_as_generated(example: Path, origin: Path) -> Push:
    """Generate the example with `mlscaffold new` and commit exactly what it wrote."""
    created = subprocess.run(
        [sys.executable, "-m", "mlscaffold", "new", str(origin), "--answers-file", str(example),
         "--defaults"],
        cwd=origin.parent, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    sh("git", "init", "--quiet", cwd=origin)
    commit_all(origin, "Create project with mlscaffold")
    # Nothing that `new` wrote is left out of the commit, by .gitignore or otherwise.
    assert sh("git", "status", "--porcelain", "--ignored", cwd=origin) == ""
    assert sh("git", "branch", "--show-current", cwd=origin).strip() == DEFAULT_BRANCH
    sha = sh("git", "rev-parse", "HEAD", cwd=origin).strip()
    package = str(read_answers(origin)["package_name"]).replace("_", "-")
    return Push(origin=origin, sha=sha, repository=f"acme/{package}")


# Workflows and jobs


def _jobs_in_order(name: str, workflow: dict[str, Any]) -> list[Job]:
    """Every job of a workflow (each matrix combination), jobs after the jobs they need."""
    _only(workflow, WORKFLOW_KEYS, name)
    jobs: dict[str, dict[str, Any]] = workflow["jobs"]
    needs = {job_id: _as_list(spec.get("needs")) for job_id, spec in jobs.items()}
    for job_id, wanted in needs.items():
        for other in wanted:
            if other not in jobs:
                raise UnsupportedWorkflow(f"{name}: job {job_id} needs unknown job {other}")
    order: list[str] = []
    while len(order) < len(jobs):
        ready = [j for j in jobs if j not in order and all(n in order for n in needs[j])]
        if not ready:
            raise UnsupportedWorkflow(f"{name}: the jobs' needs form a cycle")
        order.append(ready[0])
    result = []
    for job_id in order:
        spec = jobs[job_id]
        _only(spec, JOB_KEYS, f"{name}: job {job_id}")
        if not str(spec.get("runs-on", "")).startswith("ubuntu-"):
            raise UnsupportedWorkflow(f"{name}: job {job_id} runs on {spec.get('runs-on')!r}")
        result += [Job(name, workflow, job_id, spec, combo) for combo in _matrix(spec, name)]
    return result


def _matrix(spec: dict[str, Any], where: str) -> list[dict[str, str]]:
    matrix = (spec.get("strategy") or {}).get("matrix")
    if not matrix:
        return [{}]
    if not isinstance(matrix, dict) or any(not isinstance(v, list) for v in matrix.values()):
        raise UnsupportedWorkflow(f"{where}: only a matrix of plain lists is modelled: {matrix!r}")
    keys = list(matrix)
    return [
        {k: _text(v) for k, v in zip(keys, values, strict=True)}
        for values in itertools.product(*(matrix[k] for k in keys))
    ]


def _event(workflow: dict[str, Any], name: str) -> str:
    """The event that first runs the workflow of a pushed project."""
    triggers = workflow.get("on", workflow.get(True))
    if isinstance(triggers, str):
        triggers = {triggers: None}
    elif isinstance(triggers, list):
        triggers = dict.fromkeys(triggers)
    if "push" in triggers:
        branches = (triggers["push"] or {}).get("branches")
        if branches is None or DEFAULT_BRANCH in branches:
            return "push"
    for event in ("schedule", "workflow_dispatch"):
        if event in triggers:
            return event
    raise UnsupportedWorkflow(f"{name}: no trigger runs it for a pushed project: {triggers!r}")


# A runner


@dataclass
class Runner:
    """One job's runner: its folders, environment and expression contexts."""

    job: Job
    push: Push
    home: Path
    path: list[str] = field(default_factory=list)  # prepended to PATH, newest first
    exported: dict[str, str] = field(default_factory=dict)  # from GITHUB_ENV
    outputs: dict[str, str] = field(default_factory=dict)  # steps.<id>.outputs.<name>
    python: Path | None = None

    @property
    def workspace(self) -> Path:
        return self.home / "workspace"

    @property
    def temp(self) -> Path:
        return self.home / "temp"

    def github(self) -> dict[str, str]:
        ref = f"refs/heads/{DEFAULT_BRANCH}"
        owner = self.push.repository.split("/")[0]
        return {
            "event_name": _event(self.job.workflow, self.job.workflow_file),
            "ref": ref, "ref_name": DEFAULT_BRANCH, "ref_type": "branch", "head_ref": "",
            "base_ref": "", "sha": self.push.sha, "repository": self.push.repository,
            "repository_owner": owner, "actor": owner, "triggering_actor": owner,
            "workspace": str(self.workspace), "job": self.job.job_id,
            "workflow": str(self.job.workflow.get("name", self.job.workflow_file)),
            "run_id": "1", "run_number": "1", "run_attempt": "1",
            "server_url": "https://github.com", "api_url": "https://api.github.com",
        }  # fmt: skip

    def context(self, env: Mapping[str, str]) -> dict[str, str]:
        """Every expression this runner can evaluate, by its dotted name."""
        values = {f"github.{k}": v for k, v in self.github().items()}
        values |= {"runner.os": "Linux", "runner.arch": "X64", "runner.temp": str(self.temp)}
        values |= {f"matrix.{k}": v for k, v in self.job.matrix.items()}
        values |= {f"env.{k}": v for k, v in (self.exported | dict(env)).items()}
        values |= self.outputs
        return values

    def base_environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if KEPT_VARIABLES.fullmatch(k)}
        env["PATH"] = os.pathsep.join([*self.path, *_machine_path()])
        github = self.github()
        env |= {f"GITHUB_{k.upper()}": v for k, v in github.items()}
        env |= {"CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64"}
        env |= {"RUNNER_TEMP": str(self.temp)}
        env.setdefault("HOME", str(self.home))
        return env | self.exported


def _machine_path() -> list[str]:
    """This machine's PATH as a fresh runner has it: no virtual environment, no uv.

    The workflows install the uv they pin; one found on this machine would hide that step.
    """
    kept = []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        directory = Path(folder)
        if not folder or (directory.parent / "pyvenv.cfg").is_file() or (directory / "uv").exists():
            continue
        kept.append(folder)
    return kept


def _run_job(job: Job, push: Push, runners: Path) -> list[StepRecord]:
    suffix = "-".join(re.sub(r"\W+", "_", v) for v in job.matrix.values())
    home = runners / f"{Path(job.workflow_file).stem}-{job.job_id}{'-' + suffix if suffix else ''}"
    runner = Runner(job, push, home)
    runner.workspace.mkdir(parents=True)
    runner.temp.mkdir()
    spec = job.spec
    timeout = float(spec.get("timeout-minutes", 360)) * 60
    deadline = time.monotonic() + timeout
    defaults = {
        **((job.workflow.get("defaults") or {}).get("run") or {}),
        **((spec.get("defaults") or {}).get("run") or {}),
    }
    job_env = _env(job.workflow.get("env"), {}, runner, f"{job.workflow_file}: env")
    job_env = _env(spec.get("env"), job_env, runner, f"{job.label}: env")
    if not _condition(spec.get("if"), runner.context(job_env), f"{job.label}: if"):
        reason = f"job if: {spec['if']}"
        return [StepRecord(job.label, str(step.get("name")), "condition false", "run", reason)
                for step in spec["steps"]]  # fmt: skip
    records = []
    for number, step in enumerate(spec["steps"], start=1):
        name = str(step.get("name") or step.get("uses") or step.get("run", "")).splitlines()[0]
        where = f"{job.label}: step {number} ({name})"
        _only(step, STEP_KEYS, where)
        env = _env(step.get("env"), job_env, runner, f"{where}: env")
        if not _condition(step.get("if"), runner.context(env), f"{where}: if"):
            records.append(StepRecord(job.label, name, "condition false", "run", str(step["if"])))
            continue
        if "uses" in step:
            records.append(_use(step, runner, env, name, where))
            continue
        if time.monotonic() >= deadline:
            pytest.fail(f"{job.label} ran past its timeout-minutes ({timeout / 60:g})")
        records.append(_run(step, runner, env, defaults, name, where, deadline))
    return records


def _env(
    values: dict[str, Any] | None, outer: dict[str, str], runner: Runner, where: str
) -> dict[str, str]:
    merged = dict(outer)
    for key, value in (values or {}).items():
        merged[str(key)] = _substitute(_text(value), runner.context(merged), where)
    return merged


def _use(
    step: dict[str, Any], runner: Runner, env: dict[str, str], name: str, where: str
) -> StepRecord:
    """Stand in for the actions whose effect later steps rely on; skip the others."""
    action = str(step["uses"]).split("@")[0]
    inputs = {
        k: _substitute(_text(v), runner.context(env), where)
        for k, v in (step.get("with") or {}).items()
    }
    record = StepRecord(runner.job.label, name, "skipped", "uses")
    if action == "actions/checkout":
        unmodelled = set(inputs) - {"persist-credentials", "fetch-depth"}
        if unmodelled:
            raise UnsupportedWorkflow(
                f"{where}: checkout inputs not modelled: {sorted(unmodelled)}"
            )
        depth = int(inputs.get("fetch-depth", "1"))
        origin = runner.push.origin.as_uri()
        sh("git", "clone", "--quiet", *(["--depth", str(depth)] if depth else []), origin,
           runner.workspace, cwd=runner.home)  # fmt: skip
        head = sh("git", "rev-parse", "HEAD", cwd=runner.workspace).strip()
        assert head == runner.push.sha
        record.detail = f"stood in for by a fresh clone of {head[:12]} (depth {depth or 'full'})"
    elif action == "actions/setup-python":
        venv = runner.home / "python"
        sh(sys.executable, "-m", "venv", venv, cwd=runner.home)
        runner.python = venv / "bin" / "python"
        runner.path.insert(0, str(venv / "bin"))
        version = sh(runner.python, "-c", "import platform; print(platform.python_version())",
                     cwd=runner.home).strip()  # fmt: skip
        record.detail = (
            f"stood in for by a fresh venv of this machine's Python {version} "
            f"(the workflow asks for {inputs.get('python-version', 'the default')})"
        )
    elif action == "actions/upload-artifact":
        kept = [p for p in inputs.get("path", "").splitlines() if p.strip()]
        missing = [p for p in kept if not any(runner.workspace.glob(p.strip().rstrip("/") or "."))]
        assert not missing, f"{where}: nothing to upload at {missing}"
        record.detail = f"not run; what it keeps is there: {', '.join(kept)}"
    else:
        record.detail = "not run: an action"
    return record


def _run(
    step: dict[str, Any],
    runner: Runner,
    env: dict[str, str],
    defaults: dict[str, Any],
    name: str,
    where: str,
    deadline: float,
) -> StepRecord:
    context = runner.context(env)
    script = _substitute(str(step["run"]), context, f"{where}: run")
    folder = step.get("working-directory", defaults.get("working-directory"))
    cwd = (
        runner.workspace / _substitute(str(folder), context, where) if folder else runner.workspace
    )
    if _needs_docker(script, where):
        return StepRecord(
            runner.job.label, name, "skipped", "docker", _docker_check(script, cwd, where)
        )
    if runner.python is None:
        raise UnsupportedWorkflow(
            f"{where}: runs before actions/setup-python (the runner's own Python)"
        )
    shell = step.get("shell", defaults.get("shell"))
    if shell not in SHELLS:
        raise UnsupportedWorkflow(f"{where}: shell {shell!r} is not modelled")
    number = len(list(runner.temp.glob("step-*.sh"))) + 1
    script_file = runner.temp / f"step-{number}.sh"
    script_file.write_text(script, encoding="utf-8")
    files = {key: runner.temp / f"{key.lower()}-{number}" for key in ("GITHUB_ENV", "GITHUB_PATH",
             "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")}  # fmt: skip
    for file in files.values():
        file.touch()
    environment = runner.base_environment() | env | {k: str(v) for k, v in files.items()}
    timeout = deadline - time.monotonic()
    if "timeout-minutes" in step:
        timeout = min(timeout, float(step["timeout-minutes"]) * 60)
    log = runner.temp / f"step-{number}.log"
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as output:
        try:
            completed = subprocess.run(
                [part.replace("{0}", str(script_file)) for part in SHELLS[shell]],
                cwd=cwd, env=environment, stdin=subprocess.DEVNULL, stdout=output,
                stderr=subprocess.STDOUT, timeout=max(timeout, 1), check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            pytest.fail(f"{where} timed out\n{_tail(log)}")
    seconds = round(time.monotonic() - started, 1)
    assert completed.returncode == 0, (
        f"{where} failed with exit code {completed.returncode} after {seconds} s in {cwd}\n"
        f"--- script ---\n{script}\n--- output (end) ---\n{_tail(log)}"
    )
    runner.exported |= dict(_assignments(files["GITHUB_ENV"].read_text(encoding="utf-8")))
    added = [line.strip() for line in files["GITHUB_PATH"].read_text(encoding="utf-8").splitlines()]
    runner.path[:0] = [line for line in reversed(added) if line]
    if "id" in step:
        outputs = _assignments(files["GITHUB_OUTPUT"].read_text(encoding="utf-8"))
        runner.outputs |= {f"steps.{step['id']}.outputs.{k}": v for k, v in outputs}
    return StepRecord(runner.job.label, name, "ran", "run", script.strip().splitlines()[0], seconds)


def _assignments(text: str) -> Iterator[tuple[str, str]]:
    """``NAME=value`` lines and ``NAME<<DELIMITER`` blocks, as GITHUB_ENV and GITHUB_OUTPUT hold."""
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            block = list(itertools.takewhile(lambda item, d=delimiter: item != d, lines))
            yield key, "\n".join(block)
        elif "=" in line:
            key, value = line.split("=", 1)
            yield key, value


def _tail(log: Path) -> str:
    text = log.read_text(encoding="utf-8", errors="replace")
    return text if len(text) <= LOG_TAIL else "...\n" + text[-LOG_TAIL:]


# Expressions and conditions


def _substitute(text: str, context: Mapping[str, str], where: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name.startswith("vars.") and name not in context:
            return ""  # a repository as first pushed has no configuration variables
        if name not in context:
            raise UnsupportedWorkflow(
                f"{where}: this runner cannot evaluate ${{{{ {name} }}}}; teach it the value or "
                "change the workflow"
            )
        return context[name]

    return EXPRESSION.sub(value, text)


def _condition(value: object, context: Mapping[str, str], where: str) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    whole = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.DOTALL)
    text = whole.group(1).strip() if whole else text
    if text in STATUS_FUNCTIONS:
        return STATUS_FUNCTIONS[text]
    if text in context and context[text] in {"true", "false"}:
        return context[text] == "true"
    raise UnsupportedWorkflow(f"{where}: condition {value!r} is not modelled")


# Docker


def _commands(script: str) -> list[str]:
    joined = re.sub(r"\\\n", " ", script)
    return [
        line.strip()
        for line in joined.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def _needs_docker(script: str, where: str) -> bool:
    commands = _commands(script)
    if not any(DOCKER_CALL.search(command) for command in commands):
        return False
    if not all(command.startswith("docker ") for command in commands):
        raise UnsupportedWorkflow(
            f"{where}: mixes docker with other commands; give docker its own step"
        )
    return True


def _docker_check(script: str, cwd: Path, where: str) -> str:
    """Without a daemon: check that every file each `docker build` copies is in its context."""
    checked = []
    for command in _commands(script):
        args = shlex.split(command)
        if args[:2] != ["docker", "build"]:
            checked.append(f"{args[1] if len(args) > 1 else 'docker'}: not run")
            continue
        context, dockerfile = _build_arguments(args[2:], cwd, where)
        sources = _copied_sources(dockerfile, where)
        ignored = _dockerignore(context)
        problems = []
        for source in sources:
            found = (
                [p for p in context.glob(source) if p.exists()]
                if source not in {".", "./"}
                else [context]
            )
            files = [
                f for p in found for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()
            ]
            kept = [f for f in files if not ignored(f.relative_to(context).as_posix())]
            if not kept:
                problems.append(f"{source} ({'excluded by .dockerignore' if files else 'missing'})")
        assert not problems, (
            f"{where}: `{command}` would fail: COPY sources {problems} in {context}"
        )
        checked.append(f"daemon needed; build context checked: {', '.join(sources)} present")
    return "; ".join(checked)


def _build_arguments(args: list[str], cwd: Path, where: str) -> tuple[Path, Path]:
    with_value = {"-t", "--tag", "-f", "--file", "--build-arg", "--target", "--platform", "--label"}
    positional: list[str] = []
    dockerfile = None
    items = iter(args)
    for arg in items:
        option, _, inline = arg.partition("=")
        if option in {"-f", "--file"}:
            dockerfile = inline or next(items)
        elif arg in with_value:
            next(items)
        elif arg.startswith("--") and inline:
            continue
        elif arg.startswith("-"):
            raise UnsupportedWorkflow(f"{where}: docker build option {arg} is not modelled")
        else:
            positional.append(arg)
    if len(positional) != 1:
        raise UnsupportedWorkflow(f"{where}: docker build needs one context, got {positional}")
    context = cwd / positional[0]
    return context, (cwd / dockerfile) if dockerfile else context / "Dockerfile"


def _copied_sources(dockerfile: Path, where: str) -> list[str]:
    """The build-context paths that COPY and ADD instructions take (not those from other stages)."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    sources = []
    for line in text.splitlines():
        words = line.split(maxsplit=1)
        if len(words) < 2 or words[0].upper() not in {"COPY", "ADD"}:
            continue
        rest = words[1].strip()
        args = json.loads(rest) if rest.startswith("[") else shlex.split(rest)
        flags = [a for a in args if a.startswith("--")]
        if any(flag.startswith("--from") for flag in flags):
            continue
        paths = [a for a in args if not a.startswith("--")][:-1]
        if any("$" in p or "://" in p for p in paths):
            raise UnsupportedWorkflow(f"{where}: {dockerfile.name} copies {paths}: not modelled")
        sources += paths
    return sources


def _dockerignore(context: Path) -> Callable[[str], bool]:
    """Whether a path relative to the context is left out of it, as Docker reads .dockerignore."""
    file = context / ".dockerignore"
    rules = []
    if file.is_file():
        for line in file.read_text(encoding="utf-8").splitlines():
            rule = line.strip()
            if rule and not rule.startswith("#"):
                negated = rule.startswith("!")
                pattern = PurePosixPath(rule.lstrip("!").strip().strip("/")).as_posix()
                rules.append((negated, pattern.split("/")))

    def excluded(path: str) -> bool:
        parts = path.split("/")
        result = False
        for negated, pattern in rules:
            # A pattern that matches a folder leaves out everything under it.
            if any(_match(pattern, parts[:n]) for n in range(1, len(parts) + 1)):
                result = not negated
        return result

    return excluded


def _match(pattern: list[str], parts: list[str]) -> bool:
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_match(pattern[1:], parts[n:]) for n in range(len(parts) + 1))
    return (
        bool(parts) and fnmatch.fnmatchcase(parts[0], pattern[0]) and _match(pattern[1:], parts[1:])
    )


# Small helpers


def _only(mapping: dict[Any, Any], allowed: set[Any], where: str) -> None:
    unknown = set(mapping) - allowed
    if unknown:
        raise UnsupportedWorkflow(
            f"{where}: keys not modelled by this runner: {sorted(map(str, unknown))}"
        )


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_runner_refuses_what_it_does_not_model(tmp_path: Path) -> None:
    """The runner fails loudly on what it cannot evaluate; it reads .dockerignore as Docker does."""
    with pytest.raises(UnsupportedWorkflow, match=r"secrets\.TOKEN"):
        _substitute("echo ${{ secrets.TOKEN }}", {"github.sha": "abc"}, "step")
    assert _substitute("echo ${{ github.sha }}", {"github.sha": "abc"}, "step") == "echo abc"
    with pytest.raises(UnsupportedWorkflow, match="condition"):
        _condition("${{ github.event_name == 'push' }}", {}, "step")
    assert _condition("${{ always() }}", {}, "step")
    assert not _condition("failure()", {}, "step")
    with pytest.raises(UnsupportedWorkflow, match="continue-on-error"):
        _only({"run": "x", "continue-on-error": True}, STEP_KEYS, "step")
    with pytest.raises(UnsupportedWorkflow, match="docker"):
        _needs_docker("make setup && docker build .", "step")
    assert _needs_docker("docker build \\\n  --tag x:ci .\n", "step")
    assert not _needs_docker("make setup data train evaluate", "step")

    (tmp_path / ".dockerignore").write_text(
        "# comment\ndata\n**/__pycache__\n/docs/\n*.md\n!README.md\n"
    )
    ignored = _dockerignore(tmp_path)
    assert ignored("data/raw/x.csv")
    assert ignored("src/pkg/__pycache__/a.pyc")
    assert ignored("docs/model_card.md")
    assert ignored("CHANGES.md")
    assert not ignored("README.md")
    assert not ignored("artifacts/model/model.pkl")
    assert not ignored("src/data.py")

    assert dict(_assignments("A=1\nB<<EOF\ntwo\nlines\nEOF\nC=x=y\n")) == {
        "A": "1", "B": "two\nlines", "C": "x=y",
    }  # fmt: skip
