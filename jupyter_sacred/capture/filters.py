"""Terminal emulation for captured output: backspaces and carriage returns.

``apply_backspaces_and_linefeeds`` gives the same results as Sacred 0.8.7's
function of that name. ``TerminalRenderer`` computes the same text
incrementally, so a heartbeat costs in proportion to the new output rather
than to everything the run has printed.
"""

from __future__ import annotations

__all__ = ["TerminalRenderer", "apply_backspaces_and_linefeeds"]


class _LineState:
    """The characters of one line and the cursor position, as a terminal keeps them."""

    __slots__ = ("chars", "cursor")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.cursor = 0

    def feed(self, text: str) -> None:
        """Apply ``text`` (which contains no newline) to the line.

        A carriage return moves the cursor to column 0 without erasing, a
        backspace moves it one column left (never below 0), and any other
        character overwrites at the cursor or extends the line.
        """
        chars = self.chars
        cursor = self.cursor
        if cursor == len(chars) and "\r" not in text and "\b" not in text:
            # Plain text at the end of the line, the common case: append it whole.
            chars.extend(text)
            self.cursor = len(chars)
            return
        for char in text:
            if char == "\r":
                cursor = 0
            elif char == "\b":
                if cursor > 0:
                    cursor -= 1
            elif cursor == len(chars):
                chars.append(char)
                cursor += 1
            else:
                chars[cursor] = char
                cursor += 1
        self.cursor = cursor

    def render(self) -> str:
        return "".join(self.chars)


def apply_backspaces_and_linefeeds(text: str) -> str:
    """Interpret backspaces and carriage returns in ``text`` as a terminal would.

    Each line (split on ``\\n``) starts with the cursor at column 0. A ``\\r``
    that is the very last character of ``text`` is kept, so that the next chunk
    of output can continue the line. An earlier ``\\r`` right before a ``\\n``
    has no visible effect and is dropped.
    """
    renderer = TerminalRenderer()
    renderer.feed(text)
    return renderer.text


class TerminalRenderer:
    """Incremental ``apply_backspaces_and_linefeeds``.

    After any sequence of ``feed(chunk)`` calls, ``text`` equals
    ``apply_backspaces_and_linefeeds`` of the concatenated chunks. Completed
    lines are rendered once and never touched again. Only the current line is
    kept as editable state. A trailing ``\\r`` is held back until the next chunk
    shows whether it ends the text.
    """

    def __init__(self) -> None:
        self._done: list[str] = []  # rendered completed lines, each ending in "\n"
        self._done_text = ""
        self._line = _LineState()
        self._pending_cr = False

    def feed(self, chunk: str) -> None:
        """Apply the next chunk of raw output."""
        if not chunk:
            return

        if self._pending_cr:
            self._line.feed("\r")
            self._pending_cr = False
        if chunk.endswith("\r"):
            chunk = chunk[:-1]
            self._pending_cr = True

        *complete, last = chunk.split("\n")
        for piece in complete:
            self._line.feed(piece)
            self._done.append(self._line.render() + "\n")
            self._line = _LineState()
        self._line.feed(last)

    @property
    def stable_text(self) -> str:
        """The rendered completed lines: a prefix of ``text`` that later chunks cannot change."""
        if self._done:
            self._done_text += "".join(self._done)
            self._done.clear()
        return self._done_text

    @property
    def text(self) -> str:
        tail = self._line.render()
        if self._pending_cr:
            tail += "\r"
        return self.stable_text + tail
