"""The observer protocol: the events a run sends to each observer.

Names, parameters and their order are Sacred's ``RunObserver`` (Sacred 0.8.7),
because the run engine calls them by keyword and Sacred's own observers must
work in ``ex.observers`` unchanged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Observer(Protocol):
    """The interface the run engine requires of an observer. Sacred's observers satisfy it."""

    priority: int

    def queued_event(self, ex_info, command, host_info, queue_time, config, meta_info, _id): ...
    def started_event(self, ex_info, command, host_info, start_time, config, meta_info, _id): ...
    def heartbeat_event(self, info, captured_out, beat_time, result): ...
    def completed_event(self, stop_time, result): ...
    def interrupted_event(self, interrupt_time, status): ...
    def failed_event(self, fail_time, fail_trace): ...
    def resource_event(self, filename): ...
    def artifact_event(self, name, filename, metadata=None, content_type=None): ...
    def log_metrics(self, metrics_by_name, info): ...
    def join(self): ...


class RunObserver:
    """Base class for observers: every event is a no-op.

    Observers receive dicts by reference and must treat them as read-only,
    except ``info["metrics"]``, which the Mongo observer extends on purpose.

    Events:

    - ``queued_event``/``started_event`` get the experiment info, command
      name, host info, a naive UTC time, the final config, the meta info and
      the run id chosen so far (or ``None``); they return the run id.
    - ``heartbeat_event`` gets the live info dict, all captured output so far,
      the beat time and the intermediate result.
    - ``log_metrics`` gets the metric points logged since the last beat as
      ``{name: {"name", "steps", "values", "timestamps"}}``, possibly empty.
      An observer with ``accepts_metric_chunks = True`` gets ``MetricChunk``
      mappings with numpy columns; the others get plain lists with datetime
      timestamps, as from Sacred.
    - Exactly one of ``completed_event``, ``interrupted_event`` and
      ``failed_event`` ends a started run; ``join`` is called last.
    """

    priority = 0

    def queued_event(
        self,
        ex_info: dict,
        command: str,
        host_info: dict,
        queue_time: dt.datetime,
        config: dict,
        meta_info: dict,
        _id: Any,
    ) -> Any:
        return None

    def started_event(
        self,
        ex_info: dict,
        command: str,
        host_info: dict,
        start_time: dt.datetime,
        config: dict,
        meta_info: dict,
        _id: Any,
    ) -> Any:
        return None

    def heartbeat_event(self, info: dict, captured_out: str, beat_time: dt.datetime, result: Any) -> None:
        return None

    def completed_event(self, stop_time: dt.datetime, result: Any) -> None:
        return None

    def interrupted_event(self, interrupt_time: dt.datetime, status: str) -> None:
        return None

    def failed_event(self, fail_time: dt.datetime, fail_trace: list[str]) -> None:
        return None

    def resource_event(self, filename: str) -> None:
        return None

    def artifact_event(
        self, name: str, filename: str, metadata: dict | None = None, content_type: str | None = None
    ) -> None:
        return None

    def log_metrics(self, metrics_by_name: dict, info: dict) -> None:
        return None

    def join(self) -> None:
        return None
