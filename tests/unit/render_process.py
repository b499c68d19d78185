"""``mlscaffold new`` in a subprocess, signalled at a chosen point of its render.

The points do not depend on timing: "at once" (before any file), "the staging folder appeared"
(Copier is being imported and is cloning the template), "the staging folder holds at least K
files", or "the project was moved into place". Once its point is reached, the child is paused
(SIGSTOP) and the signal sent while it stands still, so the state the signal finds is the state
recorded: how many files were staged, and whether the run is mid-render (a staging folder and no
destination), in which case the signal lands in the render for certain.
"""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support import EXAMPLES, list_files, staging_dirs

EXAMPLE = next(e for e in EXAMPLES if e.stem == "fraud-detection")
"""The answers every run renders; the shared rendered example is the reference."""
LIMIT_S = 120.0
POLL_S = 0.002
SEED = 20_260_326
# Words that blame the disk or the permissions: a signal must never be reported as either.
MISLEADING = ("free space", "permissions")


@dataclass(frozen=True)
class Point:
    """When to signal a run.

    At once when ``files`` and ``fraction`` are ``None``; otherwise once the staging folder
    holds ``files`` files (0: as soon as it appears), or that ``fraction`` of the project's
    files.
    """

    id: str
    files: int | None = None
    fraction: float | None = None
    moved: bool = False
    """Instead: once the project was moved into place (the destination exists)."""

    def threshold(self, total: int) -> int | None:
        """The number of staged files to wait for, for a project of ``total`` files."""
        if self.fraction is not None:
            return max(1, math.ceil(self.fraction * total))
        return self.files


AT_ONCE = Point("at-once")
STAGING_APPEARED = Point("staging-appeared", files=0)
ALL_FILES = Point("all-files", fraction=1.0)
PROJECT_MOVED = Point("project-moved", moved=True)


def spread_points(seed: int, bands: int = 3) -> list[Point]:
    """One point in each of ``bands`` equal parts of the rendered files, drawn with ``seed``."""
    rng = random.Random(seed)
    fractions = [rng.uniform(band / bands, (band + 1) / bands) for band in range(bands)]
    return [Point(f"files-{f:.0%}", fraction=f) for f in fractions]


def every_point(seed: int) -> list[Point]:
    """From before any file to after the move, with points spread over the files between."""
    return [AT_ONCE, STAGING_APPEARED, *spread_points(seed), ALL_FILES, PROJECT_MOVED]


@dataclass(frozen=True)
class Outcome:
    """How a signalled run ended."""

    returncode: int
    stdout: str
    stderr: str
    mid_render: bool
    """Paused with a staging folder and no destination when the signal was sent."""
    staged: int | None
    """Files in the staging folder when the signal was sent (``None``: no staging folder)."""

    def context(self, sig: signal.Signals, point: Point) -> str:
        """What to print when an assertion about this run fails."""
        return (
            f"{sig.name} at {point.id} (seed {SEED}): rc={self.returncode} "
            f"mid_render={self.mid_render} staged={self.staged}\n{self.stdout}{self.stderr}"
        )


def command(dest: Path) -> list[str]:
    """The command line of every run."""
    return [
        sys.executable,
        "-m",
        "mlscaffold",
        "new",
        str(dest),
        "--answers-file",
        str(EXAMPLE),
        "--defaults",
    ]


def _default_sigint() -> None:
    # A shell without job control starts background jobs with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(dest: Path) -> subprocess.Popen[str]:
    """Start ``mlscaffold new`` rendering into ``dest``."""
    return subprocess.Popen(
        command(dest),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def staged_files(dest: Path) -> int | None:
    """Files in the staging folder of ``dest``, or ``None`` when there is none."""
    found = staging_dirs(dest.parent, dest.name)
    if not found:
        return None
    return sum(len(files) for _, _, files in os.walk(dest.parent / found[0]))


def _ended(process: subprocess.Popen[str]) -> bool:
    # WNOWAIT: look without reaping, so that the pid stays the child's until Popen reaps it.
    return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _pause(process: subprocess.Popen[str]) -> bool:
    """Stop the child; ``False`` when it has already ended (it is left to be reaped)."""
    os.kill(process.pid, signal.SIGSTOP)
    info = os.waitid(os.P_PID, process.pid, os.WSTOPPED | os.WEXITED | os.WNOWAIT)
    return info is not None and info.si_code == os.CLD_STOPPED


def _pause_at(process: subprocess.Popen[str], dest: Path, point: Point, total: int) -> bool:
    """Pause the child at ``point``; ``False`` when it ended before reaching it.

    Every point's condition, once met, holds until the child ends (files only accumulate
    until the move, after which the destination stays), so it is looked for while the child
    runs and still holds when the pause takes effect.
    """
    threshold = point.threshold(total)
    deadline = time.monotonic() + LIMIT_S
    seen_staging = False
    while not _ended(process) and time.monotonic() < deadline:
        if point.moved:
            if dest.exists():
                break
        elif threshold is None:
            break
        else:
            staged = staged_files(dest)
            if staged is not None and staged >= threshold:
                break
            if seen_staging and staged is None:
                break  # moved into place before reaching the threshold: signal it there
            seen_staging = staged is not None
        time.sleep(POLL_S)
    return _pause(process)


def interrupt(dest: Path, sig: signal.Signals, point: Point, total: int) -> Outcome:
    """Run ``mlscaffold new`` into ``dest`` and send ``sig`` at ``point``.

    Args:
        dest: The destination; its parent is created and must hold nothing else.
        sig: The signal to send.
        point: When to send it.
        total: The number of files of the complete project.
    """
    dest.parent.mkdir(parents=True)
    process = start(dest)
    try:
        paused = _pause_at(process, dest, point, total)
        staged = staged_files(dest)
        mid_render = paused and staged is not None and not dest.exists()
        process.send_signal(sig)
        if paused:
            os.kill(process.pid, signal.SIGCONT)
        stdout, stderr = process.communicate(timeout=LIMIT_S)
    finally:
        if process.returncode is None:
            process.kill()
            process.communicate()
    return Outcome(process.returncode, stdout, stderr, mid_render, staged)


def assert_same_project(project: Path, reference: Path, context: str) -> None:
    """``project`` holds exactly the files of ``reference``, byte for byte."""
    files = list_files(project)
    assert files == list_files(reference), context
    for relative in files:
        path, expected = project / relative, reference / relative
        if expected.is_symlink():
            assert path.readlink() == expected.readlink(), f"{relative}\n{context}"
        else:
            assert path.read_bytes() == expected.read_bytes(), f"{relative}\n{context}"
