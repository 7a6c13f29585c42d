"""``fd`` capture: redirect file descriptors 1 and 2 into pipes read by a thread.

A daemon thread per descriptor reads its pipe, forwards every chunk to where
the descriptor pointed before (so the terminal still shows it) and, while the
run lasts, appends the decoded text to the capture. Output of C extensions
and child processes is captured because they write to the same descriptors.

On exit the descriptors are restored first, which closes this process's
write ends of the pipes; the thread then reads to end of file. A child
process that outlives the run keeps its write end open: the thread then
stops capturing after a short wait but keeps forwarding, so the child
neither loses output nor receives SIGPIPE.
"""

from __future__ import annotations

import atexit
import codecs
import contextlib
import contextvars
import logging
import os
import select
import threading
import time
from typing import Callable, Iterator

from jupyter_sacred.capture._common import Capture, flush_all

logger = logging.getLogger(__name__)

_CHUNK_SIZE = 65536
# A line longer than this goes to the capture without waiting for its end.
_MAX_PARTIAL = 65536
# How long a run's exit waits for end of file on a pipe. Only child processes
# that outlive the run make it wait this long: data already in the pipe is
# read right away in any case.
EOF_TIMEOUT = 0.25

Forward = Callable[[bytes, str], None]

# Pumps still forwarding for child processes that outlived their run. At exit
# they get one last drain, because daemon threads stop without finishing.
_lingering_pumps: set[FdPump] = set()


@atexit.register
def _drain_lingering_pumps() -> None:
    for pump in list(_lingering_pumps):
        pump.drain_now()


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd``, looping over partial writes."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class FdPump:
    """Daemon thread that reads a pipe and hands each chunk to ``forward``.

    While capturing, the decoded text also goes to ``capture``. UTF-8 is
    decoded incrementally with ``errors="replace"``, so a character split
    across two reads is decoded whole.
    """

    def __init__(
        self,
        read_fd: int,
        forward: Forward,
        capture: Callable[[str], None] | None,
        on_eof: Callable[[], None] | None = None,
    ) -> None:
        self._fd = read_fd
        self._forward = forward
        self._capture = capture
        self._on_eof = on_eof
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        # Text after the last line end, held back from the capture: stdout and
        # stderr are read by separate pumps, and handing over whole lines keeps
        # one stream's line from being split by the other's (``python -u``
        # writes a print's text and its newline separately).
        self._partial = ""
        self._lock = threading.Lock()
        self._eof = False
        os.set_blocking(read_fd, False)
        # Run in a copy of the caller's context, so that context variables
        # (such as ipykernel's parent message header) stay those of the run.
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run, args=(self._loop,), name=f"capture-fd-{read_fd}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def finish(self, timeout: float = EOF_TIMEOUT) -> None:
        """Capture everything written so far, then stop capturing.

        Waits up to ``timeout`` seconds for end of file and reads whatever the
        pipe still holds. The thread keeps forwarding later output, if any.
        """
        self._thread.join(timeout)
        with self._lock:
            if not self._eof:
                self._drain()
            tail = self._decoder.decode(b"", final=True)
            if tail:
                self._deliver(b"", tail)
            if self._partial and self._capture is not None:
                self._capture(self._partial)
            self._partial = ""
            self._capture = None
            if not self._eof:
                _lingering_pumps.add(self)

    def drain_now(self) -> None:
        """Forward the data now in the pipe, without waiting for more."""
        with self._lock:
            if not self._eof:
                self._drain()

    def _loop(self) -> None:
        poller = select.poll()
        poller.register(self._fd, select.POLLIN)
        try:
            while True:
                poller.poll()
                with self._lock:
                    if not self._eof:
                        self._drain()
                    if self._eof:
                        break
        finally:
            # Only this thread closes the read end, so no poll() ever waits
            # on a closed (and possibly reused) descriptor.
            os.close(self._fd)
            _lingering_pumps.discard(self)
            if self._on_eof is not None:
                self._on_eof()

    def _drain(self) -> None:
        # Called with self._lock held.
        while True:
            try:
                data = os.read(self._fd, _CHUNK_SIZE)
            except BlockingIOError:
                return
            except OSError:
                logger.debug("reading captured output from fd %d failed", self._fd, exc_info=True)
                data = b""
            if not data:
                self._eof = True
                return
            self._deliver(data, self._decoder.decode(data))

    def _deliver(self, data: bytes, text: str) -> None:
        try:
            self._forward(data, text)
        except Exception:  # noqa: BLE001 - the run's output must keep flowing
            logger.debug("forwarding captured output from fd %d failed", self._fd, exc_info=True)
        if self._capture is not None and text:
            text = self._partial + text
            end = max(text.rfind("\n"), text.rfind("\r")) + 1
            if end == 0 and len(text) < _MAX_PARTIAL:
                self._partial = text
                return
            if end == 0:
                end = len(text)
            self._partial = text[end:]
            self._capture(text[:end])


class FdRedirect:
    """Point ``fd`` at a new pipe read by an ``FdPump``, and back again.

    ``make_forward(saved_fd)`` builds the pump's forward callable from a
    duplicate of what ``fd`` pointed to before.
    """

    def __init__(
        self,
        fd: int,
        make_forward: Callable[[int], Forward],
        capture: Callable[[str], None] | None,
    ) -> None:
        self.fd = fd
        self._saved_fd = os.dup(fd)
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, fd)
        os.close(write_fd)
        self.pump = FdPump(read_fd, make_forward(self._saved_fd), capture, self._close_saved)
        self.pump.start()

    def restore(self) -> None:
        """Point ``fd`` back to its previous target, closing this process's write end."""
        os.dup2(self._saved_fd, self.fd)

    def _close_saved(self) -> None:
        os.close(self._saved_fd)


def forward_to_fd(saved_fd: int) -> Forward:
    """Build a forward callable that writes the bytes to ``saved_fd``."""

    def forward(data: bytes, text: str) -> None:
        if data:
            write_all(saved_fd, data)

    return forward


@contextlib.contextmanager
def redirect_fds(
    fds: tuple[int, ...],
    make_forward: Callable[[int], Forward],
    capture: Callable[[str], None] | None,
    flush: Callable[[], None] = flush_all,
) -> Iterator[list[FdRedirect]]:
    """Redirect each of ``fds`` for the duration of the block; see the module docstring.

    ``flush`` runs before the descriptors are redirected and before they are
    restored, so that buffered output lands on the right side.
    """
    flush()
    redirects: list[FdRedirect] = []
    try:
        for fd in fds:
            try:
                redirects.append(FdRedirect(fd, make_forward, capture))
            except OSError:
                logger.warning("cannot capture file descriptor %d: it is not open", fd)
        yield redirects
    finally:
        flush()
        for redirect in redirects:
            redirect.restore()
        deadline = time.monotonic() + EOF_TIMEOUT
        for redirect in redirects:
            redirect.pump.finish(max(0.0, deadline - time.monotonic()))


@contextlib.contextmanager
def capture_fd() -> Iterator[Capture]:
    if os.name != "posix":
        raise OSError(
            f"capture mode 'fd' needs a POSIX system, not {os.name!r}; use capture mode 'sys'"
        )
    capture = Capture("fd", before_read=flush_all)
    try:
        with redirect_fds((1, 2), forward_to_fd, capture.write):
            yield capture
    finally:
        capture.close()
