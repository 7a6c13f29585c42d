"""REST handlers of the run browser, under ``/jupyter-sacred/api/``.

Every handler needs Jupyter's authentication. Errors come back as JSON
``{"message": ...}`` through ``APIHandler.write_error``.
"""

from __future__ import annotations

import json
import mimetypes
import os
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import quote

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.ioloop import IOLoop

from . import _paths
from ._reduce import reduce_series

if TYPE_CHECKING:
    from . import SacredRunBrowser

API_PREFIX = "jupyter-sacred/api"
MAX_PAGE = 500
MAX_CHART_POINTS = 5000
MAX_OUTPUT_BYTES = 1 << 20
MAX_SOURCE_BYTES = 1 << 20


class BaseHandler(APIHandler):
    """Shared plumbing: the configured browser, store resolution and worker threads."""

    @property
    def browser(self) -> SacredRunBrowser:
        return self.settings["jupyter_sacred"]

    def store(self) -> _paths.Store:
        return self.browser.resolve_store(self.get_argument("store", None))

    def int_argument(self, name: str, default: int, low: int, high: int) -> int:
        text = self.get_argument(name, None)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            raise web.HTTPError(400, f"The parameter {name}={text!r} is not an integer.") from None
        return min(max(value, low), high)

    async def in_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        return await IOLoop.current().run_in_executor(None, function, *args)

    def write_json(self, data: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, allow_nan=False, default=str))


class StoresHandler(BaseHandler):
    @web.authenticated
    def get(self) -> None:
        stores = [{"label": store.label, "path": store.path, "exists": store.exists}
                  for store in self.browser.store_list()]
        self.write_json({"stores": stores, "allow_root_stores": self.browser.allow_root_stores})


def filter_runs(rows: list[dict], status: str, experiment: str, query: str) -> list[dict]:
    """Keep the rows whose status and experiment match and whose text contains ``query``."""
    statuses = {item.strip().upper() for item in status.split(",") if item.strip()}
    query = query.strip().lower()
    kept = []
    for row in rows:
        if statuses and str(row["status"]).upper() not in statuses:
            continue
        if experiment and row["experiment"] != experiment:
            continue
        if query:
            text = " ".join(str(row.get(key) or "") for key in ("id", "experiment", "command", "comment", "status"))
            if query not in text.lower():
                continue
        kept.append(row)
    return kept


class RunsHandler(BaseHandler):
    @web.authenticated
    async def get(self) -> None:
        store = self.store()
        offset = self.int_argument("offset", 0, 0, 1 << 31)
        limit = self.int_argument("limit", 50, 1, MAX_PAGE)
        rows = await self.in_thread(self.browser.reader.list_runs, store)

        kept = filter_runs(rows, self.get_argument("status", ""), self.get_argument("experiment", ""),
                           self.get_argument("q", ""))
        self.write_json({
            "store": {"label": store.label, "path": store.path, "exists": store.exists},
            "total": len(kept),
            "offset": offset,
            "limit": limit,
            "runs": kept[offset:offset + limit],
            "experiments": sorted({row["experiment"] for row in rows if row["experiment"]}),
            "running": sum(1 for row in rows if row["status"] == "RUNNING"),
        })


class RunHandler(BaseHandler):
    @web.authenticated
    async def get(self, run_id: str) -> None:
        store = self.store()
        folder = _paths.run_folder(store, run_id)
        record = await self.in_thread(self.browser.reader.read_record, store, run_id, folder)
        self.write_json(record)


class MetricsHandler(BaseHandler):
    @web.authenticated
    async def get(self, run_id: str) -> None:
        store = self.store()
        folder = _paths.run_folder(store, run_id)
        points = self.int_argument("points", 500, 4, MAX_CHART_POINTS)
        names = {name for name in self.get_argument("names", "").split(",") if name}
        series = await self.in_thread(self._reduced, folder, names, points)
        self.write_json({"run_id": run_id, "metrics": series})

    def _reduced(self, folder: str, names: set[str], points: int) -> list[dict]:
        metrics = self.browser.reader.read_metrics(folder)
        reduced = []
        for name in sorted(metrics):
            if names and name not in names:
                continue
            data = metrics[name]
            steps, values = reduce_series(data.get("steps") or [], data.get("values") or [], points)
            reduced.append({"name": name, "count": len(data.get("values") or []), "steps": steps, "values": values})
        return reduced


class OutputHandler(BaseHandler):
    @web.authenticated
    async def get(self, run_id: str) -> None:
        folder = _paths.run_folder(self.store(), run_id)
        max_bytes = self.int_argument("bytes", 64 * 1024, 1, MAX_OUTPUT_BYTES)
        tail = await self.in_thread(self.browser.reader.read_output_tail, folder, max_bytes)
        self.write_json(tail)


class SourceHandler(BaseHandler):
    """Return the text of one source a run stored, looked up by its recorded name."""

    @web.authenticated
    async def get(self, run_id: str) -> None:
        store = self.store()
        folder = _paths.run_folder(store, run_id)
        name = self.get_argument("name")
        record = await self.in_thread(self.browser.reader.read_record, store, run_id, folder)
        entry = next((row for row in record["sources"] if row["name"] == name), None)
        if entry is None:
            raise web.HTTPError(404, f"Run {run_id!r} has no source named {name!r}.")

        path = _paths.file_inside(store.path, str(entry["stored"]), "source")
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES)
        self.write_json({"name": name, "stored": entry["stored"], "size": size,
                         "truncated": size > MAX_SOURCE_BYTES, "text": data.decode("utf-8", errors="replace")})


class ArtifactHandler(BaseHandler):
    """Send one artifact of a run as a download."""

    @web.authenticated
    async def get(self, run_id: str, name: str) -> None:
        store = self.store()
        folder = _paths.run_folder(store, run_id)
        path = _paths.file_inside(folder, name, "artifact")
        record = await self.in_thread(self.browser.reader.read_record, store, run_id, folder)
        if name not in {row["name"] for row in record["artifacts"]}:
            raise web.HTTPError(404, f"Run {run_id!r} has no artifact named {name!r}.")

        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self.set_header("Content-Type", content_type)
        self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(os.path.basename(name))}")
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                self.write(chunk)
                await self.flush()
        self.finish()


def handler_routes(base_url: str) -> list[tuple[str, type]]:
    """Return the URL patterns of the API, below the server's base URL."""
    prefix = url_path_join(base_url, API_PREFIX)
    run = r"/runs/([^/]+)"
    return [
        (prefix + "/stores", StoresHandler),
        (prefix + "/runs", RunsHandler),
        (prefix + run, RunHandler),
        (prefix + run + "/metrics", MetricsHandler),
        (prefix + run + "/output", OutputHandler),
        (prefix + run + "/source", SourceHandler),
        (prefix + run + r"/artifacts/(.+)", ArtifactHandler),
    ]
