"""In a terminal, ``mlscaffold new`` asks the unanswered questions; Ctrl-C there creates nothing."""

from __future__ import annotations

import os
import re
import select
import signal
import struct
import sys
import time
from pathlib import Path

import pytest

from mlscaffold._new import create_project
from mlscaffold._template import load_template
from tests.support import list_files, read_answers, staging_dirs

pty = pytest.importorskip("pty")
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")

pytestmark = pytest.mark.process

TRACK = load_template().track_names[0]
DOWN, ENTER, CTRL_C = b"\x1b[B", b"\r", b"\x03"
# Control sequences: CSI (colours, cursor moves) and the two-byte escapes.
_CONTROL = re.compile(r"\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_CURSOR_POSITION_REQUEST = b"\x1b[6n"


class Terminal:
    """``mlscaffold new`` running on a pseudo-terminal 200 columns wide.

    The terminal answers the program's cursor-position requests, as a real one does; the
    question library otherwise waits for each answer until it times out.
    """

    def __init__(self, *args: str) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
            os.execv(sys.executable, [sys.executable, "-m", "mlscaffold", "new", *args])
        self.output = b""

    @property
    def screen(self) -> str:
        """Everything shown so far, without the control sequences."""
        return _CONTROL.sub("", self.output.decode("utf-8", errors="replace"))

    def read_until(self, *texts: str, limit_s: float = 60.0) -> None:
        """Collect output until every one of ``texts`` shows; fail if the program ends first."""
        deadline = time.monotonic() + limit_s
        while not all(text in self.screen for text in texts):
            if time.monotonic() > deadline:
                pytest.fail(f"{texts} not shown within {limit_s}s:\n{self.screen}")
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready and not self._read():
                pytest.fail(f"the program ended before showing {texts}:\n{self.screen}")

    def _read(self) -> bool:
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.output += chunk
        for _ in range(chunk.count(_CURSOR_POSITION_REQUEST)):
            os.write(self.fd, b"\x1b[1;1R")
        return bool(chunk)

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def wait(self, limit_s: float = 60.0) -> int:
        """Read until the program ends and return its exit code; kill it after ``limit_s``."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready and not self._read():
                break
        else:
            os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def test_questions_are_asked_and_defaults_accepted_with_enter(tmp_path: Path) -> None:
    dest = tmp_path / "asked"
    terminal = Terminal(str(dest), "--track", TRACK)

    for question in load_template().questions:
        if question.name != "track":
            terminal.read_until(question.help)
            terminal.send(ENTER)

    assert terminal.wait() == 0, terminal.screen
    assert "Author or team name" in terminal.screen
    track_question = next(q for q in load_template().questions if q.name == "track")
    assert track_question.help not in terminal.screen
    assert read_answers(dest)["project_name"] == "asked"
    assert read_answers(dest)["track"] == TRACK


def test_track_is_chosen_from_a_list_of_the_tracks_and_their_descriptions(
    tmp_path: Path,
) -> None:
    tracks = load_template().tracks
    # The last track: never the default, so the choice is what selects it.
    chosen = tracks[-1]
    dest = tmp_path / "chosen"
    terminal = Terminal(str(dest))

    for question in load_template().questions:
        terminal.read_until(question.help)
        if question.name == "track":
            terminal.read_until(*(f"{t.name}: {t.description}" for t in tracks))
            terminal.send(DOWN * (len(tracks) - 1))
            terminal.read_until(f"» {chosen.name}: {chosen.description}")
        terminal.send(ENTER)

    assert terminal.wait() == 0, terminal.screen
    assert read_answers(dest)["track"] == chosen.name
    # Enter took every other default, so it is the project --defaults makes for that track.
    reference = create_project(tmp_path / "reference" / dest.name, chosen.name, defaults=True)
    assert list_files(dest) == list_files(reference)
    assert staging_dirs(tmp_path, dest.name) == []


def test_ctrl_c_at_a_question_creates_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "stopped"
    terminal = Terminal(str(dest), "--track", TRACK)

    terminal.read_until(load_template().questions[0].help)
    terminal.send(CTRL_C)

    assert terminal.wait() == 128 + signal.SIGINT, terminal.screen
    assert "Error: stopped by SIGINT; nothing was created" in terminal.screen
    assert "Aborted" not in terminal.screen
    assert not dest.exists()
    assert staging_dirs(tmp_path, dest.name) == []
