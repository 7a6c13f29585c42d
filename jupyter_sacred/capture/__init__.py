"""Captured output of runs: capture modes and the ``captured_out_filter``.

``capture_output(mode)`` captures what a run prints, ``resolve_capture_mode``
picks the mode for a run, and ``CapturedOutput`` keeps the raw and the
filtered text that becomes ``run.captured_out``.
"""

from __future__ import annotations

from jupyter_sacred.capture._common import Capture
from jupyter_sacred.capture._kernel import in_ipykernel
from jupyter_sacred.capture._modes import (
    CAPTURE_MODES,
    capture_output,
    default_capture_mode,
    resolve_capture_mode,
)
from jupyter_sacred.capture.filters import TerminalRenderer, apply_backspaces_and_linefeeds
from jupyter_sacred.capture.output import CapturedOutput, OutputFilter, new_captured_output

__all__ = [
    "CAPTURE_MODES",
    "Capture",
    "CapturedOutput",
    "OutputFilter",
    "TerminalRenderer",
    "apply_backspaces_and_linefeeds",
    "capture_output",
    "default_capture_mode",
    "in_ipykernel",
    "new_captured_output",
    "resolve_capture_mode",
]
