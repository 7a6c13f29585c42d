"""Scalar metrics logged by a run, buffered between heartbeats.

``log_scalar`` is called inside training loops, so it does as little as it
can: it reads the clock and appends ``step, value, time`` to a per-metric
list, with no lock. Every ``_CHUNK`` points the list is packed into 24 bytes
per point (int64 step, float64 value, float64 POSIX time), so the buffer of
a long beat interval takes about 24 bytes per point. Sacred's takes about 200
(an entry object with a datetime, measured with tracemalloc). A heartbeat drains each metric into a
``MetricChunk``: numpy columns that convert to Sacred's linearized form
``{"name", "steps", "values", "timestamps"}`` only when an observer needs it.
"""

from __future__ import annotations

import logging
import math
import struct
import threading
import time
from collections.abc import Mapping
from typing import Any, Callable, Iterator

import numpy as np

logger = logging.getLogger(__name__)

ChunkListener = Callable[[str, list, list], None]

# Points a metric's list may contain before it is packed; bounds the memory of the
# unpacked tail (~100 bytes a point) and amortises the packing.
_CHUNK = 1024
_RECORD = {False: np.dtype([("step", "<i8"), ("value", "<f8"), ("time", "<f8")]),
           True: np.dtype([("step", "<f8"), ("value", "<f8"), ("time", "<f8")])}
_PACKERS: dict[tuple[bool, int], struct.Struct] = {}


def _packer(fractional: bool, points: int) -> struct.Struct:
    key = (fractional, points)
    packer = _PACKERS.get(key)
    if packer is None:
        packer = struct.Struct("<" + ("ddd" if fractional else "qdd") * points)
        if points == _CHUNK:
            _PACKERS[key] = packer
    return packer


