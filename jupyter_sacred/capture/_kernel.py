"""``kernel`` capture: everything a notebook cell shows as stream output.

Inside ipykernel, ``sys.stdout`` and ``sys.stderr`` are ``OutStream`` objects
that publish text to the notebook. Logging handlers and other code may hold
a reference to them from before the run, so swapping ``sys.stdout`` is not
enough: the capture taps each ``OutStream`` object's ``write`` instead.

File descriptors 1 and 2 are redirected for the run as in ``fd`` mode. When
the kernel forwards descriptor output to the notebook (ipykernel >= 6 with
``capture_fd_output``, where ``OutStream.fileno()`` is a copy of the
original descriptor), the pump hands the text to ``OutStream.write`` and
echoes the bytes to that copy, exactly as ipykernel's own watcher thread
does, so the text is shown once and captured once by the tap. Otherwise the
descriptor output goes to the kernel's terminal as before and is captured by
the pump directly.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from typing import Any, Callable, Iterator

from jupyter_sacred.capture._common import Capture, flush_libc
from jupyter_sacred.capture._fd import Forward, forward_to_fd, redirect_fds, write_all
from jupyter_sacred.capture._sys import swap_sys_stream

_STREAM_FDS = {"stdout": 1, "stderr": 2}


def _is_out_stream(stream: Any) -> bool:
    iostream = sys.modules.get("ipykernel.iostream")
    return iostream is not None and isinstance(stream, iostream.OutStream)


def kernel_streams() -> dict[str, Any]:
    """Return the ipykernel ``OutStream`` objects now set as ``sys.stdout``/``sys.stderr``."""
    streams = {}
    for name in _STREAM_FDS:
        stream = getattr(sys, name)
        if _is_out_stream(stream):
            streams[name] = stream
    return streams


def in_ipykernel() -> bool:
    """Return whether this process is an ipykernel whose output goes to a notebook."""
    return bool(kernel_streams())


def _watched_fd_copy(stream: Any) -> int | None:
    # OutStream.fileno() returns the copy of the original descriptor while
    # ipykernel watches it, and raises otherwise.
    try:
        return stream.fileno()
    except (io.UnsupportedOperation, OSError, ValueError):
        return None


class OutStreamTap:
    """Instance-level wrapper of one ``OutStream.write`` that reports each string."""

    def __init__(self, stream: Any, on_text: Callable[[str], None]) -> None:
        self.stream = stream
        self._on_text: Callable[[str], None] | None = on_text
        self._own_write = stream.__dict__.get("write")
        original = stream.write

        def write(string: str) -> int | None:
            result = original(string)
            on_text = self._on_text
            if on_text is not None and isinstance(string, str):
                on_text(string)
            return result

        self._write = write
        stream.write = write

    def remove(self) -> None:
        self._on_text = None
        # Undo only our own wrapper: if something wrapped it in turn, our
        # detached wrapper stays in its chain and just forwards.
        if self.stream.__dict__.get("write") is self._write:
            if self._own_write is None:
                del self.stream.write
            else:
                self.stream.write = self._own_write


def _forward_to_out_stream(stream: Any, echo_fd: int) -> Forward:
    def forward(data: bytes, text: str) -> None:
        if text:
            stream.write(text)
        if data:
            write_all(echo_fd, data)

    return forward


@contextlib.contextmanager
def _redirect_kernel_fd(fd: int, stream: Any, capture: Capture) -> Iterator[None]:
    # An OutStream does not write to the descriptors, so only the C library's
    # buffers need flushing around the redirection.
    echo_fd = _watched_fd_copy(stream)
    if echo_fd is not None:

        def forward_to_stream(saved_fd: int) -> Forward:
            return _forward_to_out_stream(stream, echo_fd)

        with redirect_fds((fd,), forward_to_stream, None, flush=flush_libc):
            yield
    else:
        with redirect_fds((fd,), forward_to_fd, capture.write, flush=flush_libc):
            yield


@contextlib.contextmanager
def capture_kernel() -> Iterator[Capture]:
    streams = kernel_streams()
    if not streams:
        raise RuntimeError(
            "capture mode 'kernel' needs an ipykernel, but sys.stdout is "
            f"{type(sys.stdout).__name__}; use capture mode 'fd' or 'sys'"
        )

    capture = Capture("kernel", before_read=flush_libc)
    taps: list[OutStreamTap] = []
    try:
        with contextlib.ExitStack() as stack:
            for name, fd in _STREAM_FDS.items():
                stream = streams.get(name)
                if stream is None:
                    # Something replaced this one stream; tee whatever it is.
                    stack.enter_context(swap_sys_stream(name, capture.write))
                    continue
                # One OutStream set as both sys.stdout and sys.stderr gets one tap,
                # so that its text is captured once.
                if all(tap.stream is not stream for tap in taps):
                    taps.append(OutStreamTap(stream, capture.write))
                # ipykernel forwards descriptor output only on Linux and macOS,
                # and the pipe pump needs poll(), so Windows gets the taps alone.
                if os.name == "posix":
                    stack.enter_context(_redirect_kernel_fd(fd, stream, capture))
            yield capture
        # Leaving the ExitStack has restored the descriptors and handed the
        # last descriptor output to the taps, which can go now.
    finally:
        for tap in taps:
            tap.remove()
        capture.close()
