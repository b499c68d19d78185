"""A real ``mlscaffold new`` process stopped by SIGTERM leaves the whole project or nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlscaffold._template import load_template
from tests.support import list_files, staging_dirs

TRACK = load_template().track_names[0]
RUNS = 5


def _command(dest: Path) -> list[str]:
    return [sys.executable, "-m", "mlscaffold", "new", str(dest), "--track", TRACK, "--defaults"]


def _wait_for_staging(process: subprocess.Popen[str], dest: Path, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and process.poll() is None:
        if staging_dirs(dest.parent, dest.name):
            return
        time.sleep(0.005)


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_sigterm_while_rendering_leaves_whole_project_or_nothing(tmp_path: Path) -> None:
    # Every run gets a folder of the same name, so that the projects are identical.
    reference = tmp_path / "reference" / "proj"
    start = time.monotonic()
    subprocess.run(_command(reference), check=True, capture_output=True)
    duration = time.monotonic() - start
    expected = list_files(reference)

    seed = random.randrange(2**32)
    rng = random.Random(seed)
    codes = []
    for index in range(RUNS):
        dest = tmp_path / f"run{index}" / "proj"
        dest.parent.mkdir()
        process = subprocess.Popen(
            _command(dest), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        # The staging folder appears before copier is imported and the files are rendered; a
        # random delay from then on lands anywhere in the import, the rendering or the move.
        _wait_for_staging(process, dest, limit_s=duration * 2)
        delay = rng.uniform(0, duration * 0.8)
        time.sleep(delay)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
        context = f"seed={seed} run={index} delay={delay:.2f}s rc={process.returncode}\n{out}{err}"

        assert process.returncode in (0, 128 + signal.SIGTERM, -signal.SIGTERM), context
        if dest.exists():
            assert list_files(dest) == expected, context
        assert staging_dirs(dest.parent, dest.name) == [], context
        codes.append(process.returncode)

    assert any(code == 128 + signal.SIGTERM for code in codes), (
        f"seed={seed}: no signal landed while rendering ({codes})"
    )
