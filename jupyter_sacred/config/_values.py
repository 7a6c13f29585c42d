"""Normalising config values and comparing old and new values."""

from __future__ import annotations

import sys
from typing import Any

from .errors import ConfigError
from .keys import validate_key

# Deeper dicts and lists are refused: storing them would exceed Python's recursion limit.
MAX_DEPTH = 100


def normalize_value(value: Any, path: str = "", depth: int = 0) -> Any:
    """Return `value` with tuples made lists and numpy scalars made Python scalars.

    Dict keys are validated on the way down (raises `ConfigKeyError`); dicts
    and lists nested deeper than `MAX_DEPTH` levels raise `ConfigError`.
    """
    if isinstance(value, (dict, list, tuple)) and depth > MAX_DEPTH:
        where = path if len(path) <= 60 else path[:60] + "..."
        raise ConfigError(
            f"the config value at {where!r} is nested deeper than {MAX_DEPTH} levels; "
            "flatten it, or store it as an artifact"
        )
    if isinstance(value, dict):
        normalized = {}
        for key, item in value.items():
            validate_key(key, path)
            normalized[key] = normalize_value(item, _child(path, key), depth + 1)
        return normalized
    if isinstance(value, (list, tuple)):
        return [normalize_value(item, path, depth + 1) for item in value]
    return _numpy_scalar_to_python(value)


def _child(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _numpy_scalar_to_python(value: Any) -> Any:
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.generic):
        try:
            return value.item()
        except ValueError:
            return value
    return value


def is_different(old_value: Any, new_value: Any) -> bool:
    """Compare two config values, treating numpy arrays by shape and content."""
    try:
        return bool(old_value != new_value)
    except Exception:  # noqa: BLE001 - arrays raise on bool(); anything else counts as changed
        pass
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return True
    try:
        return not numpy.array_equal(numpy.asarray(old_value), numpy.asarray(new_value))
    except Exception:  # noqa: BLE001 - values numpy cannot compare are different
        return True
