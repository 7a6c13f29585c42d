"""Run states, spelled as Sacred stores them."""

from __future__ import annotations

import enum


class RunStatus(str, enum.Enum):
    """A run's status. The values are the strings Sacred writes into its stores.

    ``DEAD`` is never written: readers derive it from a ``RUNNING`` run whose
    heartbeat is stale. Custom states from ``SacredInterrupt`` subclasses are
    plain strings, so code that reads a status accepts ``str`` as well.
    """

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    INTERRUPTED = "INTERRUPTED"
    TIMEOUT = "TIMEOUT"
    DEAD = "DEAD"

    def __str__(self) -> str:
        return self.value


FINISHED_STATES = frozenset(
    {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.INTERRUPTED, RunStatus.TIMEOUT}
)
