"""Choosing a capture mode and entering it."""

from __future__ import annotations

import contextlib
import sys
from typing import ContextManager, Iterator

from jupyter_sacred.capture._common import Capture
from jupyter_sacred.capture._fd import capture_fd
from jupyter_sacred.capture._kernel import capture_kernel, in_ipykernel
from jupyter_sacred.capture._sys import capture_sys

CAPTURE_MODES = ("no", "sys", "fd", "kernel")
AUTO = "auto"


@contextlib.contextmanager
def capture_nothing() -> Iterator[Capture]:
    capture = Capture("no")
    try:
        yield capture
    finally:
        capture.close()


_CAPTURERS = {"no": capture_nothing, "sys": capture_sys, "fd": capture_fd, "kernel": capture_kernel}


def capture_output(mode: str) -> ContextManager[Capture]:
    """Capture the run's output in ``mode`` ("no", "sys", "fd" or "kernel").

    The context manager yields a ``Capture`` whose thread-safe ``read()``
    returns the text captured since the previous ``read()``. Exiting the block
    flushes and collects everything, so one ``read()`` after the block returns
    the complete rest of the output, also when the block raised.
    """
    try:
        capturer = _CAPTURERS[mode]
    except KeyError:
        raise ValueError(
            f"invalid capture mode {mode!r}; use one of {', '.join(CAPTURE_MODES)}"
        ) from None
    return capturer()


def default_capture_mode() -> str:
    """Return the mode that "auto" stands for in this process."""
    if in_ipykernel():
        return "kernel"
    if sys.platform == "win32":
        return "sys"
    return "fd"


def _settings_capture_mode() -> str:
    from jupyter_sacred.settings import SETTINGS

    return SETTINGS.CAPTURE_MODE or AUTO


def resolve_capture_mode(
    requested: str | None, has_observers: bool, default: str | None = None
) -> str:
    """Return the capture mode a run uses.

    An explicit ``requested`` mode wins. Otherwise a run without observers
    captures nothing, as in Sacred, and a run with observers uses ``default``
    (``SETTINGS.CAPTURE_MODE`` when ``None``). "auto" becomes "kernel" inside
    an ipykernel, "fd" in scripts on Linux and macOS and "sys" on Windows.
    """
    if requested is not None:
        mode = requested
    elif not has_observers:
        return "no"
    else:
        mode = default if default is not None else _settings_capture_mode()

    if mode == AUTO:
        mode = default_capture_mode()
    if mode not in CAPTURE_MODES:
        raise ValueError(
            f"invalid capture mode {mode!r}; use one of {', '.join(CAPTURE_MODES)} or {AUTO!r}"
        )
    return mode
