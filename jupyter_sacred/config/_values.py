"""Normalising config values and comparing old and new values."""

from __future__ import annotations

import sys
from typing import Any

from .keys import validate_key


def normalize_value(value: Any, path: str = "") -> Any:
    """Return `value` with tuples made lists and numpy scalars made Python scalars.

    Dict keys are validated on the way down (raises `ConfigKeyError`).
    """
    if isinstance(value, dict):
        normalized = {}
        for key, item in value.items():
            validate_key(key, path)
            normalized[key] = normalize_value(item, _child(path, key))
        return normalized
    if isinstance(value, (list, tuple)):
        return [normalize_value(item, path) for item in value]
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
