"""Time ``mlscaffold new`` as a whole process, beside ``copier copy`` of the same template.

For every answers file in ``examples/``, both commands run N times (default 7) into fresh
temporary folders, after one untimed warm-up run each, and the wall times are printed as a
Markdown table. Numbers are printed, never asserted.

Usage::

    python benchmarks/bench_new.py [--runs N] [--example examples/rag.yml ...]

Both commands are taken from the folder of the running interpreter (the ``mlscaffold`` and
``copier`` console scripts). ``PYTHONDONTWRITEBYTECODE`` is removed from their environment, as a
normal installation caches bytecode; an interpreter that cannot cache it spends seconds more on
every start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchlib import REPO_ROOT, clean_env, repeat_timed, script, template_root


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    parser.add_argument(
        "--example",
        type=Path,
        action="append",
        help="answers file (repeatable); default: every examples/*.yml",
    )
    args = parser.parse_args(argv)
    examples = args.example or sorted((REPO_ROOT / "examples").glob("*.yml"))
    mlscaffold = script("mlscaffold")
    copier = script("copier")
    root, is_git = template_root()

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-new-") as tmp:
        settings = Path(tmp) / "copier-settings.yml"
        settings.write_text("{}\n", encoding="utf-8")
        env = clean_env({"COPIER_SETTINGS_PATH": str(settings)})
        for example in examples:
            example = example.resolve()

            def new(dest: Path, e: Path = example) -> list[str]:
                return [*mlscaffold, "new", str(dest), "--answers-file", str(e), "--defaults"]

            def copy(dest: Path, e: Path = example) -> list[str]:
                ref = ["--vcs-ref", "HEAD"] if is_git else []
                return [
                    *copier, "copy", "--quiet", "--defaults", "--data-file", str(e), *ref,
                    str(root), str(dest),
                ]  # fmt: skip

            commands = {"mlscaffold new": new, "copier copy": copy}
            for label, build in commands.items():
                workdir = Path(tmp) / example.stem / label.replace(" ", "-")
                times = repeat_timed(build, args.runs, env, workdir)
                rows.append((example.stem, label, times))

    print(f"Template: {root} ({'git checkout' if is_git else 'plain folder'}); "
          f"{args.runs} timed runs each, after one warm-up; Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs.\n")  # fmt: skip
    print("| example | command | median (s) | min (s) | max (s) |")
    print("| --- | --- | ---: | ---: | ---: |")
    for stem, label, times in rows:
        print(
            f"| {stem} | `{label}` | {statistics.median(times):.2f} | {min(times):.2f} "
            f"| {max(times):.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
