"""Read a MongoDB store in Sacred's MongoObserver layout.

Runs live in ``runs`` (or ``<prefix>_runs``), one document per run with BSON
dates; metrics in ``metrics`` (or ``<prefix>_metrics``), one document per run
and metric name. Filters of load_runs become one server query. pymongo is an
optional dependency (the ``mongo`` extra) and is imported only here.

A server that does not respond within ``SERVER_TIMEOUT_MS`` (5 s) raises
``StoreUnreachableError``; a URL option ``serverSelectionTimeoutMS=...``
overrides that wait.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Callable, Iterable, Iterator

from ._decode import decode_value
from ._filter import RunFilter, derived_status
from ..observers._mongo_spec import describe_connection_error, redact
from .errors import MissingDependencyError, RunNotFoundError, StoreQueryError, StoreUnreachableError

logger = logging.getLogger(__name__)

DEFAULT_DB = "sacred"
# Large fields that the runs table does not show; read_run fetches them.
_TABLE_PROJECTION = {"captured_out": 0, "info": 0, "fail_trace": 0, "artifacts": 0, "resources": 0}
_DECODED_FIELDS = ("config", "result", "info", "meta")
SERVER_TIMEOUT_MS = 5000


def _pymongo():
    try:
        import pymongo
    except ImportError as exc:
        raise MissingDependencyError("pymongo", "a mongodb:// store", "mongo") from exc
    return pymongo


class MongoStore:
    """A MongoDB database written by Sacred's MongoObserver or ours.

    Build it from a URL (``mongodb://host:port/db``; the database defaults to
    ``sacred``) or from a pymongo ``Database`` (mongomock's works too).
    """

    def __init__(self, database: Any, collection_prefix: str = "", url: str | None = None, hosts: str | None = None) -> None:
        self.database = database
        self.url = url
        self.hosts = hosts or _describe_hosts(database)
        prefix = f"{collection_prefix}_" if collection_prefix else ""
        self.runs = database[f"{prefix}runs"]
        self.metrics = database[f"{prefix}metrics"]

    @classmethod
    def from_url(cls, url: str, db_name: str | None = None, collection_prefix: str = "") -> MongoStore:
        pymongo = _pymongo()
        parsed = pymongo.uri_parser.parse_uri(url)
        options = {} if "serverSelectionTimeoutMS" in parsed["options"] else {"serverSelectionTimeoutMS": SERVER_TIMEOUT_MS}
        client = pymongo.MongoClient(url, **options)
        name = db_name or parsed.get("database") or DEFAULT_DB
        hosts = ",".join(f"{host}:{port}" for host, port in parsed["nodelist"])
        return cls(client[name], collection_prefix, url=redact(url), hosts=hosts)

    @classmethod
    def from_observer(cls, observer: Any) -> MongoStore:
        """Return a reader of the runs and metrics collections a ``MongoObserver`` writes, on its client."""
        store = cls(observer.runs.database, url=observer.url)
        store.runs, store.metrics = observer.runs, observer.metrics
        return store

    @contextlib.contextmanager
    def _answering(self) -> Iterator[None]:
        """Turn pymongo's connection and server errors into one-line ``RecordsError``s."""
        errors = _pymongo().errors
        try:
            yield
        except errors.ConnectionFailure as error:
            raise StoreUnreachableError(self.hosts, describe_connection_error(error)) from None
        except errors.OperationFailure as error:
            raise StoreQueryError(self.hosts, redact(str(error.details.get("errmsg") if error.details else error))) from None

    def __repr__(self) -> str:
        return f"MongoStore({self.url or self.database.name!r}, runs={self.runs.name!r})"

    def server_query(self, flt: RunFilter) -> dict:
        """Return the MongoDB query for the filters a server can apply."""
        query: dict[str, Any] = {}
        stored = flt.stored_statuses()
        if stored is not None:
            query["status"] = {"$in": sorted(stored)}
        if flt.experiments is not None:
            query["experiment.name"] = {"$in": sorted(flt.experiments)}
        start: dict[str, Any] = {}
        if flt.since is not None:
            start["$gte"] = flt.since
        if flt.until is not None:
            start["$lt"] = flt.until
        if start:
            query["start_time"] = start
        if flt.query:
            query = {"$and": [query, flt.query]} if query else dict(flt.query)
        return query

    def load_docs(self, flt: RunFilter, progress: Callable[[int, int], None] | None = None) -> tuple[list[dict], list]:
        """Return the decoded documents of the runs that pass ``flt``; Mongo has no broken runs."""
        docs = []
        with self._answering():
            for doc in self.runs.find(self.server_query(flt), _TABLE_PROJECTION):
                docs.append(_decode_doc(doc))
                if progress is not None and len(docs) % 1000 == 0:
                    progress(len(docs), 0)
        return docs, []

    def _find_run(self, run_id: Any) -> dict:
        with self._answering():
            doc = self.runs.find_one({"_id": run_id})
            if doc is None and isinstance(run_id, str) and run_id.isdigit():
                doc = self.runs.find_one({"_id": int(run_id)})
        if doc is None:
            raise RunNotFoundError(run_id, self)
        return doc

    def read_run(self, run_id: Any, tail_bytes: int, now, dead_after=None) -> dict:
        """Return one run's full record; see ``jupyter_sacred.records.read_run``."""
        doc = _decode_doc(self._find_run(run_id))
        record = {key: value for key, value in doc.items() if key != "_id"}
        record["id"] = doc["_id"]
        record["stored_status"] = doc.get("status")
        record["status"] = derived_status(doc, now, dead_after)
        record.setdefault("config", {})
        record["info"] = doc.get("info") or {}
        record["artifacts"] = [
            {"name": entry.get("name"), "file_id": str(entry.get("file_id"))}
            for entry in doc.get("artifacts") or []
            if isinstance(entry, dict)
        ]
        record["sources"] = [
            {"name": entry[0], "file_id": str(entry[1])}
            for entry in (doc.get("experiment") or {}).get("sources") or []
            if isinstance(entry, (list, tuple)) and len(entry) == 2
        ]
        out = (doc.get("captured_out") or "").encode("utf-8")
        text = out[-tail_bytes:].decode("utf-8", errors="replace") if tail_bytes else ""
        record["captured_out"] = text.lstrip("\ufffd") if len(out) > tail_bytes else text
        record["captured_out_bytes"] = len(out)
        with self._answering():
            names = {entry["name"] for entry in self.metrics.find({"run_id": doc["_id"]}, {"name": 1})}
        record["metrics"] = sorted(names)
        return record

    def iter_metrics(self, run_ids: Iterable[Any] | None, names: set[str] | None) -> Iterator[tuple[Any, str, dict]]:
        """Yield ``(run_id, name, series)`` from the metrics collection."""
        query: dict[str, Any] = {}
        if run_ids is not None:
            ids = list(run_ids)
            ids += [int(run_id) for run_id in ids if isinstance(run_id, str) and run_id.isdigit()]
            query["run_id"] = {"$in": ids}
        if names is not None:
            query["name"] = {"$in": sorted(names)}
        with self._answering():
            for doc in self.metrics.find(query):
                yield doc["run_id"], doc["name"], doc


def _describe_hosts(database: Any) -> str:
    client = getattr(database, "client", None)
    describe = getattr(client, "topology_description", None)
    if describe is None:
        return type(database).__name__  # mongomock in tests
    # topology_description does not wait for a server, unlike client.address.
    return ",".join(f"{host}:{port}" for host, port in describe.server_descriptions())


def _decode_doc(doc: dict) -> dict:
    for field in _DECODED_FIELDS:
        if field in doc:
            doc[field] = decode_value(doc[field])
    for field in ("start_time", "stop_time", "heartbeat"):
        value = doc.get(field)
        if getattr(value, "tzinfo", None) is not None:
            doc[field] = value.replace(tzinfo=None) - value.utcoffset()
    return doc
