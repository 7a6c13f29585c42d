"""The heartbeat thread of a run."""

from __future__ import annotations

import logging
import threading
from typing import Callable

logger = logging.getLogger(__name__)


class Heartbeat:
    """Call ``beat`` right after start, then every ``interval`` seconds, and once more at stop.

    Sacred waits a full interval before the first beat, which leaves the
    stored ``heartbeat`` null for that long; readers such as Sacredboard
    handle that badly, so we beat at once. With ``interval <= 0`` there are
    no periodic beats, but ``stop`` still sends the final one, so metrics,
    info and output always reach the observers.
    """

    def __init__(self, beat: Callable[[], None], interval: float, name: str = "jupyter_sacred-heartbeat") -> None:
        self._beat = beat
        self.interval = interval
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._name = name
        self._beat_lock = threading.Lock()

    def start(self) -> None:
        self._safe_beat()
        if self.interval > 0:
            self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stopped.wait(self.interval):
            self._safe_beat()

    def _safe_beat(self) -> None:
        with self._beat_lock:
            try:
                self._beat()
            except Exception:
                logger.exception("heartbeat failed")

    def stop(self) -> None:
        """Stop the thread and send the final beat from the calling thread."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._safe_beat()
