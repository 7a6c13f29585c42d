"""Metric points into Sacred's metrics collection: one document per run and metric name."""

from __future__ import annotations

import logging
from typing import Any

from pymongo.errors import DocumentTooLarge, OperationFailure

from jupyter_sacred.observers._mongo_encode import has_non_finite, replace_non_finite
from jupyter_sacred.observers._mongo_retry import is_transient

logger = logging.getLogger(__name__)

_SERIES_KEYS = ("steps", "values", "timestamps")
_TOO_LARGE_CODES = {10334, 17419, 17420}


class MetricsWriter:
    """Points waiting to be pushed, and the ids of the metric documents already created.

    Points stay pending until a push succeeds, so a lost connection delays
    them instead of losing them.
    """

    def __init__(self, metrics, run_id: Any, target: str) -> None:
        self._metrics = metrics
        self._run_id = run_id
        self._target = target
        self._pending: dict[str, dict[str, list]] = {}
        self._ids: dict[str, Any] = {}
        self._full: set[str] = set()

    def add(self, metrics_by_name: dict[str, dict]) -> None:
        for name, series in metrics_by_name.items():
            if name in self._full:
                continue
            pending = self._pending.setdefault(name, {key: [] for key in _SERIES_KEYS})
            for key in _SERIES_KEYS:
                pending[key].extend(series[key])

    def flush(self, info: dict | None) -> None:
        """Push every pending series; link new metric documents in ``info["metrics"]`` as Sacred does."""
        for name in list(self._pending):
            metric_id = self._push(name)
            if metric_id is not None and info is not None:
                info.setdefault("metrics", []).append({"name": name, "id": str(metric_id)})

    def links(self) -> list[dict[str, str]]:
        return [{"name": name, "id": str(metric_id)} for name, metric_id in self._ids.items()]

    def pending_documents(self) -> list[dict[str, Any]]:
        return [{"run_id": self._run_id, "name": name, **series} for name, series in self._pending.items()]

    def _push(self, name: str) -> Any:
        """Push one pending series and return the id of the document if the push created it."""
        series = self._pending[name]
        try:
            result = self._update(name, series)
        except (OperationFailure, DocumentTooLarge) as error:
            if is_transient(error):
                raise
            result = self._handle_rejected(name, series, error)
        del self._pending[name]
        if result is None or result.upserted_id is None:
            return None
        self._ids[name] = result.upserted_id
        return result.upserted_id

    def _update(self, name: str, series: dict[str, list]):
        update: dict[str, Any] = {"$push": {key: {"$each": series[key]} for key in _SERIES_KEYS}}
        if name in self._ids:
            # nx-27017 0.8.1 stores datetimes pushed onto an existing document
            # as JSON strings unless the update touches _id; a real MongoDB
            # accepts the unchanged _id.
            update["$set"] = {"_id": self._ids[name]}
        return self._metrics.update_one({"run_id": self._run_id, "name": name}, update, upsert=True)

    def _handle_rejected(self, name: str, series: dict[str, list], error: Exception):
        if has_non_finite(series["values"]):
            # MongoDB stores NaN and infinities; nx-27017 0.8.1 rejects them
            # ("Invalid JSON document"), so they become null there.
            logger.warning(
                "run %s: %s rejected non-finite values of metric %r (%s); storing them as null",
                self._run_id, self._target, name, error,
            )
            return self._update(name, {**series, "values": replace_non_finite(series["values"])})
        code = getattr(error, "code", None)
        if isinstance(error, DocumentTooLarge) or code in _TOO_LARGE_CODES:
            # NOTE: a metric document reaches 16 MB after roughly 300,000 points
            # (an estimate from BSON sizes), and later points of that metric are dropped.
            self._full.add(name)
            logger.error(
                "run %s: metric %r reached MongoDB's 16 MB document limit; its further points are dropped",
                self._run_id, name,
            )
            return None
        raise error
