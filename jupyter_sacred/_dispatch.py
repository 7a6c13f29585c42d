"""Sending a run's events to its observers, one call at a time, failures isolated."""

from __future__ import annotations

import copy
import logging
import threading
from typing import Any, Sequence

from jupyter_sacred.errors import ObserverStartError

logger = logging.getLogger(__name__)

# Observers recording a run now, by id(): an observer object keeps the state of one run.
_observers_in_use: set[int] = set()
_in_use_lock = threading.Lock()


class ObserverGroup:
    """The observers of one run, sorted by descending priority (ties keep their order).

    Calls are serialised with a lock because events come from the user's
    thread (artifacts, resources) and from the heartbeat thread. An observer
    that raises in a beat, metric, artifact or resource event is logged once
    and gets no further such events in this run; it still gets the terminal
    event, as in Sacred.

    An observer object records one run at a time (it keeps that run's folder
    or document). A run started while one of its observers is recording
    another run (``ex.run`` inside a main function, a second thread) gets a
    shallow copy of that observer instead, so neither run's events land in the
    other's record.
    """

    def __init__(self, observers: Sequence[Any], run_label: str = "?") -> None:
        self.observers = sorted(observers, key=lambda obs: -getattr(obs, "priority", 0))
        self.failed: list[Any] = []
        self.run_label = run_label
        self._lock = threading.RLock()
        self._claimed: list[Any] = []

    def __len__(self) -> int:
        return len(self.observers)

    def start(self, event: str, run_id: Any, **kwargs: Any) -> Any:
        """Send ``queued_event`` or ``started_event``; return the run id the observers agree on.

        The first observer that returns an id fixes it for the later ones.
        A failure here is fatal: ``ObserverStartError`` names the observer.
        The group then keeps only the observers that started, so the
        failing one and those after it get no beat, end or join.
        """
        with self._lock:
            for position, observer in enumerate(self.observers):
                observer = self.observers[position] = self._claim(observer)
                try:
                    returned = getattr(observer, event)(_id=run_id, **kwargs)
                except Exception as error:
                    self.observers = self.observers[:position]
                    raise ObserverStartError(observer, error) from error
                if run_id is None and returned is not None:
                    run_id = returned
                    self.run_label = str(run_id)
        return run_id

    def _claim(self, observer: Any) -> Any:
        """Return ``observer``, or a copy of it when it is recording another run; mark it in use."""
        with _in_use_lock:
            if id(observer) in _observers_in_use:
                observer = copy.copy(observer)
            _observers_in_use.add(id(observer))
        self._claimed.append(observer)
        return observer

    def safe_call(self, event: str, **kwargs: Any) -> None:
        """Send an event to every healthy observer; a failure drops that observer."""
        with self._lock:
            for observer in self.observers:
                if observer not in self.failed:
                    self._call_or_drop(observer, event, kwargs)

    def beat(self, metrics_by_name: dict, heartbeat_kwargs: dict) -> None:
        """Send one beat: ``log_metrics`` then ``heartbeat_event`` to each observer in turn.

        ``metrics_by_name`` maps names to ``MetricChunk``s. Observers whose
        ``accepts_metric_chunks`` is true get them as they are; the others get
        Sacred's plain dicts of lists with datetimes, built once per beat.
        """
        plain: dict | None = None
        with self._lock:
            for observer in self.observers:
                if observer in self.failed:
                    continue
                if getattr(observer, "accepts_metric_chunks", False):
                    metrics = metrics_by_name
                else:
                    if plain is None:
                        plain = {name: _plain(series) for name, series in metrics_by_name.items()}
                    metrics = plain
                metrics_kwargs = {"metrics_by_name": metrics, "info": heartbeat_kwargs["info"]}
                if self._call_or_drop(observer, "log_metrics", metrics_kwargs):
                    self._call_or_drop(observer, "heartbeat_event", heartbeat_kwargs)

    def _call_or_drop(self, observer: Any, event: str, kwargs: dict) -> bool:
        """Call one event; on failure log it once, drop the observer from later calls, and return False."""
        try:
            getattr(observer, event)(**kwargs)
        except Exception:
            self.failed.append(observer)
            logger.exception(
                "observer %r failed in %s of run %s; it gets no more events of this run except the end",
                observer, event, self.run_label,
            )
            return False
        return True

    def final_call(self, event: str, **kwargs: Any) -> None:
        """Send a terminal event to every observer; failures are logged and the rest still run."""
        with self._lock:
            for observer in self.observers:
                try:
                    getattr(observer, event)(**kwargs)
                except Exception:
                    logger.exception("observer %r failed in %s of run %s", observer, event, self.run_label)

    def join(self) -> None:
        with self._lock:
            for observer in self.observers:
                try:
                    observer.join()
                except Exception:
                    logger.exception("observer %r failed in join of run %s", observer, self.run_label)
            with _in_use_lock:
                for observer in self._claimed:
                    _observers_in_use.discard(id(observer))
            self._claimed.clear()


def _plain(series: Any) -> dict:
    as_dict = getattr(series, "as_dict", None)
    return as_dict() if as_dict is not None else series
