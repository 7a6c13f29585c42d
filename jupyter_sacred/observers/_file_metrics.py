"""metrics.json and its journal, for the folder store."""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import threading
import time
from typing import Any, Iterator

import numpy as np

from jupyter_sacred import _storage
from jupyter_sacred.metrics import microseconds

logger = logging.getLogger(__name__)

# Share of wall time the background rebuild of metrics.json may take: after a
# rebuild that took T seconds, the next one starts no sooner than T * (1/share - 1) later.
REBUILD_SHARE = 0.25
_KEYS = ("steps", "timestamps", "values")  # Sacred's file observer sorts keys


class MetricsFile:
    """Keep a run's metrics.json exact at a cost per beat that does not grow with the run.

    Each beat appends the new points to the journal: its cost is proportional
    to the new points only. The series are also kept in memory as encoded
    JSON fragments. Every ``rewrite_every`` beats a background thread rebuilds
    metrics.json from them, atomically and without fsync. It runs at most
    ``REBUILD_SHARE`` of the time and with a lowered CPU priority, so the
    heartbeat never waits for a cost that grows with the history.
    ``close`` at the end of the run writes the final, exact file, and has
    ``DISK_SYNC`` flush it to disk.
    """

    def __init__(self, run_dir: str, rewrite_every: int = 3) -> None:
        self.run_dir = run_dir
        self.rewrite_every = max(1, rewrite_every)
        self._fragments: dict[str, dict[str, list[bytes]]] = {}
        self._counts: dict[str, int] = {}
        self._beats_since_rewrite = 0
        self._dirty = False
        self._lock = threading.Lock()  # fragments: appended by the beat, read by the rebuild
        self._state = threading.Condition()
        self._due = False
        self._busy = False
        self._closing = False
        self._not_before = 0.0
        self._thread: threading.Thread | None = None

    def write_empty(self) -> None:
        _storage.atomic_write_bytes(os.path.join(self.run_dir, _storage.METRICS_JSON), b"{}", durable=False)

    def append(self, metrics_by_name: Any) -> None:
        """Journal the points of one beat; ask for a rebuild every ``rewrite_every`` beats."""
        if metrics_by_name:
            lines = []
            for name, series in metrics_by_name.items():
                steps, values, stamps, count = _encode(series)
                offset = self._counts.get(name, 0)
                lines.append(_storage.journal_line_from_json(name, offset, steps, values, stamps))
                self._counts[name] = offset + count
                with self._lock:
                    fragments = self._fragments.setdefault(name, {key: [] for key in _KEYS})
                    fragments["steps"].append(steps[1:-1].encode())
                    fragments["values"].append(values[1:-1].encode())
                    fragments["timestamps"].append(stamps[1:-1].encode())
            with open(os.path.join(self.run_dir, _storage.METRICS_JOURNAL), "a", encoding="utf-8") as journal:
                journal.write("".join(lines))
            self._dirty = True
        self._beats_since_rewrite += 1
        if self._dirty and self._beats_since_rewrite >= self.rewrite_every:
            self._beats_since_rewrite = 0
            self._dirty = False
            self._request_rebuild()

    # ---- the background rebuild ------------------------------------------------------

    def _request_rebuild(self) -> None:
        with self._state:
            self._due = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._rebuild_loop, name="jupyter_sacred-metrics", daemon=True)
                self._thread.start()
            self._state.notify_all()

    def _rebuild_loop(self) -> None:
        _lower_priority()
        while True:
            with self._state:
                while not self._closing and (not self._due or time.monotonic() < self._not_before):
                    self._state.wait(None if not self._due else self._not_before - time.monotonic())
                if self._closing:
                    return
                self._due = False
                self._busy = True
            started = time.monotonic()
            try:
                self._write(durable=False)
            except Exception:
                logger.exception("rebuilding %s failed; the journal still has every point", self.run_dir)
            took = time.monotonic() - started
            with self._state:
                self._busy = False
                self._not_before = time.monotonic() + took * (1 / REBUILD_SHARE - 1)
                self._state.notify_all()

    def wait_idle(self) -> None:
        """Wait until no rebuild is running or due (benchmarks and tests use this)."""
        with self._state:
            while self._busy or (self._due and self._thread is not None):
                self._state.wait(0.05)

    def rewrite(self) -> None:
        """Rebuild metrics.json now, from the calling thread, with fsync."""
        self._write(durable=True)

    def close(self) -> None:
        """Stop the background rebuild and write the final metrics.json."""
        with self._state:
            self._closing = True
            self._state.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        if self._fragments:  # else the "{}" written at the start is already exact
            self._write(durable=False)
            DISK_SYNC.add(os.path.join(self.run_dir, _storage.METRICS_JSON))

    def _write(self, durable: bool) -> None:
        with self._lock:  # a consistent snapshot: whole beats only
            snapshot = {name: {key: list(parts) for key, parts in fragments.items()}
                        for name, fragments in sorted(self._fragments.items())}
        path = os.path.join(self.run_dir, _storage.METRICS_JSON)
        _storage.atomic_write_parts(path, _metrics_json_parts(snapshot), durable)


