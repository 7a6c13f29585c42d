"""Errors raised by the read side; each names the value at fault and the fix."""

from __future__ import annotations


class RecordsError(Exception):
    """Base class for errors reading a run store."""


class StoreNotFoundError(RecordsError, FileNotFoundError):
    """The store argument names no folder and no MongoDB URL."""

    def __init__(self, store: object) -> None:
        self.store = store
        super().__init__(
            f"No run store at {store!r}: pass a folder written by a file observer "
            "(for example './runs') or a 'mongodb://HOST:PORT/DB' URL."
        )


class RunNotFoundError(RecordsError, KeyError):
    """No run with the requested id exists in the store."""

    def __init__(self, run_id: object, store: object) -> None:
        self.run_id = run_id
        self.store = store
        super().__init__(run_id)

    def __str__(self) -> str:
        return f"No run {self.run_id!r} in store {self.store!r}: list the ids with load_runs(store)."


class MissingDependencyError(RecordsError, ImportError):
    """An optional package needed for this store or format is not installed."""

    def __init__(self, package: str, needed_for: str, extra: str) -> None:
        self.package = package
        super().__init__(
            f"{package} is needed to read {needed_for} but is not installed: "
            f"pip install 'jupyter_sacred[{extra}]'."
        )


class InvalidFilterError(RecordsError, ValueError):
    """A filter argument of load_runs has a value it cannot use."""

    def __init__(self, name: str, value: object, expected: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"Invalid {name}={value!r}: expected {expected}.")


class StoreUnreachableError(RecordsError, ConnectionError):
    """The MongoDB server of a store did not respond or rejected the connection."""

    def __init__(self, hosts: str, reason: str) -> None:
        self.hosts = hosts
        super().__init__(
            f"cannot reach MongoDB at {hosts}: {reason}; check that the server runs and the URL is right"
        )


class StoreQueryError(RecordsError):
    """The MongoDB server of a store rejected a request (authentication, a bad query)."""

    def __init__(self, hosts: str, reason: str) -> None:
        self.hosts = hosts
        super().__init__(f"MongoDB at {hosts} rejected the request: {reason}")
