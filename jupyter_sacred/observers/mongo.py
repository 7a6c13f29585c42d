"""MongoObserver: runs, metrics and files in MongoDB, in Sacred 0.8.7's layout.

Collections are Sacred's: ``runs`` (one document per run, integer ``_id``),
``metrics`` (one document per run and metric name, extended with
``$push``/``$each``) and the GridFS bucket ``fs`` for sources, resources and
artifacts, so Omniboard, Sacredboard and incense read what this writes.

Where Sacred is weak this observer differs without changing the layout:

- a heartbeat ``$set``s only the top-level fields that changed. The
  captured output is sent only when it changed, capped at
  ``captured_out_limit`` bytes by dropping its front, and the full text
  becomes the artifact ``cout.txt`` when the run ends;
- a document about to pass MongoDB's 16 MB limit gets a shorter captured
  output instead of a failed write;
- resources are uploaded, and sources and resources are stored once per
  content (md5 in ``metadata.md5``);
- run ids come from a counter document, so concurrent writers get distinct
  ids on servers with and without a numeric ``_id`` sort;
- keys MongoDB rejects in ``info`` and ``result`` are rewritten before every
  write (Sacred's ``$``->``@``, ``.``->``,``) and logged;
- lost connections are retried with a bounded backoff, and the final save
  gives up after ``final_save_timeout`` seconds and writes the run to a local
  file (see `default_failure_dir`);
- credentials in URLs never reach logs, reprs or the run document.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import gridfs
import pymongo
from pymongo.errors import DuplicateKeyError, PyMongoError

from jupyter_sacred import _storage
from jupyter_sacred.observers import _mongo_files as files
from jupyter_sacred.observers._mongo_encode import DOCUMENT_MARGIN_BYTES, MAX_DOCUMENT_BYTES
from jupyter_sacred.observers._mongo_ids import COUNTERS_COLLECTION, insert_with_new_id
from jupyter_sacred.observers._mongo_metrics import MetricsWriter
from jupyter_sacred.observers._mongo_retry import (
    Backoff,
    default_failure_dir,
    is_transient,
    retry_until,
    write_failure_file,
)
from jupyter_sacred.observers._mongo_run import RunDocument
from jupyter_sacred.observers._mongo_spec import (
    describe_connection_error,
    parse_url_spec,
    redact,
    redact_strings,
    server_url,
)
from jupyter_sacred.observers.base import RunObserver
from jupyter_sacred.status import RunStatus

logger = logging.getLogger(__name__)

DEFAULT_MONGO_PRIORITY = 30
RESERVED_COLLECTIONS = frozenset(
    {"fs.files", "fs.chunks", "_properties", "system.indexes", "search_space", "search_spaces", COUNTERS_COLLECTION}
)
FULL_OUTPUT_ARTIFACT = _storage.COUT_TXT


class MongoObserverError(RuntimeError):
    """The observer cannot record a run: the server is unreachable or rejected the run."""


class MongoObserver(RunObserver):
    """Store runs in MongoDB in the layout of Sacred's MongoObserver.

    ``url`` is a MongoDB URL or ``host:port``; ``client`` is an existing
    client (pymongo, or mongomock in tests) instead of a URL. Runs go to
    ``<prefix>_runs`` and ``<prefix>_metrics`` when ``collection_prefix`` is
    set; ``collection`` renames the runs collection alone, as Sacred's ``-m
    db.collection`` does. ``timeout`` bounds each write during the run and
    ``final_save_timeout`` the whole save at its end, in seconds. Runs that
    cannot be saved are written to ``failure_dir`` (default:
    `default_failure_dir`). Other keyword arguments go to ``MongoClient``.
    """

    VERSION = "MongoObserver-0.7.0"

    def __init__(
        self,
        url: str | None = None,
        db_name: str = "sacred",
        collection_prefix: str = "",
        *,
        collection: str = "runs",
        priority: int = DEFAULT_MONGO_PRIORITY,
        client: Any = None,
        failure_dir: str | Path | None = None,
        timeout: float = 10.0,
        final_save_timeout: float = 30.0,
        captured_out_limit: int = 1024 * 1024,
        **client_kwargs: Any,
    ) -> None:
        if client is not None and url is not None:
            raise ValueError("pass either url or client to MongoObserver, not both")
        runs_name, metrics_name = _collection_names(collection, collection_prefix)
        if client is None:
            client_kwargs.setdefault("serverSelectionTimeoutMS", int(timeout * 1000))
            client_kwargs.setdefault("connectTimeoutMS", int(timeout * 1000))
            client = pymongo.MongoClient(url, **client_kwargs)
        self.priority = priority
        self.url = redact(url) if url else _describe_client(client)
        self._client = client
        database = client[db_name]
        self.runs = database[runs_name]
        self.metrics = database[metrics_name]
        self.counters = database[COUNTERS_COLLECTION]
        self.fs = gridfs.GridFS(database)
        self.failure_dir = Path(failure_dir) if failure_dir is not None else default_failure_dir()
        self.timeout = timeout
        self.final_save_timeout = final_save_timeout
        self.captured_out_limit = min(captured_out_limit, MAX_DOCUMENT_BYTES - DOCUMENT_MARGIN_BYTES)
        self._lock = threading.RLock()
        self._server = server_url(url) if url else self.url
        self._db_name = db_name
        self._target = f"{db_name}.{runs_name} at {self._server}"
        self._reset()

    @classmethod
    def from_url_spec(cls, spec: str, **kwargs: Any) -> MongoObserver:
        """Create an observer from Sacred's ``-m`` spec or a ``mongodb://`` URL.

        Forms: ``[host:port:]db_name[.collection][!priority]``, ``host:port``,
        ``mongodb://[user:password@]host[:port][/db_name][?options][!priority]``.
        Raises ``MongoSpecError`` (a ``ValueError``) naming the spec otherwise.
        """
        options = parse_url_spec(spec)
        options.update(kwargs)
        return cls(**options)

    def __repr__(self) -> str:
        return f"MongoObserver(url={self._server!r}, db_name={self._db_name!r}, runs={self.runs.name!r})"

    def check_connection(self, timeout: float = 2.0) -> str | None:
        """Ping the server for at most ``timeout`` seconds; return None if it replies, else a one-line warning.

        The observer stays usable either way: runs keep retrying and a run
        that cannot be saved goes to ``failure_dir``. Clients that are not
        pymongo's (mongomock in tests) are not checked.
        """
        if not isinstance(self._client, pymongo.MongoClient):
            return None
        try:
            with pymongo.timeout(timeout):
                self._client.admin.command("ping")
        except PyMongoError as error:
            return (
                f"cannot reach MongoDB at {_describe_client(self._client)} within {timeout:g} s: "
                f"{describe_connection_error(error)}; runs will retry, and a run that cannot be saved "
                f"is written to {self.failure_dir}"
            )
        return None

    def _reset(self) -> None:
        self.run_id: Any = None
        self._run: RunDocument | None = None
        self._metrics: MetricsWriter | None = None
        self._backoff = Backoff(self._target)
        self._pending_resources: list[str] = []
        self._pending_artifacts: list[tuple[str, str, Any, Any]] = []

    # Start events

    def queued_event(self, ex_info, command, host_info, queue_time, config, meta_info, _id):
        with self._lock:
            self._reset()
            document = {
                "_id": _id,
                "experiment": dict(ex_info),
                "command": command,
                "host": redact_strings(dict(host_info)),
                "config": self._flatten(config),
                "meta": redact_strings(meta_info),
                "status": RunStatus.QUEUED.value,
            }
            return self._insert(document, _id)

    def started_event(self, ex_info, command, host_info, start_time, config, meta_info, _id):
        with self._lock:
            self._reset()
            document = {
                "_id": _id,
                "experiment": dict(ex_info),
                "format": self.VERSION,
                "command": command,
                "host": redact_strings(dict(host_info)),
                "start_time": start_time,
                "config": self._flatten(config),
                "meta": redact_strings(meta_info),
                "status": RunStatus.RUNNING.value,
                "resources": [],
                "artifacts": [],
                "captured_out": "",
                "info": {},
                "heartbeat": None,
            }
            run_id = self._insert(document, _id)
            self._run = RunDocument(document, self.captured_out_limit, FULL_OUTPUT_ARTIFACT)
            self._metrics = MetricsWriter(self.metrics, run_id, self._target)
            return run_id

    def _insert(self, document: dict, run_id: Any) -> Any:
        try:
            # A quick first read detects an unreachable server within `timeout`,
            # because uploads of large sources afterwards may take longer.
            with pymongo.timeout(self.timeout):
                self.counters.find_one({"_id": self.runs.name})
            document["experiment"]["sources"] = files.upload_sources(self.fs, document["experiment"])
            if run_id is None:
                run_id = insert_with_new_id(self.runs, self.counters, document)
            else:
                self._insert_given_id(document, run_id)
        except PyMongoError as error:
            raise MongoObserverError(
                f"could not store the run in {self._target}: {type(error).__name__}: {redact(str(error))}"
            ) from error
        self.run_id = run_id
        logger.info("run %s stored in %s", run_id, self._target)
        return run_id

    def _insert_given_id(self, document: dict, run_id: Any) -> None:
        document["_id"] = run_id
        try:
            self.runs.insert_one(document)
            return
        except DuplicateKeyError:
            pass
        # A run queued earlier (status QUEUED) may be started under its id;
        # the status filter lets exactly one starter take it.
        if document["status"] == RunStatus.RUNNING.value:
            taken = self.runs.update_one({"_id": run_id, "status": RunStatus.QUEUED.value}, {"$set": document})
            if taken.matched_count:
                return
        raise MongoObserverError(
            f"run id {run_id!r} already exists in {self._target}; pass another id or none to get a new one"
        )

    # Events during the run

    def heartbeat_event(self, info, captured_out, beat_time, result):
        with self._lock:
            if self._run is None:
                return
            self._run.set("heartbeat", beat_time)
            self._run.set("info", self._flatten(info), sanitize_keys=True)
            self._run.set("result", self._flatten(result), sanitize_keys=True)
            self._run.set_captured_out(redact(captured_out) if "@" in captured_out else captured_out)
            if self._backoff.ready():
                self._try(self._sync, "heartbeat")

    def log_metrics(self, metrics_by_name, info):
        with self._lock:
            if self._metrics is None:
                return
            self._metrics.add(metrics_by_name)
            if self._backoff.ready():
                self._try(lambda: self._metrics.flush(info), "saving metrics")

    def resource_event(self, filename):
        with self._lock:
            if self._run is None:
                return
            self._pending_resources.append(filename)
            if self._backoff.ready():
                self._try(self._sync, f"storing resource {filename}")

    def artifact_event(self, name, filename, metadata=None, content_type=None):
        with self._lock:
            if self._run is None:
                return
            self._pending_artifacts.append((name, filename, metadata, content_type))
            if self._backoff.ready():
                self._try(self._sync, f"storing artifact {filename}")

    def _try(self, operation, action: str) -> None:
        try:
            with pymongo.timeout(self.timeout):
                operation()
        except PyMongoError as error:
            if not is_transient(error):
                logger.error("%s on %s failed: %s: %s", action, self._target, type(error).__name__, error)
            self._backoff.failed(error, action)
        else:
            self._backoff.succeeded()

    def _sync(self) -> None:
        self._flush_files()
        self._run.save(self.runs, upsert=False)

    def _flush_files(self) -> None:
        """Upload pending resources and artifacts; a file that cannot be read is logged and skipped."""
        while self._pending_resources:
            path = self._pending_resources[0]
            try:
                md5 = files.upload_resource(self.fs, path)
            except OSError as error:
                logger.error("run %s: resource %s cannot be read, so it is not stored: %s", self.run_id, path, error)
            else:
                self._run.add_resource(path, md5)
            self._pending_resources.pop(0)
        while self._pending_artifacts:
            name, path, metadata, content_type = self._pending_artifacts[0]
            try:
                file_id = files.upload_artifact(
                    self.fs, self.runs.name, self.run_id, name, path, metadata, content_type
                )
            except OSError as error:
                logger.error("run %s: artifact %s cannot be read, so it is not stored: %s", self.run_id, path, error)
            else:
                self._run.add_artifact(name, file_id)
            self._pending_artifacts.pop(0)

    # Terminal events

    def completed_event(self, stop_time, result):
        with self._lock:
            if self._run is None:
                return
            self._run.set("stop_time", stop_time)
            self._run.set("result", self._flatten(result), sanitize_keys=True)
            self._run.set("status", RunStatus.COMPLETED.value)
            self._final_save()

    def interrupted_event(self, interrupt_time, status):
        with self._lock:
            if self._run is None:
                return
            self._run.set("stop_time", interrupt_time)
            self._run.set("status", str(status))
            self._final_save()

    def failed_event(self, fail_time, fail_trace):
        with self._lock:
            if self._run is None:
                return
            self._run.set("stop_time", fail_time)
            self._run.set("status", RunStatus.FAILED.value)
            self._run.set("fail_trace", list(fail_trace))
            self._final_save()

    def _final_save(self) -> None:
        deadline = time.monotonic() + self.final_save_timeout
        steps = [
            ("storing resources and artifacts", self._flush_files),
            ("storing the full captured output", self._store_full_output),
            ("saving metrics", lambda: self._metrics.flush(None)),
            ("saving the run", self._save_final_document),
        ]
        for action, operation in steps:
            try:
                saved = retry_until(deadline, action, self._target, operation)
            except PyMongoError as error:
                logger.error("%s on %s failed: %s: %s", action, self._target, type(error).__name__, error)
                saved = False
            if not saved:
                self._write_failure_file(action)
                return
        logger.info("run %s saved in %s with status %s", self.run_id, self._target, self._run.get("status"))

    def _save_final_document(self) -> None:
        self._run.add_metric_links(self._metrics.links())
        self._run.save(self.runs, upsert=True)

    def _store_full_output(self) -> None:
        if self._run.full_output is None or self._run.full_output_stored:
            return
        file_id = files.upload_text_artifact(
            self.fs, self.runs.name, self.run_id, FULL_OUTPUT_ARTIFACT, self._run.full_output
        )
        self._run.add_artifact(FULL_OUTPUT_ARTIFACT, file_id)
        self._run.full_output_stored = True

    def _write_failure_file(self, action: str) -> None:
        record = {
            "database": self.runs.database.name,
            "runs_collection": self.runs.name,
            "metrics_collection": self.metrics.name,
            "run": self._run.snapshot(),
            "metrics": self._metrics.pending_documents(),
            "pending_resources": list(self._pending_resources),
            "pending_artifacts": [list(item[:2]) for item in self._pending_artifacts],
        }
        path = write_failure_file(self.failure_dir, record)
        logger.error(
            "%s on %s did not succeed within %.0f s; run %s was written to %s instead",
            action, self._target, self.final_save_timeout, self.run_id, path,
        )

    def join(self) -> None:
        return None

    def _flatten(self, value: Any) -> Any:
        from jupyter_sacred.serialize import flatten

        return flatten(value)


def _collection_names(collection: str, prefix: str) -> tuple[str, str]:
    if collection != "runs" and prefix:
        raise ValueError("pass either collection or collection_prefix to MongoObserver, not both")
    if collection != "runs":
        runs_name, metrics_name = collection, "metrics"
    elif prefix:
        runs_name, metrics_name = f"{prefix}_runs", f"{prefix}_metrics"
    else:
        runs_name, metrics_name = "runs", "metrics"
    for name in (runs_name, metrics_name):
        if name in RESERVED_COLLECTIONS:
            raise ValueError(f"collection name {name!r} is reserved; choose another collection or prefix")
    return runs_name, metrics_name


def _describe_client(client: Any) -> str:
    if not isinstance(client, pymongo.MongoClient):
        return type(client).__name__  # mongomock in tests
    # topology_description does not wait for a server, unlike client.address.
    return ",".join(f"{host}:{port}" for host, port in client.topology_description.server_descriptions())
