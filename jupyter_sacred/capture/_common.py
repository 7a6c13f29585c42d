"""Pieces shared by the capture modes: the thread-safe text buffer and stdio flushing."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
import threading
from typing import Callable

logger = logging.getLogger(__name__)


class Capture:
    """Handle yielded by ``capture_output``.

    ``read()`` returns the text captured since the previous ``read()``. It may
    be called from any thread while the run writes. After the ``with`` block
    has exited, one more ``read()`` returns everything that was still unread,
    including output flushed on exit, and later reads return ``""``.
    """

    def __init__(self, mode: str, before_read: Callable[[], None] | None = None) -> None:
        self.mode = mode
        self._before_read = before_read
        self._lock = threading.Lock()
        self._chunks: list[str] = []
        self.closed = False

    def write(self, text: str) -> None:
        """Add captured text; called by the writers of the capture mode."""
        if text:
            with self._lock:
                self._chunks.append(text)

    def read(self) -> str:
        """Return the text captured since the previous call."""
        if self._before_read is not None and not self.closed:
            self._before_read()
        with self._lock:
            text = "".join(self._chunks)
            self._chunks.clear()
        return text

    def close(self) -> None:
        self.closed = True


def _load_libc() -> ctypes.CDLL | None:
    if sys.platform == "win32":
        name = ctypes.util.find_library("msvcrt") or ctypes.util.find_library("ucrtbase")
        return ctypes.CDLL(name) if name else None
    try:
        return ctypes.CDLL(None)
    except OSError:
        name = ctypes.util.find_library("c")
        return ctypes.CDLL(name) if name else None


_LIBC = _load_libc()


def flush_python_streams() -> None:
    """Flush ``sys.stdout`` and ``sys.stderr``, ignoring streams that cannot flush."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (AttributeError, ValueError, OSError):
            pass


def flush_libc() -> None:
    """Flush the C library's stdio buffers (``fflush(NULL)``)."""
    if _LIBC is not None:
        try:
            _LIBC.fflush(None)
        except (AttributeError, OSError):
            logger.debug("fflush(NULL) failed", exc_info=True)


def flush_all() -> None:
    """Flush Python's and the C library's stdio buffers."""
    flush_python_streams()
    flush_libc()
