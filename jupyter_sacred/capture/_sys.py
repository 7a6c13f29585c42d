"""``sys`` capture: tee writes to ``sys.stdout`` and ``sys.stderr``."""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Callable, Iterable, Iterator

from jupyter_sacred.capture._common import Capture, flush_python_streams


class TeeStream:
    """Proxy for a text stream that also passes every written string to ``on_text``.

    Attributes other than ``write``, ``writelines`` and ``flush`` come from the
    wrapped stream. After ``detach()`` the proxy only forwards, so a proxy that
    other code still references after the run does no harm.
    """

    def __init__(self, wrapped: Any, on_text: Callable[[str], None]) -> None:
        self._wrapped = wrapped
        self._on_text: Callable[[str], None] | None = on_text

    def write(self, text: str) -> int:
        written = self._wrapped.write(text)
        on_text = self._on_text
        if on_text is not None and isinstance(text, str):
            on_text(text)
        return written

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._wrapped.flush()

    def detach(self) -> None:
        self._on_text = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)


@contextlib.contextmanager
def swap_sys_stream(name: str, on_text: Callable[[str], None]) -> Iterator[TeeStream]:
    """Replace ``sys.<name>`` with a ``TeeStream`` for the duration of the block."""
    original = getattr(sys, name)
    proxy = TeeStream(original, on_text)
    setattr(sys, name, proxy)
    try:
        yield proxy
    finally:
        proxy.detach()
        # Restore only our own proxy: if user code replaced sys.<name> during
        # the run and did not put it back, its replacement stays in place.
        if getattr(sys, name) is proxy:
            setattr(sys, name, original)


@contextlib.contextmanager
def capture_sys() -> Iterator[Capture]:
    capture = Capture("sys")
    flush_python_streams()
    try:
        with swap_sys_stream("stdout", capture.write), swap_sys_stream("stderr", capture.write):
            yield capture
    finally:
        capture.close()
