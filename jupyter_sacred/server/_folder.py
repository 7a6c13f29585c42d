"""Read runs from a folder store laid out like Sacred's FileStorageObserver.

The handlers send stored JSON as it is, so this reads the layout directly
rather than through ``jupyter_sacred.records.read_run``, which decodes
jsonpickle values into Python objects. It caches each run.json by mtime, so
listing a large store again reads only the runs that changed.
"""

from __future__ import annotations

import json
import logging
import math
import os
from typing import Any

from .. import _storage
from ..status import RunStatus
from ._paths import Store, is_inside

log = logging.getLogger(__name__)

def read_json(path: str, default: Any = None) -> Any:
    """Load a JSON file; a missing or torn file gives ``default``."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as error:
        log.warning("Cannot read %s: %s", path, error)
        return default


def json_safe(value: Any) -> Any:
    """Replace NaN and infinities, which Sacred may write but browsers cannot parse, by strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value).replace("inf", "Infinity").replace("nan", "NaN")
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    return value


def run_ids(store: Store) -> list[str]:
    """List the run folders of a store, numeric ids first in descending order."""
    try:
        names = os.listdir(store.path)
    except FileNotFoundError:
        return []
    runs = [name for name in names if not name.startswith((".", "_")) and os.path.isfile(
        os.path.join(store.path, name, _storage.RUN_JSON))]
    numeric = sorted((name for name in runs if name.isdigit()), key=int, reverse=True)
    other = sorted((name for name in runs if not name.isdigit()), reverse=True)
    return numeric + other


def derived_status(run: dict, now: Any) -> str:
    """Return the stored status, or DEAD for a RUNNING run whose heartbeat is stale.

    The rule is the one ``jupyter_sacred.records.load_runs`` applies, so the panel
    and the DataFrames agree on which runs are DEAD.
    """
    # Imported here because the records package imports pandas, which would
    # slow every Jupyter server start down.
    from ..records._filter import derived_status as records_status

    times = {key: _storage.parse_time(run.get(key)) for key in ("heartbeat", "start_time")}
    return records_status({**run, **times}, now) or ""


def summarize(run_id: str, run: dict, now: Any) -> dict:
    """Build the row of the runs table from a run.json mapping."""
    meta = run.get("meta") or {}
    options = meta.get("options") or {}
    start = _storage.parse_time(run.get("start_time"))
    stop = _storage.parse_time(run.get("stop_time"))
    status = derived_status(run, now)

    end = stop or (now if status == RunStatus.RUNNING.value else _storage.parse_time(run.get("heartbeat")))
    duration = (end - start).total_seconds() if start and end else None
    return {
        "id": run_id,
        "experiment": (run.get("experiment") or {}).get("name"),
        "command": run.get("command"),
        "status": status,
        "start_time": run.get("start_time"),
        "stop_time": run.get("stop_time"),
        "heartbeat": run.get("heartbeat"),
        "duration": duration,
        "result": json_safe(run.get("result")),
        "comment": meta.get("comment") or options.get("--comment"),
        "host": (run.get("host") or {}).get("hostname"),
    }


class FolderReader:
    """Read run records from folder stores, caching parsed run.json files by mtime."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[int, int, dict]] = {}

    def run_json(self, folder: str) -> dict:
        path = os.path.join(folder, _storage.RUN_JSON)
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return {}
        cached = self._cache.get(path)
        if cached and cached[0] == stat.st_mtime_ns and cached[1] == stat.st_size:
            return cached[2]
        run = read_json(path, default={}) or {}
        self._cache[path] = (stat.st_mtime_ns, stat.st_size, run)
        return run

    def list_runs(self, store: Store) -> list[dict]:
        """Summarize every run of a store, newest id first."""
        now = _storage.utcnow()
        rows = []
        for run_id in run_ids(store):
            run = self.run_json(os.path.join(store.path, run_id))
            rows.append(summarize(run_id, run, now))
        return rows

    def read_record(self, store: Store, run_id: str, folder: str) -> dict:
        """Gather one run's record: run.json, config, info, artifacts, sources and git state."""
        run = self.run_json(folder)
        config = read_json(os.path.join(folder, _storage.CONFIG_JSON), default={})
        info = read_json(os.path.join(folder, _storage.INFO_JSON), default={})
        meta = run.get("meta") or {}
        experiment = run.get("experiment") or {}

        record = {
            "store": store.path,
            "summary": summarize(run_id, run, _storage.utcnow()),
            "run": json_safe(run),
            "config": json_safe(config),
            "info": json_safe(info),
            "config_modifications": meta.get("config_modifications") or (info or {}).get("config_modifications"),
            "config_updates": meta.get("config_updates"),
            "artifacts": self._artifacts(folder, run),
            "sources": self._sources(store, experiment),
            "git": experiment.get("repositories") or [],
        }
        return record

    @staticmethod
    def _artifacts(folder: str, run: dict) -> list[dict]:
        rows = []
        for entry in run.get("artifacts") or []:
            name = entry.get("name") if isinstance(entry, dict) else entry
            if not isinstance(name, str):
                continue
            path = os.path.realpath(os.path.join(folder, name))
            available = is_inside(path, folder) and os.path.isfile(path)
            rows.append({"name": name, "size": os.path.getsize(path) if available else None})
        return rows

    @staticmethod
    def _sources(store: Store, experiment: dict) -> list[dict]:
        rows = []
        for entry in experiment.get("sources") or []:
            if isinstance(entry, dict):
                entry = entry.get("py/tuple") or []
            if not isinstance(entry, (list, tuple)) or len(entry) != 2:
                continue
            name, stored = entry
            path = os.path.realpath(os.path.join(store.path, str(stored)))
            rows.append({"name": name, "stored": stored,
                         "available": is_inside(path, store.path) and os.path.isfile(path)})
        return rows

    @staticmethod
    def read_metrics(folder: str) -> dict:
        """Return ``{name: {"steps", "values", "timestamps"}}`` with the journal merged in."""
        metrics = read_json(os.path.join(folder, _storage.METRICS_JSON), default={}) or {}
        journal = _storage.iter_journal(os.path.join(folder, _storage.METRICS_JOURNAL))
        return _storage.merge_metrics(metrics, journal)

    @staticmethod
    def read_output_tail(folder: str, max_bytes: int) -> dict:
        """Return the last ``max_bytes`` of the captured output (cout.txt)."""
        path = os.path.join(folder, _storage.COUT_TXT)
        try:
            with open(path, "rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                start = max(0, size - max_bytes)
                handle.seek(start)
                data = handle.read()
        except FileNotFoundError:
            return {"text": "", "size": 0, "truncated": False}
        if start:
            # Drop a partial UTF-8 sequence (continuation bytes) at the cut.
            while data and 0x80 <= data[0] < 0xC0:
                data = data[1:]
        return {"text": data.decode("utf-8", errors="replace"), "size": size, "truncated": start > 0}
