"""A folder store in the layout of Sacred's FileStorageObserver.

Differences from Sacred, all invisible to Sacred's readers: every JSON file is
replaced atomically; times always carry six fractional digits; ``info.json``,
``metrics.json`` and ``cout.txt`` exist from the start; metric points go to an
append-only journal at each beat and ``metrics.json`` is rebuilt from memory
every few beats (in a background thread) and at the end, so a beat costs in
proportion to what is new; only the files a run ends with are flushed to disk;
``cout.txt`` is rewritten from the filtered output when a filter changed
earlier text, so it never diverges from ``captured_out``.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from typing import Any

from jupyter_sacred import _storage
from jupyter_sacred.observers._file_metrics import DISK_SYNC, MetricsFile
from jupyter_sacred.observers.base import RunObserver
from jupyter_sacred.serialize import flatten

logger = logging.getLogger(__name__)

MAX_ID_ATTEMPTS = 1000
# Seconds (at most half the beat interval) within which a beat does not rewrite run.json.
BEAT_SAVE_GAP = 0.5


class FileObserver(RunObserver):
    """Store runs in ``basedir/1``, ``basedir/2``, … as Sacred's FileStorageObserver does."""

    priority = 20
    # log_metrics understands MetricChunk columns (see jupyter_sacred.metrics).
    accepts_metric_chunks = True

    def __init__(
        self,
        basedir: str | os.PathLike[str] = "runs",
        resource_dir: str | os.PathLike[str] | None = None,
        source_dir: str | os.PathLike[str] | None = None,
        priority: int = 20,
        copy_artifacts: bool = True,
        copy_sources: bool = True,
        metrics_rewrite_every: int = 3,
    ) -> None:
        self.basedir = os.fspath(basedir)
        self.resource_dir = os.fspath(resource_dir or os.path.join(self.basedir, _storage.RESOURCES_DIR))
        self.source_dir = os.fspath(source_dir or os.path.join(self.basedir, _storage.SOURCES_DIR))
        self.priority = priority
        self.copy_artifacts = copy_artifacts
        self.copy_sources = copy_sources
        self.metrics_rewrite_every = metrics_rewrite_every
        self.dir: str | None = None
        self.run_entry: dict[str, Any] = {}
        self._cout_written = ""
        self._info_written: bytes | None = None
        self._saved_at = float("-inf")
        self._save_gap = 0.0
        self._metrics: MetricsFile | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileObserver) and other.basedir == self.basedir

    def __hash__(self) -> int:
        return hash(("FileObserver", self.basedir))

    def __repr__(self) -> str:
        return f"FileObserver({self.basedir!r})"

    # ---- run folder and id ------------------------------------------------------------

    def _make_run_dir(self, _id: Any) -> Any:
        os.makedirs(self.basedir, exist_ok=True)
        if _id is not None:
            self.dir = os.path.join(self.basedir, str(_id))
            os.mkdir(self.dir)
            return _id
        candidate = _max_run_id(self.basedir) + 1
        for _ in range(MAX_ID_ATTEMPTS):
            path = os.path.join(self.basedir, str(candidate))
            try:
                os.mkdir(path)
            except FileExistsError:
                candidate += 1
                continue
            self.dir = path
            return str(candidate)
        raise FileExistsError(f"could not claim a run folder in {self.basedir} after {MAX_ID_ATTEMPTS} attempts")

    # ---- events ----------------------------------------------------------------------

    def queued_event(self, ex_info, command, host_info, queue_time, config, meta_info, _id):
        run_id = self._make_run_dir(_id)
        self.run_entry = {
            "experiment": self._experiment_entry(ex_info),
            "command": command,
            "host": dict(host_info),
            "meta": _with_time(meta_info, "queue_time"),
            "status": "QUEUED",
        }
        self._write_config(config)
        self._save_run(durable=True)
        return run_id

    def started_event(self, ex_info, command, host_info, start_time, config, meta_info, _id):
        run_id = self._make_run_dir(_id)
        self.run_entry = {
            "experiment": self._experiment_entry(ex_info),
            "command": command,
            "host": dict(host_info),
            "start_time": _storage.format_time(start_time),
            "meta": _with_time(meta_info, "queue_time"),
            "status": "RUNNING",
            "resources": [],
            "artifacts": [],
            # Runs beat right at start, so the heartbeat is never null (Sacredboard needs a time).
            "heartbeat": _storage.format_time(start_time),
        }
        interval = meta_info.get("beat_interval")
        self._save_gap = min(BEAT_SAVE_GAP, interval / 2) if isinstance(interval, (int, float)) else 0.0
        self._cout_written = ""
        self._info_written = None
        self._metrics = MetricsFile(self.dir, self.metrics_rewrite_every)
        self._write_config(config)
        self._save_run()
        self._write_text(_storage.COUT_TXT, "")
        self._write_info({})
        self._metrics.write_empty()
        return run_id

    def heartbeat_event(self, info, captured_out, beat_time, result):
        self._write_info(info)
        self._write_cout(captured_out)
        self.run_entry["heartbeat"] = _storage.format_time(beat_time)
        new_result = result is not self.run_entry.get("result")
        self.run_entry["result"] = result
        # A beat right after the previous write of run.json (the beat at start,
        # the last beat before the end) only moves the heartbeat a little; the
        # next write carries it.
        if new_result or time.monotonic() - self._saved_at >= self._save_gap:
            self._save_run()

    def log_metrics(self, metrics_by_name, info):
        if self._metrics is not None:
            self._metrics.append(metrics_by_name)

    def completed_event(self, stop_time, result):
        self.run_entry["stop_time"] = _storage.format_time(stop_time)
        self.run_entry["result"] = result
        self.run_entry["status"] = "COMPLETED"
        self._finish()

    def interrupted_event(self, interrupt_time, status):
        self.run_entry["stop_time"] = _storage.format_time(interrupt_time)
        self.run_entry["status"] = status
        self._finish()

    def failed_event(self, fail_time, fail_trace):
        self.run_entry["stop_time"] = _storage.format_time(fail_time)
        self.run_entry["status"] = "FAILED"
        self.run_entry["fail_trace"] = list(fail_trace)
        self._finish()

    def resource_event(self, filename):
        stored = self._store_content_addressed(filename, self.resource_dir, relative=False)
        self.run_entry.setdefault("resources", []).append([filename, stored])
        self._save_run()

    def artifact_event(self, name, filename, metadata=None, content_type=None):
        from jupyter_sacred.errors import ArtifactNameError
        from jupyter_sacred.run import check_artifact_name

        check_artifact_name(name)
        target = os.path.join(self.dir, name)
        run_dir = os.path.realpath(self.dir)
        if any(not os.path.realpath(path).startswith(run_dir + os.sep) for path in (target, target + ".part")):
            raise ArtifactNameError(name, f"it resolves outside the run folder {run_dir} through a symbolic link")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = target + ".part"
        try:
            shutil.copyfile(filename, tmp)
            os.replace(tmp, target)
        except BaseException:
            _remove_quietly(tmp)  # a full disk must not keep the partial copy
            raise
        self.run_entry.setdefault("artifacts", []).append(name)
        self._save_run()

    # ---- helpers ---------------------------------------------------------------------

    def _finish(self) -> None:
        # Every write is atomic, but only the files a run ends with are flushed
        # to disk (fsync costs milliseconds), by DISK_SYNC's thread.
        if self._metrics is not None:
            self._metrics.close()
            self._metrics = None
        self._save_run(durable=True)

    def _experiment_entry(self, ex_info: dict) -> dict:
        entry = dict(ex_info)
        sources = []
        for relname, _md5 in ex_info.get("sources", []):
            path = os.path.join(ex_info.get("base_dir", ""), relname)
            if not os.path.isfile(path):
                logger.warning("source %s not found; it is recorded without a copy", path)
                continue
            if self.copy_sources:
                stored = self._store_content_addressed(path, self.source_dir, relative=True)
            else:
                stored = os.path.relpath(path, self.basedir)
            sources.append([relname, stored])
        entry["sources"] = sources
        return entry

    def _store_content_addressed(self, path: str, folder: str, relative: bool) -> str:
        from jupyter_sacred.collect import md5_of_file

        digest = md5_of_file(path)
        stem, ext = os.path.splitext(os.path.basename(path))
        os.makedirs(folder, exist_ok=True)
        target = os.path.join(folder, f"{stem}_{digest}{ext}")
        if not os.path.exists(target):
            with open(path, "rb") as handle:
                _storage.atomic_write_bytes(target, handle.read())
        return os.path.relpath(target, self.basedir) if relative else target

    def _write_config(self, config: dict) -> None:
        _storage.atomic_write_json(os.path.join(self.dir, _storage.CONFIG_JSON), flatten(config), durable=False)

    def _write_info(self, info: dict) -> None:
        try:
            flat = flatten(info)
        except RuntimeError:  # the user's thread changed the dict while we encoded it
            flat = flatten(dict(info))
        data = _storage.dumps_json(flat).encode("utf-8")
        if data != self._info_written:
            _storage.atomic_write_bytes(os.path.join(self.dir, _storage.INFO_JSON), data, durable=False)
            self._info_written = data

    def _write_cout(self, captured_out: str) -> None:
        if captured_out == self._cout_written:
            return
        path = os.path.join(self.dir, _storage.COUT_TXT)
        if captured_out.startswith(self._cout_written):
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(captured_out[len(self._cout_written):])
        else:  # a filter rewrote earlier text: rewrite the file so it matches
            self._write_text(_storage.COUT_TXT, captured_out)
        self._cout_written = captured_out

    def _write_text(self, name: str, text: str) -> None:
        _storage.atomic_write_bytes(os.path.join(self.dir, name), text.encode("utf-8"), durable=False)

    def _save_run(self, durable: bool = False) -> None:
        """Write run.json atomically; with ``durable``, also have it flushed to disk soon."""
        self._saved_at = time.monotonic()
        path = os.path.join(self.dir, _storage.RUN_JSON)
        _storage.atomic_write_json(path, flatten(self.run_entry), durable=False)
        if durable:
            DISK_SYNC.add(path)


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _max_run_id(basedir: str) -> int:
    ids = [int(name) for name in os.listdir(basedir) if name.isdigit()]
    return max(ids, default=0)


def _with_time(meta_info: dict, key: str) -> dict:
    meta = dict(meta_info)
    value = meta.get(key)
    if value is not None and not isinstance(value, str):
        meta[key] = _storage.format_time(value)
    return meta
