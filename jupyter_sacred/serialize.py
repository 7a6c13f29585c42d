"""Turn config, info and result values into JSON-ready data the way Sacred stores them.

Sacred encodes with ``jsonpickle.encode(obj, keys=True)`` (numpy and pandas
handlers registered) and decodes the string again, so the stored form of
tuples, sets, datetimes and numpy values is jsonpickle's. We keep that form for
compatibility and take a fast path for values that are plain JSON already.
Decoding stored values is the read side's job (``jupyter_sacred.records``),
which never runs jsonpickle on store data.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import jsonpickle

logger = logging.getLogger(__name__)

# Containers nested deeper than this are stored as TRUNCATED_MARKER: jsonpickle
# and json recurse once per level and fail near 200 levels.
MAX_DEPTH = 100
TRUNCATED_MARKER = f"<truncated: nested deeper than {MAX_DEPTH} levels>"
_handlers_registered = False
_truncation_logged = False
_PLAIN_SCALARS = (str, int, float, bool, type(None))


def _register_handlers() -> None:
    global _handlers_registered
    if _handlers_registered:
        return
    try:
        import jsonpickle.ext.numpy as jsonpickle_numpy

        jsonpickle_numpy.register_handlers()
    except ImportError:  # numpy is a dependency, but keep the core importable without it
        pass
    try:
        import jsonpickle.ext.pandas as jsonpickle_pandas

        jsonpickle_pandas.register_handlers()
    except ImportError:
        pass
    _handlers_registered = True


def _is_plain(value: Any, depth: int = 0) -> bool:
    """Tell whether ``value`` is JSON already, so jsonpickle would return it unchanged."""
    if depth > 50:
        return False
    kind = type(value)
    if kind in _PLAIN_SCALARS:
        return True
    if kind is list:
        return all(_is_plain(item, depth + 1) for item in value)
    if kind is dict:
        return all(
            type(key) is str and not key.startswith(("py/", "json://")) and _is_plain(item, depth + 1)
            for key, item in value.items()
        )
    return False


def flatten(obj: Any) -> Any:
    """Return ``obj`` as JSON-ready data in Sacred's stored form.

    Plain JSON values are returned as they are (the same object). Everything
    else goes through jsonpickle exactly as Sacred 0.8.7 does, so objects
    shared twice become ``{"py/id": N}`` references and large numpy arrays
    become base64 blobs, as in Sacred's stores.

    jsonpickle exceeds Python's recursion limit on deeply nested values. Such
    a value is stored cut at ``MAX_DEPTH`` levels, with ``TRUNCATED_MARKER``
    in place of the deeper ones, and a warning is logged. A value that still
    cannot be encoded is stored as a marker string.
    """
    if _is_plain(obj):
        return obj
    _register_handlers()
    try:
        return json.loads(jsonpickle.encode(obj, keys=True))
    except RecursionError:
        _log_truncation()
    try:
        return json.loads(jsonpickle.encode(_truncate(obj, MAX_DEPTH), keys=True))
    except RecursionError:
        return f"<not stored: {type(obj).__name__} nested too deeply to encode>"


def _log_truncation() -> None:
    # Info is stored at every heartbeat: warn once per process, not once per beat.
    global _truncation_logged
    level = logging.DEBUG if _truncation_logged else logging.WARNING
    _truncation_logged = True
    logger.log(level, "a value nested deeper than %d levels is stored truncated at that depth", MAX_DEPTH)


def _truncate(value: Any, levels: int) -> Any:
    """Return ``value`` with the dicts, lists, tuples and sets below ``levels`` levels replaced by the marker."""
    if not isinstance(value, (dict, list, tuple, set, frozenset)):
        return value
    if levels <= 0:
        return TRUNCATED_MARKER
    if isinstance(value, dict):
        return {key: _truncate(item, levels - 1) for key, item in value.items()}
    items = [_truncate(item, levels - 1) for item in value]
    if isinstance(value, tuple):
        return tuple(items)
    if isinstance(value, (set, frozenset)):
        return frozenset(items) if isinstance(value, frozenset) else set(items)
    return items
