"""Side-by-side measurements of Sacred 0.8.7 and jupyter_sacred: one function per figure.

Each ``measure_*`` function returns ``(sacred_value, our_value)`` for one
figure, measured in this process with the two implementations interleaved, so
that both see the same machine load. ``benchmarks/run.py`` turns them into the
table; ``tests/test_bench_smoke.py`` calls them with small sizes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import logging
import os
import statistics
import tempfile
import time
import tracemalloc
from typing import Any, Callable

# Both libraries log a warning for every run without observers.
logging.getLogger("jupyter_sacred").setLevel(logging.ERROR)
logging.getLogger("bench").setLevel(logging.ERROR)


def _median_of(repeat: int, sacred: Callable[[], float], ours: Callable[[], float]) -> tuple[float, float]:
    """Alternate the two callables ``repeat`` times; return the median of each."""
    sacred_times, our_times = [], []
    for _ in range(repeat):
        sacred_times.append(sacred())
        our_times.append(ours())
    return statistics.median(sacred_times), statistics.median(our_times)


# ---- log_scalar per call -------------------------------------------------------------


def _timed_loop(log: Callable[..., None], calls: int, with_step: bool) -> float:
    if with_step:
        start = time.perf_counter()
        for i in range(calls):
            log("loss", 0.5, i)
    else:
        start = time.perf_counter()
        for _ in range(calls):
            log("loss", 0.5)
    return time.perf_counter() - start


def sacred_log_scalar_seconds(calls: int, with_step: bool) -> float:
    """Seconds per ``_run.log_scalar`` call inside a Sacred run (no observers, no capture)."""
    from sacred import Experiment

    ex = Experiment("bench", save_git_info=False)
    ex.logger = logging.getLogger("bench")
    taken: dict[str, float] = {}

    @ex.main
    def main(_run):
        taken["s"] = _timed_loop(_run.log_scalar, calls, with_step)

    ex.run(options={"--capture": "no", "--loglevel": "ERROR"})
    return taken["s"] / calls


def our_log_scalar_seconds(calls: int, with_step: bool) -> float:
    """Seconds per ``run.log_scalar`` call inside one of our runs (no observers, no capture)."""
    from jupyter_sacred import Experiment

    ex = Experiment("bench", save_git_info=False, _caller_globals={})
    taken: dict[str, float] = {}

    @ex.main
    def main(_run):
        taken["s"] = _timed_loop(_run.log_scalar, calls, with_step)

    ex.run(options={"--capture": "no"})
    return taken["s"] / calls


def measure_log_scalar(calls: int, repeat: int, with_step: bool) -> tuple[float, float]:
    return _median_of(
        repeat,
        lambda: sacred_log_scalar_seconds(calls, with_step),
        lambda: our_log_scalar_seconds(calls, with_step),
    )


# ---- memory per buffered point -------------------------------------------------------


def _traced_bytes_per_point(make: Callable[[], Any], log_name: str, points: int) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        buffer = make()
        log = getattr(buffer, log_name)
        for i in range(points):
            log("loss", i * 0.001)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del buffer
    return held / points


def measure_memory(points: int) -> tuple[float, float]:
    """Bytes held per buffered point: Sacred's queue of entries against our buffer."""
    from sacred.metrics_logger import MetricsLogger as SacredMetrics

    from jupyter_sacred.metrics import MetricsLogger

    return (
        _traced_bytes_per_point(SacredMetrics, "log_scalar_metric", points),
        _traced_bytes_per_point(MetricsLogger, "log_scalar", points),
    )


# ---- flush of new points to the folder store ----------------------------------------

_EX_INFO = {"name": "bench", "base_dir": "", "sources": [], "dependencies": [], "repositories": [], "mainfile": None}


def _sacred_observer(basedir: str) -> Any:
    from sacred.observers import FileStorageObserver

    observer = FileStorageObserver(basedir)
    observer.started_event(
        ex_info=dict(_EX_INFO, base_dir=basedir), command="main", host_info={},
        start_time=dt.datetime.utcnow(), config={}, meta_info={}, _id=None,
    )
    return observer


def _our_observer(basedir: str) -> Any:
    from jupyter_sacred.observers.file import FileObserver

    observer = FileObserver(basedir)
    observer.started_event(
        ex_info=dict(_EX_INFO, base_dir=basedir), command="main", host_info={},
        start_time=dt.datetime.utcnow(), config={}, meta_info={}, _id=None,
    )
    return observer


def _fill(log: Callable[..., None], start: int, count: int) -> None:
    for step in range(start, start + count):
        log("loss", step * 0.001)


def sacred_flush_seconds(history: int, new: int) -> float:
    """Return the seconds Sacred's heartbeat takes to store ``new`` points in a run that has ``history``."""
    from sacred.metrics_logger import MetricsLogger, linearize_metrics

    with tempfile.TemporaryDirectory() as basedir:
        observer = _sacred_observer(basedir)
        metrics = MetricsLogger()
        _fill(metrics.log_scalar_metric, 0, history)
        observer.log_metrics(linearize_metrics(metrics.get_last_metrics()), {})
        _fill(metrics.log_scalar_metric, history, new)
        start = time.perf_counter()
        observer.log_metrics(linearize_metrics(metrics.get_last_metrics()), {})
        return time.perf_counter() - start


def _our_history(basedir: str, history: int, chunk: int) -> tuple[Any, Any]:
    """Return an observer and a metrics buffer of a run that stored ``history`` points, in beats of ``chunk``."""
    from jupyter_sacred.metrics import MetricsLogger

    observer = _our_observer(basedir)
    metrics = MetricsLogger()
    done = 0
    while done < history:
        size = min(chunk, history - done)
        _fill(metrics.log_scalar, done, size)
        observer.log_metrics(metrics.drain_chunks(), {})
        done += size
    return observer, metrics


