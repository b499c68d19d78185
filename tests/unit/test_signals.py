"""SIGINT, SIGTERM and SIGHUP stop ``mlscaffold new`` with the whole project or nothing.

A real ``python -m mlscaffold new`` is signalled at points spread over its whole run (see
:mod:`tests.unit.render_process`): it ends with status 128 + the signal's number and a message
naming the signal (or, before Python installed its handlers, dies of the signal), never blames
the disk or the permissions, and leaves either nothing or the complete project. In-process tests
cover a signal whose cleanup fails in turn.
"""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mlscaffold import _staging
from mlscaffold._new import create_project
from mlscaffold._signals import SignalGuard
from mlscaffold._template import load_template
from mlscaffold.cli import main
from mlscaffold.errors import Terminated
from tests.support import ANSWERS_FILE, list_files
from tests.unit.conftest import FakeCopier
from tests.unit.render_process import (
    EXAMPLE,
    MISLEADING,
    SEED,
    STAGING_APPEARED,
    Point,
    assert_same_project,
    every_point,
    interrupt,
)

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(os.name == "nt", reason="POSIX signals"),
]

TRACK = load_template().track_names[0]
CASES = [
    *((signal.SIGINT, point) for point in every_point(SEED)),
    *((signal.SIGTERM, point) for point in every_point(SEED + 1)),
    (signal.SIGHUP, STAGING_APPEARED),
]


@pytest.mark.parametrize(
    ("sig", "point"), CASES, ids=[f"{sig.name}-{point.id}" for sig, point in CASES]
)
def test_signal_leaves_whole_project_or_nothing_and_names_itself(
    tmp_path: Path, rendered_examples: dict[str, Path], sig: signal.Signals, point: Point
) -> None:
    reference = rendered_examples[EXAMPLE.stem]
    dest = tmp_path / "run" / "proj"

    outcome = interrupt(dest, sig, point, total=len(list_files(reference)))

    context = outcome.context(sig, point)
    assert outcome.returncode in (0, 128 + sig, -sig), context
    if point == STAGING_APPEARED:
        # Paused with the staging folder there and no project yet: the signal hit the render.
        assert outcome.mid_render, context
    if outcome.mid_render:
        assert outcome.returncode == 128 + sig, context
    if outcome.returncode == 128 + sig:
        assert f"Error: stopped by {sig.name}" in outcome.stderr, context
    if outcome.returncode == 0:
        assert dest.exists(), context
    if dest.exists():
        assert_same_project(dest, reference, context)
        assert "nothing was" not in outcome.stderr, context
    # No staging folder, nothing else next to the destination.
    assert sorted(p.name for p in dest.parent.iterdir()) in ([], [dest.name]), context
    for words in MISLEADING:
        assert words not in outcome.stderr, context


def test_sigterm_during_render_cleans_up_and_restores_the_handler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    def run_copy(src_path: str, dst_path: Path, *args: object, **kwargs: object) -> None:
        (Path(dst_path) / "half-written.txt").write_text("partial", encoding="utf-8")
        signal.raise_signal(signal.SIGTERM)
        pytest.fail("SIGTERM did not stop the render")

    monkeypatch.setattr(copier, "run_copy", run_copy)
    before = signal.getsignal(signal.SIGTERM)

    with pytest.raises(Terminated) as caught:
        create_project(tmp_path / "p", TRACK, defaults=True)

    assert caught.value.signum == signal.SIGTERM
    assert caught.value.outcome == "nothing was created"
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before


def test_sigterm_while_the_project_moves_into_place_keeps_it_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_copier: FakeCopier
) -> None:
    move = _staging.move_into_place

    def signalled_move(staging: Path, dest: Path) -> None:
        signal.raise_signal(signal.SIGTERM)
        move(staging, dest)

    monkeypatch.setattr(_staging, "move_into_place", signalled_move)
    dest = tmp_path / "p"

    with pytest.raises(Terminated) as caught:
        create_project(dest, TRACK, defaults=True)

    # Held until the move was done: the project is whole, and the message says where it is.
    assert caught.value.signum == signal.SIGTERM
    assert caught.value.outcome == f"the whole project was created in {dest}"
    assert (dest / ANSWERS_FILE).is_file()
    assert [p.name for p in tmp_path.iterdir()] == [dest.name]
    assert len(fake_copier.calls) == 1


def test_sigterm_handled_just_after_the_move_keeps_the_project_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_copier: FakeCopier
) -> None:
    # The signal arrives as the hold around the move ends, so its handler runs once it is over.
    held = SignalGuard.held

    @contextmanager
    def held_then_signalled(self: SignalGuard) -> Iterator[None]:
        with held(self):
            yield
        if self.outcome is not None:
            signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr(SignalGuard, "held", held_then_signalled)
    dest = tmp_path / "p"

    with pytest.raises(Terminated) as caught:
        create_project(dest, TRACK, defaults=True)

    assert caught.value.signum == signal.SIGTERM
    assert caught.value.outcome == f"the whole project was created in {dest}"
    assert (dest / ANSWERS_FILE).is_file()
    assert [p.name for p in tmp_path.iterdir()] == [dest.name]
    assert len(fake_copier.calls) == 1