class _Series:
    __slots__ = ("pending", "packed", "next_step", "fractional", "drained")

    def __init__(self) -> None:
        self.pending: list = []  # step, value, time, step, value, time, ... (flat)
        self.packed = bytearray()  # older points, as _RECORD[fractional] records
        self.next_step = 0
        self.fractional = False  # a step was a non-integral float: steps are stored as float64
        self.drained = 0  # points handed out by earlier drains: the buffer's first index

    def take(self, keep: bool = False, first: int = 0) -> bytes:
        """Return the records from index ``first`` of the buffer on; empty the buffer unless ``keep``."""
        size = _RECORD[self.fractional].itemsize
        packed_points = len(self.packed) // size
        tail_start = 3 * max(first - packed_points, 0)
        count = len(self.pending)  # a whole number of points: each append adds three items at once
        tail = self.pending[tail_start:count]
        if not keep:
            del self.pending[:count]
        data = bytes(memoryview(self.packed)[first * size:]) if first < packed_points else b""
        if not keep:
            self.packed = bytearray()
        if tail:
            data += _packer(self.fractional, len(tail) // 3).pack(*tail)
        return data


def _to_number(value: Any, what: str, name: str) -> float | int:
    """Convert numpy scalars and other number-likes; reject what is not a number.

    Strings are refused even when they spell a number. A step must fit in
    int64 and a value in float64, because they are packed into such columns.
    A point that does not fit would make every later heartbeat fail.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"metric {name!r}: {what} must be a number, got {type(value).__name__} {value!r}")
    if hasattr(value, "item"):
        try:
            value = value.item()
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"metric {name!r}: {what} must be a single number, got {type(value).__name__} {value!r}"
            ) from error
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        if what == "step" and not _MIN_STEP <= value <= _MAX_STEP:
            raise ValueError(f"metric {name!r}: step {value} is outside the 64-bit integer range")
        if what == "value" and not -_MAX_FLOAT_INT <= value <= _MAX_FLOAT_INT:
            raise ValueError(f"metric {name!r}: value {value} is too large for a 64-bit float")
        return value
    if isinstance(value, float):
        return value
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError) as error:
        raise TypeError(
            f"metric {name!r}: {what} must be a number, got {type(value).__name__} {value!r}"
        ) from error


_MIN_STEP, _MAX_STEP = -(2**63), 2**63 - 1
_MAX_FLOAT_INT = int(np.finfo(np.float64).max)


class MetricChunk(Mapping):
    """The points of one metric taken by one drain, in Sacred's linearized shape.

    It reads like Sacred's ``{"name", "steps", "values", "timestamps"}`` dict
    (timestamps are naive UTC datetimes); the lists are built on first access.
    ``steps_array``, ``values_array`` and ``times`` (POSIX seconds) give the
    numpy columns to writers that can use them directly.
    """

    _KEYS = ("name", "steps", "values", "timestamps")

    def __init__(self, name: str, records: np.ndarray, fractional: bool) -> None:
        self.name = name
        self.steps_array = records["step"]
        self.values_array = records["value"]
        self.times = records["time"]
        self.fractional = fractional
        self._lists: dict[str, list] = {}

    def __len__(self) -> int:
        return len(self._KEYS)

    def __iter__(self) -> Iterator[str]:
        return iter(self._KEYS)

    def __getitem__(self, key: str) -> Any:
        if key == "name":
            return self.name
        cached = self._lists.get(key)
        if cached is None:
            if key == "steps":
                cached = self.steps_array.tolist()
                if self.fractional:
                    cached = [int(step) if step.is_integer() else step for step in cached]
            elif key == "values":
                cached = self.values_array.tolist()
            elif key == "timestamps":
                cached = microseconds(self.times).astype("datetime64[us]").tolist()
            else:
                raise KeyError(key)
            self._lists[key] = cached
        return cached

    def as_dict(self) -> dict[str, Any]:
        """Sacred's linearized form with real lists, for observers that are not ours."""
        return {key: self[key] for key in self._KEYS}

    def __repr__(self) -> str:
        return f"<MetricChunk {self.name!r}: {len(self.times)} points>"


def microseconds(times: np.ndarray) -> np.ndarray:
    """POSIX seconds to whole microseconds, rounded to nearest as ``timedelta`` does."""
    return np.rint(times * 1e6).astype(np.int64)


class MetricsLogger:
    """Buffer of scalar metric points, filled from the user's threads and drained by the heartbeat."""

    def __init__(self) -> None:
        self._series: dict[str, _Series] = {}
        self._lock = threading.Lock()  # packing, draining and peeking; never taken per point
        self._listeners: list[ChunkListener] = []

    def log_scalar(self, name: str, value: Any, step: Any = None, _time: Callable[[], float] = time.time) -> None:
        """Record ``value`` for metric ``name`` at ``step``.

        Without a step, the step is the last step used for this metric plus
        one, starting at 0, as in Sacred.
        """
        now = _time()
        series = self._series.get(name)
        if series is None:
            series = self._new_series(name)
        if type(value) is not float:
            value = _to_number(value, "value", name)
        if step is None:
            step = series.next_step
        elif type(step) is not int or not _MIN_STEP <= step <= _MAX_STEP:
            step = self._checked_step(series, step, name)
        series.next_step = step + 1
        pending = series.pending
        pending += (step, value, now)  # one list operation, so a drain never takes part of a point
        if len(pending) >= 3 * _CHUNK:
            self._pack(series)

    def _new_series(self, name: str) -> _Series:
        if not isinstance(name, str) or not name:
            raise TypeError(f"metric name must be a non-empty str, got {name!r}")
        with self._lock:
            return self._series.setdefault(name, _Series())

    def _pack(self, series: _Series) -> None:
        with self._lock:
            count = len(series.pending) // 3
            if count >= _CHUNK:
                count = _CHUNK * (count // _CHUNK)
                items = series.pending[:3 * count]
                del series.pending[:3 * count]
                packer = _packer(series.fractional, _CHUNK)
                for start in range(0, 3 * count, 3 * _CHUNK):
                    series.packed += packer.pack(*items[start:start + 3 * _CHUNK])

    def _checked_step(self, series: _Series, step: Any, name: str) -> Any:
        step = _to_number(step, "step", name)
        if isinstance(step, float):
            if not math.isfinite(step):
                # Every later automatic step (last step + 1) would be NaN or infinite too.
                raise ValueError(f"metric {name!r}: step {step} is not a finite number; pass a finite step")
            if step.is_integer() and _MIN_STEP <= step < _MAX_STEP:
                return int(step)
            if not series.fractional:
                with self._lock:  # keep the series' steps as floats from now on
                    records = np.frombuffer(bytes(series.packed), dtype=_RECORD[False]).astype(_RECORD[True])
                    series.packed = bytearray(records.tobytes())
                    series.fractional = True
        return step

    def add_listener(self, listener: ChunkListener) -> None:
        """Call ``listener(name, steps, values)`` with every chunk that ``drain`` returns.

        Chunks of one metric arrive in logging order, after the drain has
        emptied the buffer, so a ``peek`` may run between the two (see ``peek``).
        """
        self._listeners.append(listener)

    def drain_chunks(self) -> dict[str, MetricChunk]:
        """Remove and return the points logged since the last drain, one ``MetricChunk`` per metric."""
        taken = []
        with self._lock:
            for name, series in self._series.items():
                if series.packed or series.pending:
                    fractional = series.fractional
                    data = series.take()
                    records = np.frombuffer(data, dtype=_RECORD[fractional])
                    series.drained += len(records)
                    taken.append(MetricChunk(name, records, fractional))
        for chunk in taken:
            for listener in self._listeners:
                try:
                    listener(chunk.name, chunk["steps"], chunk["values"])
                except Exception:  # a display must never break the heartbeat
                    logger.exception("metrics listener %r failed", listener)
        return {chunk.name: chunk for chunk in taken}

    def drain(self) -> dict[str, dict[str, list]]:
        """Remove and return the points logged since the last drain, linearized per metric as in Sacred."""
        return {name: chunk.as_dict() for name, chunk in self.drain_chunks().items()}

    def peek(self, cursor: dict[str, int]) -> dict[str, tuple[list, list]]:
        """Return undrained points from ``cursor[name]`` on per metric, and move the cursor.

        The same as ``peek_arrays``, with the points as lists.
        """
        return {
            name: (steps if isinstance(steps, list) else steps.tolist(), values.tolist())
            for name, (steps, values) in self.peek_arrays(cursor).items()
        }

    def peek_arrays(self, cursor: dict[str, int]) -> dict[str, tuple[Any, np.ndarray]]:
        """Return copies of the undrained points from ``cursor[name]`` on, and move the cursor.

        ``cursor[name]`` counts the points of ``name`` the reader already has,
        from the first point ever logged, drained or not. A reader that also
        listens to drained chunks advances it by each chunk's length. When a
        drain has taken points past the cursor whose chunk the reader has not
        received yet, that metric is left out until the cursor catches up, so
        a reader never gets a point twice or out of order. Steps come as an
        int64 numpy array, or a list for a metric with fractional steps;
        values as a float64 numpy array.
        """
        result: dict[str, tuple[Any, np.ndarray]] = {}
        with self._lock:
            for name, series in self._series.items():
                start = cursor.get(name, 0) - series.drained
                if start < 0:
                    continue
                records = np.frombuffer(series.take(keep=True, first=start), dtype=_RECORD[series.fractional])
                if len(records):
                    steps: Any = records["step"].copy()
                    if series.fractional:
                        steps = [int(step) if step.is_integer() else step for step in steps.tolist()]
                    result[name] = (steps, records["value"].copy())
                    cursor[name] = series.drained + start + len(records)
        return result

    def undrained_count(self, cursor: dict[str, int]) -> int:
        """Return how many points ``peek_arrays(cursor)`` would return now, without copying any.

        A reader uses it to decide whether a peek is worth its cost.
        """
        total = 0
        with self._lock:
            for name, series in self._series.items():
                start = cursor.get(name, 0) - series.drained
                if start >= 0:
                    buffered = len(series.packed) // _RECORD[series.fractional].itemsize + len(series.pending) // 3
                    total += max(buffered - start, 0)
        return total

    @property
    def names(self) -> list[str]:
        return list(self._series)


def linearize(chunks: dict[str, MetricChunk]) -> dict[str, dict[str, Any]]:
    """Sacred's ``{name: {"name", "steps", "values", "timestamps"}}`` with real lists."""
    return {name: chunk.as_dict() for name, chunk in chunks.items()}

