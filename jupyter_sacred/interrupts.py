"""Exceptions that end a run with a status other than FAILED."""

from __future__ import annotations


class SacredInterrupt(Exception):
    """Raise from a run to stop it with the status ``STATUS``.

    Subclass it and set ``STATUS`` for a custom state.
    """

    STATUS = "INTERRUPTED"


class TimeoutInterrupt(SacredInterrupt):
    """Raise from a run that ran out of time; it ends with status ``TIMEOUT``."""

    STATUS = "TIMEOUT"
