"""The errors mlscaffold raises.

Every :class:`MlscaffoldError` message says what happened and what to do next; the command line
prints it as one line on stderr and exits with status 1.
"""

from __future__ import annotations


class MlscaffoldError(Exception):
    """Base class for the errors a user can fix by changing their input or environment."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DestinationError(MlscaffoldError):
    """The destination folder cannot receive a new project (it exists, or cannot be written)."""


class TrackError(MlscaffoldError):
    """No track, or a track the template does not have, was chosen."""


class AnswersError(MlscaffoldError):
    """An answer is unknown, malformed or rejected by the template's validators."""


class TemplateError(MlscaffoldError):
    """The bundled template is missing, malformed or failed to render."""


class AuditError(MlscaffoldError):
    """The folder to audit does not exist or is not a folder."""


class Terminated(KeyboardInterrupt):
    """A termination signal (SIGTERM, SIGHUP) arrived while a project was being created.

    It derives from :class:`KeyboardInterrupt`, like Ctrl-C, so that ``except Exception`` blocks
    do not swallow it. The partly rendered project has been removed when it is raised.

    Attributes:
        signum: The number of the signal that arrived.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
