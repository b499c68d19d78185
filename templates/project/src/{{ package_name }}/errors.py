"""The project's errors. Each message says what went wrong and how to fix it."""


class ProjectError(Exception):
    """Base of every error the command line turns into a one-line message and exit code 1."""


class PipelineError(ProjectError):
    """A pipeline step cannot run: an input is missing or a precondition does not hold."""


class GateRefusedError(ProjectError):
    """The promotion gate refused the candidate model."""
