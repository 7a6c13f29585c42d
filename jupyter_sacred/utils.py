"""Helpers Sacred users import from ``sacred.utils``, under the same names."""

from __future__ import annotations

from jupyter_sacred.capture.filters import apply_backspaces_and_linefeeds

__all__ = ["apply_backspaces_and_linefeeds"]
