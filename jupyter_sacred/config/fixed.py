"""Containers that hold fixed config values while a config scope runs.

A config scope runs with a `FixedDict` as its locals. Assigning to a name whose
value is fixed (by a config update or a named config) keeps the fixed value
and records whether the scope's value differed, so the scope's later
statements compute derived values from the fixed one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any

from ._paths import join_paths
from ._values import is_different


class FixedDict(dict):
    """A dict whose fixed entries cannot be overwritten.

    `modified` contains the keys (dotted, for nested fixed dicts) where an
    assignment differed from the fixed value. `typechanges` maps such keys to
    (assigned type, fixed type) when the simplified types differ.
    """

    def __init__(self, fixed: Mapping[str, Any] | None = None):
        super().__init__()
        self.fixed: dict[Any, Any] = dict(fixed or {})
        self.modified: set[str] = set()
        self.typechanges: dict[str, tuple[type, type]] = {}

    def __setitem__(self, key: Any, value: Any) -> None:
        if key not in self.fixed:
            dict.__setitem__(self, key, value)
            return

        fixed_value = self.fixed[key]
        dict.__setitem__(self, key, fixed_value)
        if isinstance(fixed_value, FixedDict) and isinstance(value, dict):
            # Merge the assigned dict into the fixed one, so entries the update
            # did not fix keep the scope's values.
            for sub_key, sub_value in value.items():
                fixed_value[sub_key] = sub_value
        self._record_blocked(key, value, fixed_value)

    def _record_blocked(self, key: Any, value: Any, fixed_value: Any) -> None:
        if type_changed(value, fixed_value):
            self.typechanges[key] = (_plain_type(value), _plain_type(fixed_value))
        if is_different(value, fixed_value):
            self.modified.add(key)
        if isinstance(fixed_value, FixedDict) and isinstance(value, dict):
            for sub_key, types in fixed_value.typechanges.items():
                self.typechanges[join_paths(key, sub_key)] = types
            self.modified |= {join_paths(key, sub_key) for sub_key in fixed_value.modified}

    def __delitem__(self, key: Any) -> None:
        if key not in self.fixed:
            dict.__delitem__(self, key)

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        items = other.items() if hasattr(other, "items") else other
        for key, value in items:
            self[key] = value
        for key, value in kwargs.items():
            self[key] = value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def reveal(self) -> set[str]:
        """Insert the fixed entries that were never assigned; return their dotted paths."""
        missing: set[str] = set()
        for key, fixed_value in self.fixed.items():
            if not dict.__contains__(self, key):
                dict.__setitem__(self, key, fixed_value)
                missing.add(key)
            value = dict.__getitem__(self, key)
            if isinstance(value, FixedDict):
                missing |= {join_paths(key, sub) for sub in value.reveal()}
            elif isinstance(value, FixedList):
                value.reveal()
        return missing


class FixedList(list):
    """A fixed list: the mutating methods do nothing inside a config scope."""

    def append(self, item: Any) -> None:
        pass

    def extend(self, items: Iterable[Any]) -> None:
        pass

    def insert(self, index: Any, item: Any) -> None:
        pass

    def remove(self, item: Any) -> None:
        pass

    def reverse(self) -> None:
        pass

    def sort(self, *args: Any, **kwargs: Any) -> None:
        pass

    def clear(self) -> None:
        pass

    def pop(self, index: Any = -1) -> Any:
        raise TypeError("Cannot pop from a fixed config list")

    def __setitem__(self, index: Any, value: Any) -> None:
        pass

    def __delitem__(self, index: Any) -> None:
        pass

    def __iadd__(self, other: Any) -> FixedList:
        return self

    def __imul__(self, other: Any) -> FixedList:
        return self

    def reveal(self) -> set[str]:
        for item in self:
            if isinstance(item, (FixedDict, FixedList)):
                item.reveal()
        return set()


def simplified_type(value: Any) -> type:
    """Return the type used for typechange detection.

    Tuples count as lists, numpy floats as float, numpy ints as int and
    `numpy.bool_` as bool, so that normalisation is not reported as a change.
    Other types, dict and list subclasses included, are compared exactly.
    """
    kind = type(value)
    if kind in (tuple, FixedList):
        return list
    if kind is FixedDict:
        return dict
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.floating):
            return float
        if isinstance(value, numpy.integer):
            return int
        if isinstance(value, numpy.bool_):
            return bool
    return kind


def type_changed(old_value: Any, new_value: Any) -> bool:
    """Return whether the simplified type changed; a change from None does not count."""
    if old_value is None:
        return False
    return simplified_type(old_value) is not simplified_type(new_value)


def _plain_type(value: Any) -> type:
    if isinstance(value, FixedDict):
        return dict
    if isinstance(value, FixedList):
        return list
    return type(value)


def make_fixed(value: Any) -> Any:
    """Wrap nested dicts and lists of `value` in `FixedDict` and `FixedList`."""
    if isinstance(value, dict):
        return FixedDict({key: make_fixed(item) for key, item in value.items()})
    if isinstance(value, list):
        return FixedList(make_fixed(item) for item in value)
    if isinstance(value, tuple):
        return tuple(make_fixed(item) for item in value)
    return value

