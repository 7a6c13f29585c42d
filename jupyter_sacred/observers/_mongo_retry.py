"""Bounded retries for MongoDB writes, and the local file a run falls back to."""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path
from typing import Any, Callable

import pymongo
from bson import json_util
from pymongo.errors import ConnectionFailure, PyMongoError

from jupyter_sacred import _storage

logger = logging.getLogger(__name__)

FIRST_DELAY_S = 1.0
MAX_DELAY_S = 60.0
FAILURE_DIR_VARIABLE = "JUPYTER_SACRED_MONGO_FAILURE_DIR"


def is_transient(error: BaseException) -> bool:
    """Tell whether a pymongo error is a lost connection or a timeout, which a later try may fix."""
    return isinstance(error, ConnectionFailure) or bool(getattr(error, "timeout", False))


class Backoff:
    """Delays between tries after connection errors: 1 s, doubling, at most 60 s.

    Beats call `ready` and skip their writes while the delay runs, so a dead
    server costs each beat nothing and the log gets one line per try.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        self.failures = 0
        self._next_try = 0.0

    def ready(self) -> bool:
        return time.monotonic() >= self._next_try

    def failed(self, error: BaseException, action: str) -> None:
        self.failures += 1
        delay = min(FIRST_DELAY_S * 2 ** (self.failures - 1), MAX_DELAY_S)
        self._next_try = time.monotonic() + delay
        logger.warning(
            "%s on %s failed (%s: %s); try %d, next try in %.0f s",
            action, self.target, type(error).__name__, error, self.failures, delay,
        )

    def succeeded(self) -> None:
        if self.failures:
            logger.info("%s is reachable again after %d failed tries", self.target, self.failures)
        self.failures = 0
        self._next_try = 0.0


def retry_until(deadline: float, action: str, target: str, operation: Callable[[], Any]) -> bool:
    """Run ``operation`` until it succeeds or the monotonic ``deadline`` passes; return whether it succeeded.

    Each try is bounded by the time left (pymongo's ``timeout`` context), so
    the call returns by the deadline even when the server hangs. Errors other
    than lost connections and timeouts are raised.
    """
    delay = FIRST_DELAY_S / 2
    tries = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        tries += 1
        try:
            with pymongo.timeout(remaining):
                operation()
            return True
        except PyMongoError as error:
            if not is_transient(error):
                raise
            logger.warning("%s on %s failed (%s: %s); try %d", action, target, type(error).__name__, error, tries)
        time.sleep(max(min(delay, deadline - time.monotonic()), 0))
        delay = min(delay * 2, 5.0)


def default_failure_dir() -> Path:
    """Return the folder for runs that could not be saved.

    ``$JUPYTER_SACRED_MONGO_FAILURE_DIR`` when set, otherwise
    ``$XDG_DATA_HOME/jupyter_sacred/mongo_failed`` (``~/.local/share/...``).
    """
    configured = os.environ.get(FAILURE_DIR_VARIABLE)
    if configured:
        return Path(configured)
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data_home) / "jupyter_sacred" / "mongo_failed"


def write_failure_file(folder: Path, record: dict[str, Any]) -> Path:
    """Write ``record`` as MongoDB Extended JSON into ``folder`` and return the file's path.

    The file name is ``<database>.<runs collection>.<run id>.<UTC time>.json``.
    ``bson.json_util.loads`` reads it back with datetimes and ObjectIds intact.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stamp = _storage.utcnow().strftime("%Y%m%dT%H%M%S%f")
    parts = [record.get("database"), record.get("runs_collection"), record.get("run", {}).get("_id"), stamp]
    name = ".".join(re.sub(r"[^0-9A-Za-z_-]", "_", str(part)) for part in parts) + ".json"
    path = folder / name
    text = json_util.dumps(record, json_options=json_util.RELAXED_JSON_OPTIONS, indent=1)
    _storage.atomic_write_bytes(path, text.encode("utf-8"))
    return path
