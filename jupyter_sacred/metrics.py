"""Scalar metrics logged by a run, buffered between heartbeats.

Each metric keeps three typed arrays (steps, values, timestamps as POSIX
seconds): about 24 bytes per buffered point, against roughly 200 bytes for a
tuple of Python objects per point. A heartbeat drains the buffers into
Sacred's linearized form ``{name: {"name", "steps", "values", "timestamps"}}``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from array import array
from typing import Any, Callable

logger = logging.getLogger(__name__)

ChunkListener = Callable[[str, list, list], None]

_EPOCH = dt.datetime(1970, 1, 1)


class _Series:
    __slots__ = ("steps", "values", "times", "next_step", "step_typecode", "drained")

    def __init__(self) -> None:
        self.steps: array | list = array("q")
        self.values = array("d")
        self.times = array("d")
        self.next_step = 0
        self.drained = 0  # points handed out by earlier drains: the buffer's first index


def _to_number(value: Any, what: str, name: str) -> float | int:
    """Convert numpy scalars and other number-likes; reject what is not a number."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"metric {name!r}: {what} must be a number, got {type(value).__name__} {value!r}"
        ) from error


class MetricsLogger:
    """Buffer of scalar metric points, safe to fill from one thread and drain from another."""

    def __init__(self) -> None:
        self._series: dict[str, _Series] = {}
        self._lock = threading.Lock()
        self._listeners: list[ChunkListener] = []

    def log_scalar(self, name: str, value: Any, step: Any = None) -> None:
        """Record ``value`` for metric ``name`` at ``step``.

        Without a step, the step is the last step used for this metric plus
        one, starting at 0, as in Sacred.
        """
        now = time.time()
        if type(value) is not float:
            value = _to_number(value, "value", name)
        with self._lock:
            series = self._series.get(name)
            if series is None:
                if not isinstance(name, str) or not name:
                    raise TypeError(f"metric name must be a non-empty str, got {name!r}")
                series = self._series[name] = _Series()
            if step is None:
                step = series.next_step
            elif type(step) is not int:
                step = self._checked_step(series, step, name)
            series.next_step = step + 1
            series.steps.append(step)
            series.values.append(value)
            series.times.append(now)

    def _checked_step(self, series: _Series, step: Any, name: str) -> Any:
        step = _to_number(step, "step", name)
        if isinstance(step, float) and isinstance(series.steps, array):
            if step.is_integer():
                return int(step)
            # A fractional step: keep the series as a list so the value survives as given.
            series.steps = list(series.steps)
        return step

    def add_listener(self, listener: ChunkListener) -> None:
        """Call ``listener(name, steps, values)`` with every chunk that ``drain`` returns.

        Chunks of one metric arrive in logging order, after the drain has
        emptied the buffer, so a ``peek`` may run between the two (see ``peek_arrays``).
        """
        self._listeners.append(listener)

    def drain(self) -> dict[str, dict[str, list]]:
        """Remove and return the points logged since the last drain, linearized per metric."""
        with self._lock:
            taken = []
            for name, series in self._series.items():
                if len(series.values):
                    taken.append((name, series.steps, series.values, series.times))
                    series.drained += len(series.values)
                    series.steps = array("q") if isinstance(series.steps, array) else []
                    series.values = array("d")
                    series.times = array("d")
        drained: dict[str, dict[str, list]] = {}
        for name, steps, values, times in taken:
            steps_list, values_list = steps.tolist() if isinstance(steps, array) else steps, values.tolist()
            drained[name] = {
                "name": name,
                "steps": steps_list,
                "values": values_list,
                "timestamps": [_EPOCH + dt.timedelta(seconds=stamp) for stamp in times.tolist()],
            }
            for listener in self._listeners:
                try:
                    listener(name, steps_list, values_list)
                except Exception:  # a display must never break the heartbeat
                    logger.exception("metrics listener %r failed", listener)
        return drained

    def peek(self, cursor: dict[str, int]) -> dict[str, tuple[list, list]]:
        """Return undrained points from ``cursor[name]`` on per metric, and move the cursor.

        The same as ``peek_arrays``, with the points as lists.
        """
        return {
            name: (steps if isinstance(steps, list) else steps.tolist(), values.tolist())
            for name, (steps, values) in self.peek_arrays(cursor).items()
        }

    def peek_arrays(self, cursor: dict[str, int]) -> dict[str, tuple[array | list, array]]:
        """Return copies of the undrained points from ``cursor[name]`` on, and move the cursor.

        ``cursor[name]`` counts the points of ``name`` the reader already has,
        from the first point ever logged, drained or not. A reader that also
        listens to drained chunks advances it by each chunk's length. When a
        drain has taken points past the cursor whose chunk the reader has not
        received yet, that metric is left out until the cursor catches up, so
        a reader never gets a point twice or out of order. Steps come as an
        ``array("q")``, or a list for a metric with fractional steps; values
        as an ``array("d")``.
        """
        result: dict[str, tuple[array | list, array]] = {}
        with self._lock:
            for name, series in self._series.items():
                start = cursor.get(name, 0) - series.drained
                end = len(series.values)
                if 0 <= start < end:
                    result[name] = (series.steps[start:end], series.values[start:end])
                    cursor[name] = series.drained + end
        return result

    @property
    def names(self) -> list[str]:
        return list(self._series)
