"""The metric points of a live run, collected for a display without slowing ``log_scalar``."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from jupyter_sacred.notebook._reduce import DEFAULT_BUCKETS, MinMaxReducer

if TYPE_CHECKING:
    from jupyter_sacred.metrics import MetricsLogger


class MetricFeed:
    """Every metric of one run, each reduced to a bounded number of points.

    Points reach the feed two ways: the chunks a heartbeat drains, merged by
    the metrics listener in the heartbeat thread, and the points logged
    since, which ``update`` reads with ``MetricsLogger.peek_arrays``. The
    cursor counts the points of each metric the feed has, so a point merged
    by one way is skipped by the other and points stay in logging order.

    The feed must be attached before the run's first heartbeat, because a
    drained chunk is delivered once.
    """

    def __init__(self, metrics: "MetricsLogger", buckets: int = DEFAULT_BUCKETS) -> None:
        self._metrics = metrics
        self._buckets = buckets
        self._cursor: dict[str, int] = {}
        # Points of each metric delivered in drained chunks so far, which is
        # where the next chunk of that metric starts.
        self._delivered: dict[str, int] = {}
        self._lock = threading.Lock()
        self.reducers: dict[str, MinMaxReducer] = {}
        self.versions: dict[str, int] = {}
        self._changed: set[str] = set()
        metrics.add_listener(self._merge_chunk)

    def _merge_chunk(self, name: str, steps: list, values: list) -> None:
        with self._lock:
            # The cursor may already count the chunk's first points (a peek
            # before the drain), so only the rest is new.
            have = self._cursor.get(name, 0)
            seen = max(have - self._delivered.get(name, 0), 0)
            self._delivered[name] = self._delivered.get(name, 0) + len(values)
            if seen < len(values):
                self._merge(name, steps[seen:], values[seen:])
            self._cursor[name] = max(have, self._delivered[name])

    def update(self) -> set[str]:
        """Merge the points logged since the last drain; return the names of metrics changed since the last call."""
        with self._lock:
            for name, (steps, values) in self._metrics.peek_arrays(self._cursor).items():
                self._merge(name, steps, values)
            changed, self._changed = self._changed, set()
        return changed

    def _merge(self, name: str, steps: Any, values: Any) -> None:
        reducer = self.reducers.get(name)
        if reducer is None:
            reducer = self.reducers[name] = MinMaxReducer(self._buckets)
        reducer.add(np.asarray(steps), np.asarray(values, dtype=float))
        self.versions[name] = self.versions.get(name, 0) + 1
        self._changed.add(name)

    def pending_points(self) -> int:
        """Return how many logged points the next ``update`` would read."""
        with self._lock:
            return self._metrics.undrained_count(self._cursor)

    def last_points(self) -> dict[str, tuple[float, float] | None]:
        """Return the last finite (step, value) of every metric, by name."""
        with self._lock:
            return {name: reducer.last for name, reducer in self.reducers.items()}

    def points(self, name: str) -> tuple[int, tuple[np.ndarray, np.ndarray]]:
        """Return the version and the reduced (steps, values) of metric ``name``."""
        with self._lock:
            return self.versions[name], self.reducers[name].points()

    def series(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Return the reduced (steps, values) of every metric, by name."""
        with self._lock:
            return {name: reducer.points() for name, reducer in self.reducers.items()}
