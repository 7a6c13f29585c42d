"""Evaluate a MongoDB-style query dict on a run document held in memory.

Folder stores have no server, so ``load_runs(query=...)`` is matched here with
the subset of MongoDB's query language that fits run documents: equality on
dotted paths, ``$eq $ne $gt $gte $lt $lte $in $nin $exists $regex``, and
``$and $or $nor``.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .errors import InvalidFilterError

_MISSING = object()


def lookup(document: Any, path: str) -> Any:
    """Return the value at a dotted path, or a sentinel when a part is missing."""
    value = document
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def query_paths(query: dict) -> set[str]:
    """Return the first path component of every field a query reads."""
    paths: set[str] = set()
    for key, condition in query.items():
        if key in ("$and", "$or", "$nor"):
            for sub in condition:
                paths |= query_paths(sub)
        else:
            paths.add(key.split(".", 1)[0])
    return paths


def matches(document: dict, query: dict) -> bool:
    """Tell whether ``document`` satisfies every condition of ``query``."""
    for key, condition in query.items():
        if key == "$and":
            ok = all(matches(document, sub) for sub in condition)
        elif key == "$or":
            ok = any(matches(document, sub) for sub in condition)
        elif key == "$nor":
            ok = not any(matches(document, sub) for sub in condition)
        elif key.startswith("$"):
            raise InvalidFilterError("query", {key: condition}, "a field path or $and/$or/$nor at the top level")
        else:
            ok = _match_field(lookup(document, key), condition)
        if not ok:
            return False
    return True


def _match_field(value: Any, condition: Any) -> bool:
    if isinstance(condition, dict) and condition and all(k.startswith("$") for k in condition):
        return all(_apply(op, value, operand) for op, operand in condition.items())
    return _equal(value, condition)


def _equal(value: Any, operand: Any) -> bool:
    if value is _MISSING:
        return operand is None
    if isinstance(value, list) and not isinstance(operand, list):
        return operand in value
    return value == operand


def _compare(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def apply(value: Any, operand: Any) -> bool:
        if value is _MISSING or value is None:
            return False
        try:
            return test(value, operand)
        except TypeError:
            return False

    return apply


def _regex(value: Any, operand: Any) -> bool:
    return isinstance(value, str) and re.search(operand, value) is not None


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": _equal,
    "$ne": lambda value, operand: not _equal(value, operand),
    "$gt": _compare(lambda value, operand: value > operand),
    "$gte": _compare(lambda value, operand: value >= operand),
    "$lt": _compare(lambda value, operand: value < operand),
    "$lte": _compare(lambda value, operand: value <= operand),
    "$in": lambda value, operand: any(_equal(value, item) for item in operand),
    "$nin": lambda value, operand: not any(_equal(value, item) for item in operand),
    "$exists": lambda value, operand: (value is not _MISSING) == bool(operand),
    "$regex": _regex,
}


def _apply(op: str, value: Any, operand: Any) -> bool:
    try:
        test = _OPERATORS[op]
    except KeyError:
        supported = " ".join(sorted(_OPERATORS))
        raise InvalidFilterError("query", {op: operand}, f"one of the operators {supported}") from None
    return test(value, operand)
