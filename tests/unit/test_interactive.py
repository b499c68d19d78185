"""In a terminal, ``mlscaffold new`` asks the unanswered questions; Ctrl-C there creates nothing."""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from pathlib import Path

import pytest

from mlscaffold._template import load_template
from tests.support import read_answers, staging_dirs

pty = pytest.importorskip("pty")
TRACK = load_template().track_names[0]


class Terminal:
    """``mlscaffold new`` running on a pseudo-terminal."""

    def __init__(self, *args: str) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            os.execv(sys.executable, [sys.executable, "-m", "mlscaffold", "new", *args])
        self.screen = ""

    def read_until(self, text: str, limit_s: float = 60.0) -> None:
        """Collect output until ``text`` shows (or the program ends, or time runs out)."""
        deadline = time.monotonic() + limit_s
        while text not in self.screen and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready and not self._read():
                return

    def _read(self) -> bool:
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.screen += chunk.decode("utf-8", errors="replace")
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
            terminal.send(b"\r")

    assert terminal.wait() == 0, terminal.screen
    assert "Author or team name" in terminal.screen
    assert read_answers(dest)["project_name"] == "asked"


def test_ctrl_c_at_a_question_creates_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "stopped"
    terminal = Terminal(str(dest), "--track", TRACK)

    terminal.read_until(load_template().questions[0].help)
    terminal.send(b"\x03")

    assert terminal.wait() == 1, terminal.screen
    assert "Aborted" in terminal.screen
    assert not dest.exists()
    assert staging_dirs(tmp_path, dest.name) == []
