"""Each example's image installs from its lock and lets its non-root user write its state volume.

No Docker daemon is needed: the Dockerfile is read instruction by instruction (hadolint lints it
in test_supply_chain.py). The Dependabot configuration is validated and audited by zizmor, which
checks it against Dependabot's schema. Nothing here needs the network, so these are not ``slow``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pytest
import yaml

from tests.support import EXAMPLES


@dataclass
class Stage:
    """One ``FROM`` of a Dockerfile and the instructions under it."""

    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, keyword: str) -> list[str]:
        return [rest for word, rest in self.instructions if word == keyword]


def _stages(dockerfile: Path) -> list[Stage]:
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    stages: list[Stage] = []
    for line in text.splitlines():
        words = line.strip().split(maxsplit=1)
        if not words or words[0].startswith("#"):
            continue
        keyword, rest = words[0].upper(), (words[1] if len(words) > 1 else "")
        if keyword == "FROM":
            stages.append(Stage(rest.split()[-1]))
        else:
            stages[-1].instructions.append((keyword, rest))
    return stages


def _paths(rest: str) -> list[str]:
    return json.loads(rest) if rest.startswith("[") else rest.split()


@pytest.fixture(params=EXAMPLES, ids=[e.stem for e in EXAMPLES])
def project(request: pytest.FixtureRequest, rendered_examples: dict[str, Path]) -> Path:
    example: Path = request.param
    return rendered_examples[example.stem]


def test_image_runs_as_a_user_who_owns_the_state_volume(project: Path) -> None:
    runtime = _stages(project / "Dockerfile")[-1]
    (user,) = runtime.arguments("USER")[-1:]
    uid = user.split(":")[0]
    workdir = PurePosixPath(runtime.arguments("WORKDIR")[-1])
    volumes = [PurePosixPath(p) for rest in runtime.arguments("VOLUME") for p in _paths(rest)]

    assert uid not in {"0", "root"}, f"the image runs as {user}"
    assert runtime.arguments("HEALTHCHECK"), "no HEALTHCHECK"
    # The service writes its state (logs, prediction log) under paths.data_dir, "data" by default.
    assert workdir / "data" in volumes, f"no VOLUME for {workdir / 'data'}: {volumes}"
    for volume in volumes:
        owned = [
            rest
            for word, rest in runtime.instructions[: _index(runtime, "VOLUME")]
            if word == "RUN" and re.search(rf"\bchown\s+(-R\s+)?{uid}(:\S+)?\s+{volume}\b", rest)
        ]
        assert owned, f"{volume} is not chowned to {uid} before the VOLUME line"
        # Docker discards what a build step writes into a volume once it is declared.
        later = runtime.instructions[_index(runtime, "VOLUME") + 1 :]
        assert not [r for w, r in later if w == "RUN" and str(volume) in r], (
            f"{volume} changed late"
        )


def _index(stage: Stage, keyword: str) -> int:
    return next(i for i, (word, _) in enumerate(stage.instructions) if word == keyword)


def test_image_installs_exactly_what_the_lock_pins(project: Path) -> None:
    build = _stages(project / "Dockerfile")[0]
    copied = {p for rest in build.arguments("COPY") for p in shlex.split(rest)[:-1]}
    runs = build.arguments("RUN")

    assert {"pyproject.toml", "uv.lock"} <= copied
    syncs = [r for r in runs if r.startswith("uv sync")]
    assert syncs, runs
    assert all("--locked" in r for r in syncs), syncs
    assert re.search(r"pip install uv==\d+\.\d+\.\d+$", runs[0]), runs[0]
    assert not [r for r in runs if re.search(r"pip install (?!uv==)", r)], (
        "pip installs outside the lock"
    )


def test_dependabot_watches_actions_python_and_the_base_image(
    project: Path, tmp_path: Path
) -> None:
    path = project / ".github" / "dependabot.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    ecosystems = {u["package-ecosystem"]: u for u in config["updates"]}

    assert config["version"] == 2
    assert set(ecosystems) == {"github-actions", "uv", "docker"}
    assert all(u["directory"] == "/" for u in config["updates"])

    zizmor = Path(sys.executable).parent / "zizmor"
    found = str(zizmor) if zizmor.exists() else shutil.which("zizmor")
    assert found, "zizmor is not installed; install the test extra: pip install -e '.[test]'"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZIZMOR_", "GH_", "GITHUB_"))}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / ".config"))
    # zizmor checks the file against Dependabot's schema (an unknown ecosystem fails), then audits.
    completed = subprocess.run(
        [found, "--offline", "--no-config", "--format", "json", str(path)],
        cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert json.loads(completed.stdout) == []
