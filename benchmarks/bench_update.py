"""Time ``mlscaffold update`` to the next release, offline, from an installed wheel.

In a temporary clone of this repository two releases are cut (as docs/releasing.md says) and a
wheel is built from each. Projects are generated with the first wheel and committed; a fresh
virtual environment holding only the second wheel then updates a fresh copy of such a project N
times (default 7, after one untimed warm-up), with no flag and git barred from the network. In the
same run, ``mlscaffold new`` of that installed wheel and ``copier copy`` of the same template are
timed side by side (whole processes), and their ratio printed. Numbers are printed, never
asserted.

Usage::

    python benchmarks/bench_update.py [--runs N] [--example examples/rag.yml ...]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchlib import EXAMPLES, REPO_ROOT, clean_env, installed_cli, repeat_timed, script, timed

OLD, NEW = "0.9.0", "0.10.0"
PRODUCT = ("copier.yml", "templates", "generator", "pyproject.toml", "README.md", "examples")


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def _release(clone: Path, version: str) -> None:
    """Cut ``version``: commit the template, then add its registry entry (docs/releasing.md)."""
    init = clone / "generator" / "mlscaffold" / "__init__.py"
    text = re.sub(r'__version__ = "[^"]+"', f'__version__ = "{version}"', init.read_text())
    init.write_text(text)
    _git("add", "-A", cwd=clone)
    _git("commit", "-qm", f"Template {version}", cwd=clone)
    commit = _git("rev-parse", "HEAD", cwd=clone).strip()
    with (clone / "templates" / "releases.yml").open("a", encoding="utf-8") as registry:
        registry.write(
            f'- version: "{version}"\n  commit: {commit}\n  date: "2026-12-01"\n'
            f"  notes: benchmark release {version}\n"
        )
    _git("add", "-A", cwd=clone)
    _git("commit", "-qm", f"Release {version}", cwd=clone)


def _releases(tmp: Path, env: dict[str, str]) -> tuple[Path, list[str], list[str]]:
    clone = tmp / "mlscaffold"
    _git("clone", "--quiet", "--no-local", str(REPO_ROOT), str(clone), cwd=tmp)
    for name in PRODUCT:
        source, target = REPO_ROOT / name, clone / name
        if source.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target)
    _release(clone, OLD)
    old = installed_cli(clone, tmp, env, "old")
    runbook = clone / "templates" / "project" / "docs" / "runbook.md.jinja"
    runbook.write_text(runbook.read_text() + "\n## Taking template releases\nmlscaffold update\n")
    _release(clone, NEW)
    return clone, old, installed_cli(clone, tmp, env, "new")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    parser.add_argument("--example", type=Path, action="append", help="answers file (repeatable)")
    args = parser.parse_args(argv)
    examples = [e.resolve() for e in (args.example or EXAMPLES)]
    copier = script("copier")
    rows: list[tuple[str, str, list[float]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-update-") as name:
        tmp = Path(name)
        settings = tmp / "copier-settings.yml"
        settings.write_text("{}\n", encoding="utf-8")
        env = clean_env({"COPIER_SETTINGS_PATH": str(settings), "GIT_ALLOW_PROTOCOL": "file"},
                        drop=("MLSCAFFOLD_TEMPLATE_REPO",))  # fmt: skip
        env.update({f"GIT_{r}_{k}": v for r in ("AUTHOR", "COMMITTER")
                    for k, v in (("NAME", "bench"), ("EMAIL", "bench@localhost"))})  # fmt: skip
        clone, old, new = _releases(tmp, env)
        for example in examples:
            made = tmp / "made" / example.stem
            made.parent.mkdir(parents=True, exist_ok=True)
            timed([*old, "new", str(made), "--answers-file", str(example), "--defaults"], tmp, env)
            _git("init", "-q", cwd=made)
            _git("add", "-A", cwd=made)
            _git("commit", "-qm", "Create project", cwd=made)

            def update(dest: Path, source: Path = made) -> list[str]:
                shutil.copytree(source, dest, symlinks=True)
                return [*new, "update", str(dest)]

            def dry_run(dest: Path, source: Path = made) -> list[str]:
                shutil.copytree(source, dest, symlinks=True)
                return [*new, "update", "--dry-run", str(dest)]

            def new_project(dest: Path, e: Path = example) -> list[str]:
                return [*new, "new", str(dest), "--answers-file", str(e), "--defaults"]

            def copy(dest: Path, e: Path = example) -> list[str]:
                return [*copier, "copy", "--quiet", "--defaults", "--data-file", str(e),
                        "--vcs-ref", "HEAD", str(clone), str(dest)]  # fmt: skip

            commands = {
                f"mlscaffold update ({OLD} -> {NEW}, installed wheel)": update,
                "mlscaffold update --dry-run (installed wheel)": dry_run,
                "mlscaffold new (installed wheel)": new_project,
                "copier copy (same template, git clone)": copy,
            }
            for label, build in commands.items():
                work = tmp / "runs" / example.stem / re.sub(r"[^A-Za-z0-9]+", "-", label)
                rows.append((example.stem, label, repeat_timed(build, args.runs, env, work)))

    print(
        f"{args.runs} timed runs each, after one warm-up; whole processes; Python "
        f"{sys.version.split()[0]}, {os.cpu_count()} CPUs; git barred from the network.\n"
    )
    print("| example | command | median (s) | min (s) | max (s) |")
    print("| --- | --- | ---: | ---: | ---: |")
    for stem, label, times in rows:
        print(f"| {stem} | `{label}` | {statistics.median(times):.2f} | {min(times):.2f} "
              f"| {max(times):.2f} |")  # fmt: skip
    print("\n| example | `mlscaffold new` / `copier copy` (medians) |")
    print("| --- | ---: |")
    medians = {(stem, label): statistics.median(times) for stem, label, times in rows}
    for example in examples:
        ratio = (
            medians[(example.stem, "mlscaffold new (installed wheel)")]
            / medians[(example.stem, "copier copy (same template, git clone)")]
        )
        print(f"| {example.stem} | {ratio:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
