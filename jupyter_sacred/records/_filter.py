"""Filters of load_runs and the DEAD status derived on read."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Iterable

from .. import _storage
from ..status import RunStatus
from . import _query
from .errors import InvalidFilterError

# A RUNNING run reads as DEAD when its last heartbeat is older than this, or
# than DEAD_BEATS beat intervals where the run recorded its interval.
MIN_DEAD_AFTER = dt.timedelta(seconds=120)
DEAD_BEATS = 3


@dataclasses.dataclass(frozen=True)
class RunFilter:
    """The filters of one load_runs call, normalised."""

    statuses: frozenset[str] | None = None
    experiments: frozenset[str] | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    query: dict | None = None
    dead_after: dt.timedelta | None = None
    now: dt.datetime = dataclasses.field(default_factory=_storage.utcnow)

    @classmethod
    def build(cls, *, status=None, experiment=None, since=None, until=None, query=None, dead_after=None) -> RunFilter:
        if query is not None and not isinstance(query, dict):
            raise InvalidFilterError("query", query, "a dict in MongoDB's query language")
        return cls(
            statuses=_names("status", status, upper=True),
            experiments=_names("experiment", experiment),
            since=to_utc("since", since),
            until=to_utc("until", until),
            query=query or None,
            dead_after=_duration(dead_after),
        )

    def stored_statuses(self) -> frozenset[str] | None:
        """Return the stored statuses a store must return; DEAD runs are stored as RUNNING."""
        if self.statuses is None:
            return None
        stored = set(self.statuses)
        if RunStatus.DEAD.value in stored:
            stored.discard(RunStatus.DEAD.value)
            stored.add(RunStatus.RUNNING.value)
        return frozenset(stored)

    def accepts_stored(self, doc: dict) -> bool:
        """Apply the filters that need only run.json fields (before heavy files are read)."""
        stored = self.stored_statuses()
        if stored is not None and doc.get("status") not in stored:
            return False
        if self.experiments is not None and experiment_name(doc) not in self.experiments:
            return False
        if self.since is not None or self.until is not None:
            start = doc.get("start_time")
            if start is None:
                return False
            if self.since is not None and start < self.since:
                return False
            if self.until is not None and start >= self.until:
                return False
        return True

    def accepts_query(self, doc: dict) -> bool:
        return self.query is None or _query.matches(doc, self.query)

    def accepts_derived(self, status: str) -> bool:
        return self.statuses is None or status in self.statuses


def experiment_name(doc: dict) -> str | None:
    experiment = doc.get("experiment")
    return experiment.get("name") if isinstance(experiment, dict) else None


def beat_interval(doc: dict) -> float | None:
    """Return the heartbeat interval in seconds a run recorded, or None."""
    meta = doc.get("meta") or {}
    candidates = [(meta.get("options") or {}).get("--beat-interval"), meta.get("beat_interval")]
    for candidate in candidates:
        try:
            interval = float(candidate)
        except (TypeError, ValueError):
            continue
        if interval > 0:
            return interval
    return None


def derived_status(doc: dict, now: dt.datetime, dead_after: dt.timedelta | None = None) -> str:
    """Return the run's status, DEAD for a RUNNING run whose heartbeat is stale.

    A RUNNING run with no heartbeat yet is judged by its start time.
    """
    status = doc.get("status")
    if status != RunStatus.RUNNING.value:
        return status
    last_sign = doc.get("heartbeat") or doc.get("start_time")
    if last_sign is None:
        return status
    if dead_after is None:
        interval = beat_interval(doc)
        dead_after = MIN_DEAD_AFTER
        if interval is not None:
            dead_after = max(dead_after, dt.timedelta(seconds=DEAD_BEATS * interval))
    if now - last_sign > dead_after:
        return RunStatus.DEAD.value
    return status


def to_utc(name: str, value: Any) -> dt.datetime | None:
    """Normalise a time filter to a naive UTC datetime; strings are ISO 8601."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise InvalidFilterError(name, value, "a datetime or an ISO 8601 string such as '2025-03-14T09:00'") from None
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if not isinstance(value, dt.datetime):
        if hasattr(value, "to_pydatetime"):
            value = value.to_pydatetime()
        else:
            raise InvalidFilterError(name, value, "a datetime or an ISO 8601 string")
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def _names(name: str, value: Any, upper: bool = False) -> frozenset[str] | None:
    if value is None:
        return None
    items: Iterable[Any] = [value] if isinstance(value, str) else value
    try:
        names = [str(item) for item in items]
    except TypeError:
        raise InvalidFilterError(name, value, "a string or a list of strings") from None
    return frozenset(item.upper() if upper else item for item in names)


def _duration(value: Any) -> dt.timedelta | None:
    if value is None or isinstance(value, dt.timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return dt.timedelta(seconds=value)
    raise InvalidFilterError("dead_after", value, "a datetime.timedelta or a number of seconds >= 0")
