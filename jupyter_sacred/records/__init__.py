"""The read side: runs, metrics and single run records from a store.

Reads folder stores and MongoDB stores in Sacred's formats. It never imports
the run engine and never runs code found in a store.
"""

from __future__ import annotations

from .api import load_metrics, load_runs, metrics_wide, open_store, read_run
from .errors import (
    InvalidFilterError,
    MissingDependencyError,
    RecordsError,
    RunNotFoundError,
    StoreNotFoundError,
    StoreQueryError,
    StoreUnreachableError,
)
from .file_store import FileStore
from .mongo_store import MongoStore

__all__ = [
    "FileStore",
    "InvalidFilterError",
    "MissingDependencyError",
    "MongoStore",
    "RecordsError",
    "RunNotFoundError",
    "StoreNotFoundError",
    "StoreQueryError",
    "StoreUnreachableError",
    "compare",
    "load_metrics",
    "load_runs",
    "metrics_wide",
    "open_store",
    "read_run",
]


def __getattr__(name: str):
    # matplotlib is imported only when a plot is requested.
    if name == "compare":
        from .plot import compare

        return compare
    raise AttributeError(name)