def _sigterm_whose_cleanup_fails(faults: list[OSError]) -> Callable[..., None]:
    """A render that SIGTERM interrupts inside a child-process spawn whose cleanup then fails.

    That is what subprocess does when the signal lands while it starts a child: its cleanup
    closes a pipe that is already closed, and ``OSError: [Errno 9] Bad file descriptor``
    replaces the signal's exception.
    """

    def run_copy(src_path: str, dst_path: Path, *args: object, **kwargs: object) -> None:
        (Path(dst_path) / "half-written.txt").write_text("partial", encoding="utf-8")
        try:
            signal.raise_signal(signal.SIGTERM)
            pytest.fail("SIGTERM did not stop the render")
        except BaseException:
            fault = OSError(errno.EBADF, "Bad file descriptor")
            faults.append(fault)
            raise fault from None

    return run_copy


def test_a_fault_the_signal_causes_is_reported_as_the_signal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    faults: list[OSError] = []
    monkeypatch.setattr(copier, "run_copy", _sigterm_whose_cleanup_fails(faults))
    before = signal.getsignal(signal.SIGTERM)

    with pytest.raises(Terminated) as caught:
        create_project(tmp_path / "p", TRACK, defaults=True)

    assert len(faults) == 1
    assert caught.value.signum == signal.SIGTERM
    assert caught.value.outcome == "nothing was created"
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before


def test_the_command_line_reports_that_fault_as_sigterm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copier

    faults: list[OSError] = []
    monkeypatch.setattr(copier, "run_copy", _sigterm_whose_cleanup_fails(faults))

    result = CliRunner().invoke(main, ["new", str(tmp_path / "p"), "--track", TRACK])

    assert len(faults) == 1
    assert result.exit_code == 128 + signal.SIGTERM, result.output
    assert result.stderr == "Error: stopped by SIGTERM; nothing was created\n"
    for words in MISLEADING:
        assert words not in result.output
    assert list(tmp_path.iterdir()) == []


def test_sigint_once_the_project_exists_says_it_was_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_copier: FakeCopier
) -> None:
    echo = click.echo

    def interrupted_echo(message: object = None, *args: object, **kwargs: object) -> None:
        if str(message).startswith("Created "):
            raise KeyboardInterrupt  # what Python's SIGINT handler raises
        echo(message, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(click, "echo", interrupted_echo)
    dest = tmp_path / "p"

    result = CliRunner().invoke(main, ["new", str(dest), "--track", TRACK, "--defaults"])

    assert result.exit_code == 128 + signal.SIGINT, result.output
    assert result.stderr == f"Error: stopped by SIGINT; the whole project was created in {dest}\n"
    assert (dest / ANSWERS_FILE).is_file()
    assert len(fake_copier.calls) == 1


def test_sigint_after_the_command_finished_keeps_its_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_copier: FakeCopier
) -> None:
    close = click.Context.close

    def close_signalled(self: click.Context) -> None:
        if self.parent is None:  # the group's context, closed once the command has returned
            signal.raise_signal(signal.SIGINT)
        close(self)

    monkeypatch.setattr(click.Context, "close", close_signalled)
    before = signal.getsignal(signal.SIGINT)
    dest = tmp_path / "p"

    result = CliRunner().invoke(main, ["new", str(dest), "--track", TRACK, "--defaults"])

    assert result.exit_code == 0, result.output
    assert "Aborted" not in result.output
    assert result.stdout.startswith(f"Created {dest}\n")
    assert (dest / ANSWERS_FILE).is_file()
    assert len(fake_copier.calls) == 1
    # The caller's Ctrl-C handling is back once the command line returns.
    assert signal.getsignal(signal.SIGINT) is before


def test_ctrl_c_while_the_command_line_is_read_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    make_context = click.Command.make_context

    def interrupted(self: click.Command, *args: object, **kwargs: object) -> click.Context:
        if isinstance(self, click.Group):
            raise KeyboardInterrupt
        return make_context(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(click.Command, "make_context", interrupted)

    result = CliRunner().invoke(main, ["tracks"])

    assert result.exit_code == 128 + signal.SIGINT, result.output
    assert result.stderr == "Error: stopped by SIGINT (Ctrl-C); nothing was changed\n"
    assert "Aborted" not in result.output


def test_ctrl_c_outside_the_guarded_work_claims_no_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing here knows what the command did before the interrupt, so nothing is claimed.
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("mlscaffold.cli.load_template", interrupted)

    result = CliRunner().invoke(main, ["tracks"])

    assert result.exit_code == 128 + signal.SIGINT, result.output
    assert result.stderr == "Error: stopped by SIGINT (Ctrl-C)\n"
