"""Observers: where runs are stored."""

from jupyter_sacred.observers.base import Observer, RunObserver
from jupyter_sacred.observers.file import FileObserver

__all__ = ["FileObserver", "MongoObserver", "Observer", "RunObserver"]


def __getattr__(name: str):
    # The Mongo observer needs pymongo, which comes with the [mongo] extra.
    if name == "MongoObserver":
        from jupyter_sacred.observers.mongo import MongoObserver

        return MongoObserver
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
