"""Read runs back from a store as pandas DataFrames.

These three functions are the read side's stable interface; the command line,
the ``%runs`` magic and the JupyterLab server extension build on them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import os
from typing import Any, Callable, Iterable, Iterator, Union

import pandas as pd

from . import _rows
from ._filter import RunFilter, derived_status
from .errors import InvalidFilterError, StoreNotFoundError
from .file_store import FileStore
from .mongo_store import MongoStore

logger = logging.getLogger(__name__)

Store = Union[str, "os.PathLike[str]", FileStore, MongoStore, Any]
METRIC_COLUMNS = ["run_id", "name", "step", "value", "timestamp"]
DEFAULT_TAIL_BYTES = 10_000


def open_store(store: Store) -> FileStore | MongoStore:
    """Return the reader for ``store``: a folder path, a ``mongodb://`` URL, a pymongo
    ``Database``, or an already opened store."""
    if isinstance(store, (FileStore, MongoStore)):
        return store
    if isinstance(store, str) and store.startswith(("mongodb://", "mongodb+srv://")):
        return MongoStore.from_url(store)
    if isinstance(store, (str, os.PathLike)):
        return FileStore(store)
    if hasattr(store, "list_collection_names") and hasattr(store, "__getitem__"):
        return MongoStore(store)
    raise StoreNotFoundError(store)


def load_runs(
    store: Store,
    *,
    status: str | Iterable[str] | None = None,
    experiment: str | Iterable[str] | None = None,
    since: dt.datetime | str | None = None,
    until: dt.datetime | str | None = None,
    query: dict | None = None,
    dead_after: dt.timedelta | float | None = None,
) -> pd.DataFrame:
    """Return one row per run of ``store``, ordered by id.

    ``store`` is a folder path (Sacred's file storage layout), a ``mongodb://``
    URL, a pymongo ``Database`` or a ``FileStore``/``MongoStore``.

    Columns: ``id``, ``experiment`` (name), ``command``, ``status``,
    ``start_time``, ``stop_time``, ``duration`` (stop minus start; NaT while
    running), ``heartbeat``, ``result`` (a dict result becomes
    ``result.<key>`` columns instead), ``comment``, ``hostname``,
    ``git_commit``, ``git_dirty``, then the config as ``config.<dotted.key>``
    columns. Times are naive UTC.

    Filters, applied before config and other files are read (and as the
    server query for MongoDB):

    - ``status``: one status or several, including ``"DEAD"``.
    - ``experiment``: one experiment name or several.
    - ``since``/``until``: start time range ``[since, until)``; a datetime
      (naive means UTC) or an ISO 8601 string.
    - ``query``: a MongoDB query dict on the run document (``config``,
      ``meta``, ``host``, ``experiment``, ``result``, ``info``...), for
      example ``{"config.lr": {"$lt": 0.1}}``. MongoDB stores evaluate it on
      the server; folder stores support equality and ``$eq $ne $gt $gte $lt
      $lte $in $nin $exists $regex $and $or $nor``.

    ``status`` is derived on read: a RUNNING run whose last heartbeat (or its
    start time, before the first beat) is older than ``dead_after`` reads as
    ``DEAD``. ``dead_after`` is a ``timedelta`` or seconds; by default it is
    the larger of 120 s and three times the beat interval the run recorded.
    Nothing is written to the store.

    Broken run folders (missing or unparsable ``run.json`` or ``config.json``)
    are skipped with one logged warning that lists their ids. A MongoDB
    server that does not respond within 5 s raises ``StoreUnreachableError``.
    """
    flt = RunFilter.build(
        status=status, experiment=experiment, since=since, until=until, query=query, dead_after=dead_after
    )
    return runs_frame(open_store(store), flt)


def runs_frame(reader: FileStore | MongoStore, flt: RunFilter, progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Build the runs frame of an opened store; ``progress(done, total)`` is called while reading."""
    with _gc_paused():
        docs, broken = reader.load_docs(flt, progress)
        rows = []
        for doc in docs:
            status = derived_status(doc, flt.now, flt.dead_after)
            if flt.accepts_derived(status):
                rows.append(_rows.make_row(doc, status))
        del docs
        frame = _rows.runs_frame(rows)
    if broken:
        logger.warning(
            "Skipped %d broken run(s) in %s (missing or unreadable run.json or config.json): ids %s",
            len(broken), reader, ", ".join(map(str, sorted(broken))),
        )
    return frame


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # Parsing thousands of JSON files allocates millions of containers and sets
    # off full collections that find nothing to free; on 10,000 runs this
    # halves the load time. Reading creates no reference cycles.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_metrics(store: Store, run_ids: Iterable[Any] | Any | None = None, names: Iterable[str] | str | None = None) -> pd.DataFrame:
    """Return the metrics of ``store`` as a long frame: run_id, name, step, value, timestamp.

    ``run_ids`` and ``names`` restrict the runs and metric names (one value or
    several; ``None`` means all). For folder stores, the live journal
    ``.metrics.jsonl`` is merged with ``metrics.json``, so a running run's
    points are current. Timestamps are naive UTC.

    The wide form, one column per metric indexed by (run_id, step), is
    ``metrics_wide(df)``.
    """
    if run_ids is not None and (isinstance(run_ids, (str, int)) or not isinstance(run_ids, Iterable)):
        run_ids = [run_ids]
    if isinstance(names, str):
        name_set = {names}
    elif names is not None:
        name_set = set(names)
    else:
        name_set = None
    columns: dict[str, list] = {column: [] for column in METRIC_COLUMNS}
    for run_id, name, series in open_store(store).iter_metrics(run_ids, name_set):
        steps = series.get("steps") or []
        columns["run_id"].extend([run_id] * len(steps))
        columns["name"].extend([name] * len(steps))
        columns["step"].extend(steps)
        columns["value"].extend(series.get("values") or [])
        columns["timestamp"].extend(series.get("timestamps") or [])
    frame = pd.DataFrame(columns)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    frame["timestamp"] = _to_datetimes(columns["timestamp"])
    return frame.sort_values(["run_id", "name", "step"], kind="stable", ignore_index=True)


def _to_datetimes(values: list) -> pd.Series:
    if values and isinstance(values[0], str):
        try:
            return pd.Series(pd.to_datetime(values, format="ISO8601"))
        except (TypeError, ValueError):  # a damaged store: unreadable times become NaT
            return pd.Series(pd.to_datetime([v if isinstance(v, str) else None for v in values],
                                            format="ISO8601", errors="coerce"))
    return pd.Series(pd.to_datetime(values), dtype="datetime64[us]" if not values else None)


def metrics_wide(df: pd.DataFrame) -> pd.DataFrame:
    """Pivot a ``load_metrics`` frame to one column per metric, indexed by (run_id, step).

    Where a run logged a metric twice at one step, the last value wins.
    Equivalent to ``df.pivot_table(index=["run_id", "step"], columns="name",
    values="value", aggfunc="last")``.
    """
    wide = df.pivot_table(index=["run_id", "step"], columns="name", values="value", aggfunc="last")
    wide.columns.name = None
    return wide


def read_run(store: Store, run_id: Any, *, tail_bytes: int = DEFAULT_TAIL_BYTES, dead_after: dt.timedelta | float | None = None) -> dict:
    """Return one run's full record as a dict.

    Keys: ``id``; the run.json fields (``experiment``, ``command``, ``host``,
    ``meta``, ``start_time``, ``stop_time``, ``heartbeat`` as naive UTC
    datetimes, ``result``, ``fail_trace``, ``resources``...); ``status``
    (DEAD derived as in ``load_runs``) and ``stored_status``; ``config``;
    ``info``; ``artifacts`` (``[{"name", "path"}]`` for folders,
    ``[{"name", "file_id"}]`` for MongoDB); ``sources`` (the same shape);
    ``captured_out`` (the last ``tail_bytes`` bytes, decoded) and
    ``captured_out_bytes`` (the full size); ``git`` (``commit``, ``dirty``,
    ``repositories``); ``metrics`` (the metric names). jsonpickle values are
    decoded only for safe types (see ``jupyter_sacred.records._decode``).

    Raises ``RunNotFoundError`` (a ``KeyError``) when there is no such run.
    """
    if not isinstance(tail_bytes, int) or tail_bytes < 0:
        raise InvalidFilterError("tail_bytes", tail_bytes, "an int >= 0")
    flt = RunFilter.build(dead_after=dead_after)
    record = open_store(store).read_run(run_id, tail_bytes, flt.now, flt.dead_after)
    experiment = record.get("experiment") or {}
    commit, dirty = _rows.git_state(experiment)
    record["git"] = {"commit": commit, "dirty": dirty, "repositories": _unique(experiment.get("repositories") or [])}
    return record


def _unique(repositories: list) -> list:
    seen, unique = set(), []
    for repo in repositories:
        key = repr(sorted(repo.items())) if isinstance(repo, dict) else repr(repo)
        if key not in seen:
            seen.add(key)
            unique.append(repo)
    return unique