def our_flush_seconds(history: int, new: int, chunk: int = 100_000, beats: int = 1) -> float:
    """Return the seconds our heartbeat takes to store ``new`` points in a run that has ``history``.

    The history arrives in beats of ``chunk`` points, as it would in a run.
    The timed beat is what ``Run._beat`` does for metrics: ``drain_chunks``
    and the observer's ``log_metrics``. A background rebuild of metrics.json
    started by earlier beats is let finish first (its cost is reported apart).
    With ``beats`` > 1, that many beats follow each other and the fastest counts.
    """
    with tempfile.TemporaryDirectory() as basedir:
        observer, metrics = _our_history(basedir, history, chunk)
        times = []
        for beat in range(beats):
            _wait_idle(observer)
            _fill(metrics.log_scalar, history + beat * new, new)
            start = time.perf_counter()
            observer.log_metrics(metrics.drain_chunks(), {})
            times.append(time.perf_counter() - start)
        taken = min(times)
        observer.completed_event(stop_time=dt.datetime.utcnow(), result=None)
        return taken


def _wait_idle(observer: Any) -> None:
    """Let a background metrics.json rebuild finish, so it does not share the timed beat's CPU."""
    metrics_file = getattr(observer, "_metrics", None)
    wait = getattr(metrics_file, "wait_idle", None)
    if wait is not None:
        wait()


def measure_flatness(small: int, large: int, new: int, repeat: int, beats: int = 5) -> tuple[float, float]:
    """Return our flush seconds with ``small`` and with ``large`` points held, measured in turn.

    Each is the fastest of ``beats`` beats in a row, the median over ``repeat`` runs.
    """
    return _median_of(
        repeat,
        lambda: our_flush_seconds(small, new, chunk=new, beats=beats),
        lambda: our_flush_seconds(large, new, chunk=new, beats=beats),
    )


def measure_flush(history: int, new: int, repeat: int) -> tuple[float, float]:
    return _median_of(
        repeat, lambda: sacred_flush_seconds(history, new), lambda: our_flush_seconds(history, new, chunk=new)
    )


def our_rebuild_seconds(history: int, chunk: int = 100_000) -> float:
    """Seconds to rebuild metrics.json from memory (no fsync) for a run holding ``history`` points."""
    with tempfile.TemporaryDirectory() as basedir:
        observer, _metrics = _our_history(basedir, history, chunk)
        _wait_idle(observer)
        start = time.perf_counter()
        observer._metrics._write(durable=False)
        taken = time.perf_counter() - start
        observer.completed_event(stop_time=dt.datetime.utcnow(), result=None)
        return taken


# ---- empty runs ----------------------------------------------------------------------


def _time_alternating(calls: dict[str, Callable[[], Any]], runs: int) -> dict[str, list[float]]:
    """Call each callable once to warm it, then ``runs`` times in turn; return every time by key."""
    times: dict[str, list[float]] = {key: [] for key in calls}
    for call in calls.values():
        call()  # warm: imports, host info, source discovery caches
    for _ in range(runs):
        for key, call in calls.items():
            start = time.perf_counter()
            call()
            times[key].append(time.perf_counter() - start)
    return times


def _sacred_empty_run(basedir: str) -> Callable[[], Any]:
    from sacred import Experiment
    from sacred.observers import FileStorageObserver

    ex = Experiment("bench_empty")
    ex.logger = logging.getLogger("bench")
    ex.observers.append(FileStorageObserver(os.path.join(basedir, "sacred")))
    ex.main(lambda: None)
    return lambda: ex.run(options={"--loglevel": "ERROR"})


def _our_empty_run(basedir: str) -> Callable[[], Any]:
    from jupyter_sacred import Experiment
    from jupyter_sacred.observers.file import FileObserver

    ex = Experiment("bench_empty", _caller_globals=globals())
    ex.observers.append(FileObserver(os.path.join(basedir, "ours")))
    ex.main(lambda: None)
    # Both libraries get the same log level: ERROR, so neither writes its INFO lines.
    return lambda: ex.run(options={"--loglevel": "ERROR"})


def _our_empty_cell(basedir: str) -> Callable[[], Any]:
    """Return a call that runs an empty ``%%experiment`` cell in a real IPython shell, provenance included."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "jupyter_sacred")
    shell.run_line_magic("config", f"SacredMagics.default_store = {os.path.join(basedir, 'cells')!r}")
    shell.run_line_magic("config", "SacredMagics.show_widget = False")

    def cell() -> None:
        shell.run_cell("%%experiment\npass\n", store_history=True).raise_error()

    return cell


def measure_empty_runs(runs: int) -> dict[str, float]:
    """Return median seconds of warm empty runs with a folder store, and ratios to Sacred's.

    Keys: ``sacred_run``, ``our_run``, ``our_cell`` (medians), and
    ``run_ratio``, ``cell_ratio``: the median over rounds of our time divided
    by Sacred's in the same round, which follows the machine's load better
    than a ratio of medians.
    """
    with tempfile.TemporaryDirectory() as basedir, contextlib.redirect_stdout(io.StringIO()):
        calls = {
            "sacred_run": _sacred_empty_run(basedir),
            "our_run": _our_empty_run(basedir),
            "our_cell": _our_empty_cell(basedir),
        }
        times = _time_alternating(calls, runs)
    result = {key: statistics.median(values) for key, values in times.items()}
    for ours, ratio in (("our_run", "run_ratio"), ("our_cell", "cell_ratio")):
        result[ratio] = statistics.median(mine / theirs for mine, theirs in zip(times[ours], times["sacred_run"]))
    return result
