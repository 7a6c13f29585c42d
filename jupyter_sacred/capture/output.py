"""The captured output of one run: the raw text and the text after ``captured_out_filter``."""

from __future__ import annotations

import threading
from typing import Callable

from jupyter_sacred.capture.filters import TerminalRenderer, apply_backspaces_and_linefeeds

__all__ = ["CapturedOutput", "OutputFilter", "new_captured_output"]

OutputFilter = Callable[[str], str]


def _is_terminal_filter(output_filter: OutputFilter) -> bool:
    # Sacred's own function computes the same text, so a user who passes it
    # gets the incremental renderer too.
    if output_filter is apply_backspaces_and_linefeeds:
        return True
    return (
        getattr(output_filter, "__module__", None) == "sacred.utils"
        and getattr(output_filter, "__name__", None) == "apply_backspaces_and_linefeeds"
    )


class CapturedOutput:
    """Raw captured output of a run and its filtered text (``run.captured_out``).

    ``filter`` is the experiment's ``captured_out_filter``: ``None`` keeps the
    raw text, ``apply_backspaces_and_linefeeds`` is applied incrementally, and
    any other callable is applied to the whole raw text after each append.
    Sacred instead applies it to the previous filtered text plus the new text;
    both agree for idempotent filters such as the ones Sacred documents. A
    filter that returns ``""`` turns the captured output off.

    All methods are thread-safe: the heartbeat thread appends while other
    threads read ``text``.
    """

    def __init__(self, filter: OutputFilter | None = None) -> None:  # noqa: A002 - Sacred's name
        self.filter = filter
        self._lock = threading.Lock()
        self._raw_chunks: list[str] = []
        self._raw_text = ""
        self._renderer = (
            TerminalRenderer() if filter is not None and _is_terminal_filter(filter) else None
        )
        self._filtered: str | None = ""

    def append(self, raw_new: str) -> None:
        """Add newly captured raw text."""
        if not raw_new:
            return
        with self._lock:
            self._raw_chunks.append(raw_new)
            if self._renderer is not None:
                self._renderer.feed(raw_new)
            self._filtered = None

    @property
    def raw(self) -> str:
        """Everything captured so far, unfiltered."""
        with self._lock:
            return self._join_raw()

    @property
    def text(self) -> str:
        """The filtered captured output, as stored in ``captured_out``."""
        with self._lock:
            if self._filtered is None:
                self._filtered = self._compute_text()
            return self._filtered

    @property
    def stable_length(self) -> int:
        """Length of the prefix of ``text`` that no later append can change.

        A writer of an append-only file such as ``cout.txt`` can write this
        prefix once and rewrite only the rest. It is the whole text without a
        filter, the completed lines with the terminal filter, and 0 with any
        other filter, whose output may change anywhere.
        """
        with self._lock:
            if self.filter is None:
                return len(self._join_raw())
            if self._renderer is not None:
                return len(self._renderer.stable_text)
            return 0

    def _join_raw(self) -> str:
        if self._raw_chunks:
            self._raw_text += "".join(self._raw_chunks)
            self._raw_chunks.clear()
        return self._raw_text

    def _compute_text(self) -> str:
        if self.filter is None:
            return self._join_raw()
        if self._renderer is not None:
            return self._renderer.text
        return self.filter(self._join_raw())


def new_captured_output(captured_out_filter: OutputFilter | None = None) -> CapturedOutput:
    """Create the captured output of a new run with the experiment's ``captured_out_filter``."""
    return CapturedOutput(captured_out_filter)
