"""Every generated project's uv.lock matches its pyproject.toml, and the stored locks stay true.

The template stores one lock per track and Python version (templates/locks/); these tests check
each against the pyproject.toml the template renders beside it (offline, without uv), check the
rendered examples with uv itself (`uv lock --check --offline`, from an empty cache), and check how
`new` completes a project whose lock the template does not store.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from packaging.version import Version

from mlscaffold._locks import LockError
from mlscaffold._locks.check import check_project, compare, compare_constraints
from mlscaffold._locks.layout import EXPORT_ARGS, STORED_NAME, Target, targets
from mlscaffold._locks.project import complete_lock, refuse_name_clash
from mlscaffold._locks.refresh import _select, check_storable
from mlscaffold._locks.stored import CHECK_PACKAGE, check_stored, render_files
from mlscaffold._new import create_project
from mlscaffold._template import load_template
from mlscaffold.cli import main
from mlscaffold.errors import AnswersError
from tests.support import EXAMPLES, REPO_ROOT

TEMPLATE = load_template()
# Python versions the template offers but its dependencies cannot be resolved for, so that no
# lock can be stored (each with the reason). The test below fails once one becomes resolvable
# and is locked: remove it from here then.
PACKAGE_LINE = re.compile(r'^\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"', re.M)


def _target_params() -> list[object]:
    params: list[object] = []
    for target in targets(TEMPLATE):
        params.append(pytest.param(target, id=f"{target.track}-{target.python}"))
    return params


@pytest.fixture(scope="module")
def stored_problems() -> dict[Target, list[str]]:
    return check_stored(TEMPLATE)


@pytest.mark.parametrize("target", _target_params())
def test_each_stored_lock_matches_the_pyproject_it_renders_beside(
    target: Target, stored_problems: dict[Target, list[str]]
) -> None:
    assert stored_problems[target] == [], (
        f"{target.label}: " + "; ".join(stored_problems[target]) + "\nrun `mlscaffold locks "
        "refresh` (see docs/locks.md)"
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_each_example_lock_passes_uv_lock_check_offline(
    example: Path, rendered_examples: dict[str, Path], tmp_path: Path
) -> None:
    project = rendered_examples[example.stem]
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    assert uv, "uv is not installed; install the test extra: pip install -e '.[test]'"
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_") and k != "VIRTUAL_ENV"}
    # An empty cache: the check needs nothing but the two files (and a Python that fits).
    env |= {"UV_CACHE_DIR": str(tmp_path / "cache"), "UV_NO_CONFIG": "1"}
    checked = subprocess.run(
        [uv, "lock", "--check", "--offline", "--no-python-downloads", "--python", sys.executable],
        cwd=project, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_each_example_lock_and_constraints_match_its_pyproject(
    example: Path, rendered_examples: dict[str, Path]
) -> None:
    project = rendered_examples[example.stem]
    answers = yaml.safe_load(example.read_text(encoding="utf-8"))

    assert check_project(project) == []
    lock = (project / "uv.lock").read_text(encoding="utf-8")
    assert f'\nname = "{answers["package_name"].replace("_", "-")}"\n' in lock
    assert STORED_NAME not in lock


def _is_sorted_as_uv_writes(lock: str) -> bool:
    keys = [(name, Version(version)) for name, version in PACKAGE_LINE.findall(lock)]
    return bool(keys) and keys == sorted(keys)


def test_the_project_entry_goes_where_uv_sorts_it(rendered_examples: dict[str, Path]) -> None:
    # The examples' names sort among the libraries; CHECK_PACKAGE after all; "aaa" before all.
    locks = [(p / "uv.lock").read_text(encoding="utf-8") for p in rendered_examples.values()]
    target = Target(TEMPLATE.track_names[0], "3.11")
    for package in (CHECK_PACKAGE, "aaa_first"):
        locks.append(render_files(TEMPLATE, target, {"package_name": package})["uv.lock"])
    for lock in locks:
        assert _is_sorted_as_uv_writes(lock)


def test_a_new_project_with_other_answers_gets_a_matching_lock(tmp_path: Path) -> None:
    """Another track, Python version and name than any example: still its own, current lock."""
    project = create_project(
        tmp_path / "answers",
        "rag",
        data={"python_version": "3.12", "package_name": "handbook_qa"},
        defaults=True,
    )

    assert check_project(project) == []
    assert 'requires-python = ">=3.12"' in (project / "uv.lock").read_text(encoding="utf-8")


# What the check catches


@functools.cache
def _rendered(package: str = CHECK_PACKAGE) -> dict[str, str]:
    return render_files(TEMPLATE, Target("fraud-detection", "3.11"), {"package_name": package})


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ('"pandas>=2.1,<4",', '"pandas>=2.1,<4",\n    "rich>=13",', "rich>=13"),
        ('"scipy>=1.11,<2"', '"scipy>=1.12,<2"', "scipy"),
        ('mlflow = ["mlflow-skinny>=2.12,<4"]\n', "", "extras"),
        ('requires-python = ">=3.11"', 'requires-python = ">=3.12"', "requires-python"),
        ('version = "0.1.0"', 'version = "0.2.0"', "version"),
        ('"numpy>=1.26,<3"', '"numpy>=3"', "no locked version satisfies"),
    ],
    ids=["new-dependency", "changed-specifier", "removed-extra", "python", "version", "unmet"],
)
def test_a_dependency_change_without_a_new_lock_is_reported(
    old: str, new: str, fragment: str
) -> None:
    files = _rendered()
    assert old in files["pyproject.toml"]

    problems = compare(files["pyproject.toml"].replace(old, new, 1), files["uv.lock"])

    assert any(fragment in problem for problem in problems), problems


def test_markers_are_compared_by_what_they_select() -> None:
    files = _rendered()
    declared = "\"pandas>=2.1,<4; python_version < '3.13'\""
    pyproject = files["pyproject.toml"].replace('"pandas>=2.1,<4"', declared)
    recorded = 'marker = "python_full_version < \'3.13\'", specifier = "<4,>=2.1"'
    lock = files["uv.lock"].replace(
        '{ name = "pandas", specifier = ">=2.1,<4" }', f'{{ name = "pandas", {recorded} }}'
    )
    assert lock != files["uv.lock"]

    assert compare(pyproject, lock) == []
    assert compare(pyproject, files["uv.lock"]) != []


def test_constraints_that_pin_other_versions_are_reported() -> None:
    files = _rendered()
    pinned = re.search(r"^(numpy)==(\S+)", files["constraints.txt"], re.M)
    assert pinned

    stale = files["constraints.txt"].replace(pinned.group(0), f"{pinned.group(1)}==1.0.0", 1)

    assert compare_constraints(files["uv.lock"], files["constraints.txt"]) == []
    problems = compare_constraints(files["uv.lock"], stale)
    assert any("numpy==1.0.0" in problem for problem in problems), problems


def test_constraints_header_is_the_export_the_makefile_runs(
    rendered_examples: dict[str, Path],
) -> None:
    for project in rendered_examples.values():
        header = (project / "constraints.txt").read_text(encoding="utf-8").splitlines()[:2]
        makefile = (project / "Makefile").read_text(encoding="utf-8")
        assert header[1] == "#    uv " + " ".join(EXPORT_ARGS)
        exported = re.search(r"^\tuv export (.*)$", makefile, re.M)
        assert exported
        assert [a for a in exported.group(1).split() if a != "--quiet"] == list(EXPORT_ARGS[1:])


def test_the_uv_pins_of_ci_and_docker_agree(rendered_examples: dict[str, Path]) -> None:
    for project in rendered_examples.values():
        files = [*sorted((project / ".github" / "workflows").glob("*.yml")), project / "Dockerfile"]
        pins = {
            f"{path.name}: {pin}"
            for path in files
            for pin in re.findall(r"\buv==([\w.]+)", path.read_text(encoding="utf-8"))
        }
        assert len({pin.split(": ")[1] for pin in pins}) == 1, pins
        assert {pin.split(": ")[0] for pin in pins} == {"ci.yml", "monitor.yml", "Dockerfile"}


# A name that clashes, and a lock the template does not store


def test_a_package_named_like_a_locked_library_is_refused() -> None:
    refuse_name_clash(_rendered()["uv.lock"])
    with pytest.raises(AnswersError, match=r"package name 'click' .* installs \(click\)"):
        refuse_name_clash(_rendered("click")["uv.lock"])


def _project_without_stored_lock(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "uv.lock").write_text("", encoding="utf-8")
    (project / "constraints.txt").write_text("", encoding="utf-8")
    return project


def _fake_uv(tmp_path: Path, body: str) -> str:
    script = tmp_path / "uv"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_a_lock_the_template_lacks_is_made_with_uv(tmp_path: Path) -> None:
    project = _project_without_stored_lock(tmp_path)
    lock = _rendered("made_here")["uv.lock"]
    (tmp_path / "made.lock").write_text(lock, encoding="utf-8")
    uv = _fake_uv(
        tmp_path,
        f'echo "$@" >> {tmp_path}/calls\n'
        f'case "$1" in lock) cp {tmp_path}/made.lock uv.lock ;; '
        "export) echo 'numpy==2' > constraints.txt ;; esac",
    )

    assert complete_lock(project, uv=uv) is None

    assert (project / "uv.lock").read_text(encoding="utf-8") == lock
    assert (project / "constraints.txt").read_text(encoding="utf-8") == "numpy==2\n"
    calls = (tmp_path / "calls").read_text(encoding="utf-8").splitlines()
    assert calls[0].startswith("lock --offline")  # uv's cache first
    assert calls[-1] == " ".join(EXPORT_ARGS)


def test_without_a_lock_or_uv_the_project_says_what_to_run(tmp_path: Path) -> None:
    project = _project_without_stored_lock(tmp_path)
    uv = _fake_uv(tmp_path, "echo 'error: No solution found for split' >&2; exit 1")

    note = complete_lock(project, uv=uv)

    assert note is not None
    assert "No solution found for split" in note
    assert "make lock" in note
    assert not (project / "uv.lock").exists()
    assert not (project / "constraints.txt").exists()


def test_a_template_without_locks_is_left_alone(tmp_path: Path) -> None:
    assert complete_lock(tmp_path, uv="/nonexistent/uv") is None


def test_new_prints_the_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_copier: object
) -> None:
    monkeypatch.setattr("mlscaffold._new.complete_lock", lambda staging: "no lock for you")

    result = CliRunner().invoke(main, ["new", str(tmp_path / "p"), "--track", "rag", "--defaults"])

    assert result.exit_code == 0, result.output
    assert "Warning: no lock for you" in result.stderr


# The maintainer's command


def test_a_lock_naming_another_index_or_jinja_cannot_be_stored() -> None:
    lock = _rendered(STORED_NAME.replace("-", "_"))["uv.lock"]
    target = Target("fraud-detection", "3.11")
    check_storable(lock, target)

    with pytest.raises(
        LockError, match=re.escape("other than https://pypi.org/simple: https://mirror")
    ):
        check_storable(lock.replace("https://pypi.org/simple", "https://mirror/simple", 1), target)
    with pytest.raises(LockError, match="Jinja"):
        check_storable(lock + "# {{ x }}\n", target)
    with pytest.raises(LockError, match="no entry for the project"):
        check_storable(_rendered()["uv.lock"], target)


def test_refresh_refuses_an_unknown_track_or_python() -> None:
    every = targets(TEMPLATE)
    assert _select(every, set(), {"3.11"}) == [t for t in every if t.python == "3.11"]
    with pytest.raises(LockError, match="unknown track nope"):
        _select(every, {"nope"}, set())
    with pytest.raises(LockError, match=re.escape("unknown Python version 2.7")):
        _select(every, set(), {"2.7"})


def test_locks_check_command_checks_a_project(rendered_examples: dict[str, Path]) -> None:
    project = next(iter(rendered_examples.values()))

    result = CliRunner().invoke(main, ["locks", "check", str(project)])

    assert result.exit_code == 0, result.output
    assert "uv.lock matches pyproject.toml" in result.output


def test_stored_locks_live_outside_the_rendered_folder() -> None:
    stored = sorted((REPO_ROOT / "templates" / "locks").rglob("*.lock"))
    assert stored
    assert all("project" not in path.relative_to(REPO_ROOT / "templates").parts for path in stored)
