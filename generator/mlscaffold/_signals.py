"""Turn SIGINT, SIGTERM and SIGHUP into one exception while files are being written.

:class:`SignalGuard` is entered around work that must finish or be undone (rendering a project,
updating one). The first signal raises :class:`~mlscaffold.errors.Terminated` wherever the code
is; later ones are held so that the cleanup runs to the end. Because the exception can land
inside any library call, it may surface as something else: a library's cleanup that runs while
``Terminated`` propagates can fail in turn (a half-spawned child process closing its pipes twice
raises ``OSError: [Errno 9] Bad file descriptor``), and that second error replaces the first.
:attr:`SignalGuard.received` keeps the signal, so callers report the signal, never the error it
caused (see :meth:`SignalGuard.reraise_if_signalled`).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any

from mlscaffold.errors import Terminated

HANDLED = ("SIGINT", "SIGTERM", "SIGHUP")
"""The signals a guard turns into :class:`~mlscaffold.errors.Terminated`."""


class SignalGuard:
    """Raise :class:`Terminated` on the first signal, hold later ones, and remember it.

    Inside :meth:`held`, a signal is remembered instead of raising. When the guard is left
    without an exception, a held signal is delivered again to the handler that was in place
    before, so nothing is lost.

    Attributes:
        received: The number of the first signal that arrived, or ``None``.
        outcome: Set once the guarded work is done: a signal held until the guard's exit then
            raises :class:`Terminated` with this outcome instead of reaching the previous
            handler.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self.outcome: str | None = None
        self._holding = False
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signum
        if self._holding:
            return
        self._holding = True
        raise Terminated(signum)

    def __enter__(self) -> SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for name in HANDLED:
                signum = getattr(signal, name, None)
                if signum is not None:
                    self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._holding = True
        for signum, previous in self._previous.items():
            # None means the handler was not set from Python; the default is the closest.
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)
        if exc_type is None and self.received is not None:
            if self.outcome is not None:
                raise Terminated(self.received, self.outcome)
            signal.raise_signal(self.received)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold signals back until the block ends (the guard's exit delivers a held one)."""
        was_holding = self._holding
        self._holding = True
        try:
            yield
        finally:
            self._holding = was_holding

    def raise_pending(self) -> None:
        """Raise :class:`Terminated` now for a signal that was held back.

        Raises:
            Terminated: A signal arrived inside :meth:`held`.
        """
        if self.received is not None:
            self._holding = True
            raise Terminated(self.received)

    def reraise_if_signalled(self, exc: BaseException, outcome: str) -> None:
        """Raise :class:`Terminated` in place of ``exc`` when a signal caused it.

        Args:
            exc: The exception that is propagating.
            outcome: What was left behind, for the user.

        Raises:
            Terminated: A signal arrived; ``exc`` is its consequence, kept as the cause.
        """
        if self.received is not None:
            raise Terminated(self.received, outcome) from exc
