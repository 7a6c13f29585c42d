"""Read a folder store: Sacred's FileStorageObserver layout, as our FileObserver writes it."""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Callable, Iterable, Iterator

from .. import _storage
from . import _query
from ._decode import decode_value, needs_decoding
from ._filter import RunFilter, derived_status
from .errors import RunNotFoundError, StoreNotFoundError

logger = logging.getLogger(__name__)

TIME_FIELDS = ("start_time", "stop_time", "heartbeat")
# Progress is reported after this many run folders.
_PROGRESS_EVERY = 500


class BrokenRun(Exception):
    """A run folder whose run.json or config.json cannot be read."""


class FileStore:
    """A folder of runs: ``BASEDIR/<id>/run.json`` plus config, info, metrics and output."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.path.abspath(os.fspath(path))
        if not os.path.isdir(self.path):
            raise StoreNotFoundError(os.fspath(path))

    def __repr__(self) -> str:
        return f"FileStore({self.path!r})"

    def run_ids(self) -> list[int]:
        """Return the ids of all run folders, ascending; ``_sources`` and other names are skipped."""
        with os.scandir(self.path) as entries:
            ids = [int(entry.name) for entry in entries if entry.name.isdigit() and entry.is_dir()]
        return sorted(ids)

    def load_docs(self, flt: RunFilter, progress: Callable[[int, int], None] | None = None) -> tuple[list[dict], list[int]]:
        """Return the decoded documents of the runs that pass ``flt``, and the ids of broken runs."""
        ids = self.run_ids()
        docs: list[dict] = []
        broken: list[int] = []
        for done, run_id in enumerate(ids, 1):
            try:
                doc = self._load_doc(run_id, flt)
            except BrokenRun:
                broken.append(run_id)
                doc = None
            if doc is not None:
                docs.append(doc)
            if progress is not None and (done % _PROGRESS_EVERY == 0 or done == len(ids)):
                progress(done, len(ids))
        return docs, broken

    def _load_doc(self, run_id: int, flt: RunFilter) -> dict | None:
        folder = os.path.join(self.path, str(run_id))
        doc = _read_run_json(folder)
        doc["_id"] = run_id
        if not flt.accepts_stored(doc):
            return None

        doc["config"] = _read_json(os.path.join(folder, _storage.CONFIG_JSON), default={})
        if flt.query is not None:
            if "info" in _query.query_paths(flt.query):
                doc["info"] = self._read_info(folder)
            if not flt.accepts_query(doc):
                return None
        return doc

    def _read_info(self, folder: str) -> dict:
        try:
            return _read_json(os.path.join(folder, _storage.INFO_JSON), default={})
        except BrokenRun:
            return {}

    def read_run(self, run_id: Any, tail_bytes: int, now, dead_after=None) -> dict:
        """Return one run's full record; see ``jupyter_sacred.records.read_run``."""
        folder = self._folder(run_id)
        try:
            doc = _read_run_json(folder)
            config = _read_json(os.path.join(folder, _storage.CONFIG_JSON), default={})
        except BrokenRun as exc:
            raise RunNotFoundError(run_id, self.path) from exc
        record = dict(doc)
        record["id"] = int(os.path.basename(folder))
        record["stored_status"] = doc.get("status")
        record["status"] = derived_status(doc, now, dead_after)
        record["config"] = config
        record["info"] = self._read_info(folder)
        record["artifacts"] = [
            {"name": name, "path": os.path.join(folder, name)} for name in doc.get("artifacts") or []
        ]
        record["sources"] = [self._source(entry) for entry in (doc.get("experiment") or {}).get("sources") or []]
        record["captured_out"], record["captured_out_bytes"] = _tail(os.path.join(folder, _storage.COUT_TXT), tail_bytes)
        record["metrics"] = sorted(self._metrics(folder))
        return record

    def _folder(self, run_id: Any) -> str:
        # Only digit names are runs; this also keeps a run id from naming a path outside the store.
        name = str(run_id)
        folder = os.path.join(self.path, name)
        if not name.isdigit() or not os.path.isdir(folder):
            raise RunNotFoundError(run_id, self.path)
        return folder

    def _source(self, entry: Any) -> dict:
        name, stored = (list(entry) + [None, None])[:2] if isinstance(entry, (list, tuple)) else (entry, None)
        path = None
        if isinstance(stored, str) and ("/" in stored or os.sep in stored):
            path = os.path.normpath(os.path.join(self.path, stored))
        return {"name": name, "path": path}

    def _metrics(self, folder: str) -> dict:
        try:
            metrics = _read_json(os.path.join(folder, _storage.METRICS_JSON), default={})
        except BrokenRun:
            # Sacred rewrites metrics.json in place; a torn file still leaves the journal.
            logger.warning("Skipping unreadable %s in %s", _storage.METRICS_JSON, folder)
            metrics = {}
        if not isinstance(metrics, dict):
            metrics = {}
        return _storage.merge_metrics(metrics, _storage.iter_journal(os.path.join(folder, _storage.METRICS_JOURNAL)))

    def iter_metrics(self, run_ids: Iterable[Any] | None, names: set[str] | None) -> Iterator[tuple[int, str, dict]]:
        """Yield ``(run_id, name, series)`` with metrics.json merged with the live journal."""
        ids = self.run_ids() if run_ids is None else list(run_ids)
        for run_id in ids:
            folder = os.path.join(self.path, str(run_id))
            if not str(run_id).isdigit() or not os.path.isdir(folder):
                continue
            for name, series in self._metrics(folder).items():
                if names is None or name in names:
                    yield int(run_id), name, series


def _read_json(path: str, default: Any) -> Any:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return default
    except OSError as exc:
        raise BrokenRun(path) from exc
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise BrokenRun(path) from exc
    return decode_value(value) if needs_decoding(raw) else value


def _read_run_json(folder: str) -> dict:
    doc = _read_json(os.path.join(folder, _storage.RUN_JSON), default=None)
    if not isinstance(doc, dict):
        raise BrokenRun(folder)
    for field in TIME_FIELDS:
        value = doc.get(field)
        if value is None or not isinstance(value, str):
            doc[field] = None
            continue
        try:
            doc[field] = _storage.parse_time(value)
        except ValueError as exc:
            raise BrokenRun(folder) from exc
    return doc


def _tail(path: str, tail_bytes: int) -> tuple[str, int]:
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - tail_bytes))
            data = handle.read()
    except FileNotFoundError:
        return "", 0
    text = data.decode("utf-8", errors="replace")
    if size > tail_bytes:
        # The cut may fall inside a multi-byte character.
        text = text.lstrip("\ufffd")
    return text, size