def _metrics_json_parts(snapshot: dict[str, dict[str, list[bytes]]]) -> Iterator[bytes]:
    """metrics.json in pieces: Sacred's layout (sorted keys, one series per line here)."""
    if not snapshot:
        yield b"{}"
        return
    yield b"{\n"
    for number, (name, fragments) in enumerate(snapshot.items()):
        yield (",\n  " if number else "  ").encode() + json.dumps(name).encode() + b": {"
        for index, key in enumerate(_KEYS):
            yield (', "' if index else '"').encode() + key.encode() + b'": ['
            for part_number, part in enumerate(fragments[key]):
                if part_number:
                    yield b", "
                yield part
            yield b"]"
        yield b"}"
    yield b"\n}"


def _encode(series: Any) -> tuple[str, str, str, int]:
    """JSON arrays of steps, values and timestamps of one metric's new points, and their count."""
    times = getattr(series, "times", None)
    if times is not None:  # a MetricChunk: format the POSIX times with numpy
        stamps_json = times_json(times)
        steps, values = series["steps"], series["values"]
    else:
        steps, values = list(series["steps"]), list(series["values"])
        stamps_json = json.dumps([_storage.format_time(stamp) for stamp in series["timestamps"]])
    return json.dumps(steps), json.dumps(values), stamps_json, len(steps)


_POWERS = np.array([100_000, 10_000, 1000, 100, 10, 1], dtype=np.int64)
_STAMP_WIDTH = 30  # '"YYYY-MM-DDTHH:MM:SS.ffffff", '


def times_json(times: np.ndarray) -> str:
    """Return a JSON array of ``format_time`` strings for POSIX seconds, built as bytes in numpy.

    Each distinct second is formatted once; the microseconds are written as
    digits, so the cost per point is a few array operations.
    """
    if not len(times):
        return "[]"
    seconds, micros = np.divmod(microseconds(times), 1_000_000)
    distinct, index = np.unique(seconds, return_inverse=True)
    prefixes = np.datetime_as_string(distinct.astype("datetime64[s]"), unit="s")
    table = np.frombuffer("".join(prefixes.tolist()).encode("ascii"), dtype=np.uint8).reshape(len(distinct), 19)
    out = np.empty((len(times), _STAMP_WIDTH), dtype=np.uint8)
    out[:, 0] = out[:, 27] = ord('"')
    out[:, 1:20] = table[index.reshape(-1)]
    out[:, 20] = ord(".")
    out[:, 21:27] = (micros[:, None] // _POWERS) % 10 + ord("0")
    out[:, 28] = ord(",")
    out[:, 29] = ord(" ")
    return "[" + out.tobytes()[:-2].decode("ascii") + "]"


class _DiskSync:
    """Flush files to disk (fsync) in a background thread; at exit, wait for what is queued.

    The files a run ends with are replaced atomically before the run returns.
    This thread then makes them durable, so the run does not wait for fsync,
    which takes several milliseconds per file on a slow disk.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def add(self, path: str) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="jupyter_sacred-fsync", daemon=True)
                self._thread.start()
                atexit.register(self.wait)
        self._queue.put(path)

    def wait(self) -> None:
        """Return when every queued file has been flushed."""
        self._queue.join()

    def _loop(self) -> None:
        while True:
            path = self._queue.get()
            try:
                for target in (path, os.path.dirname(path) or "."):
                    fd = os.open(target, os.O_RDONLY)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
            except FileNotFoundError:  # removed since (a temporary store): nothing left to flush
                pass
            except OSError as error:
                logger.warning("flushing %s to disk failed: %s", path, error)
            finally:
                self._queue.task_done()


DISK_SYNC = _DiskSync()


def _lower_priority() -> None:
    """Give the rebuild thread a lower CPU priority than the training loop (Linux: per thread)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass
