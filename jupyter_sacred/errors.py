"""Errors raised by the run engine and the Experiment API."""

from __future__ import annotations


class JupyterSacredError(Exception):
    """Base class of the errors this package raises on purpose."""


class ObserverStartError(JupyterSacredError):
    """An observer failed in ``started_event`` or ``queued_event``, so the run cannot be recorded."""

    def __init__(self, observer: object, cause: BaseException) -> None:
        super().__init__(
            f"observer {observer!r} failed to start the run: {type(cause).__name__}: {cause}. "
            "Fix the observer's target (folder, URL) or remove it from ex.observers."
        )
        self.observer = observer


class MissingMainError(JupyterSacredError):
    """``ex.run()`` was called on an experiment without a main function."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"experiment {name!r} has no main function; decorate one with @ex.main "
            "or pass command_name= naming an @ex.command."
        )


class CommandNotFoundError(JupyterSacredError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown command {name!r}; known commands: {', '.join(sorted(known)) or 'none'}")


class NoCurrentRunError(JupyterSacredError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} needs a running run; call it from inside the main function or an %%experiment cell")


class ArtifactNameError(JupyterSacredError, ValueError):
    """An artifact or resource name would escape the run folder or overwrite a record file."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"invalid artifact name {name!r}: {reason}; pass name='plain_file_name.ext'")
        self.name = name


class UncleanRepositoryError(JupyterSacredError, RuntimeError):
    """``--enforce_clean`` was given but the sources are not in a clean git repository."""

    def __init__(self, repository: dict | None) -> None:
        if repository is None:
            message = ("--enforce_clean needs the sources in a git repository, but none was found; "
                       "commit the sources to git (and install GitPython) or drop --enforce_clean")
        else:
            message = (f"--enforce_clean: the repository {repository.get('url')!r} (commit {repository.get('commit')}) "
                       "has uncommitted changes; commit them or drop --enforce_clean")
        super().__init__(message)
        self.repository = repository
