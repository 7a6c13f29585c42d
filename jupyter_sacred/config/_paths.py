"""Dotted paths into nested config dicts ("optimizer.lr")."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def join_paths(*parts: str) -> str:
    return ".".join(str(part).strip(".") for part in parts if part)


def iter_prefixes(path: str) -> Iterator[str]:
    """Yield every non-empty prefix of `path`: "a.b.c" gives "a", "a.b", "a.b.c"."""
    parts = path.split(".")
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])


def set_by_dotted_path(target: dict, path: str, value: Any) -> None:
    """Set `value` at `path`, creating intermediate dicts where a key is missing.

    An intermediate entry that is not a dict is replaced by one.
    """
    *parents, last = path.split(".")
    current = target
    for part in parents:
        if not isinstance(current.get(part), dict):
            current[part] = {}
        current = current[part]
    current[last] = value


def get_by_dotted_path(source: Mapping, path: str, default: Any = None) -> Any:
    current: Any = source
    for part in path.split(".") if path else ():
        if not isinstance(current, Mapping) or part not in current:
            return default
        current = current[part]
    return current


def iterate_flattened(tree: Mapping) -> Iterator[tuple[str, Any]]:
    """Yield (dotted path, value) for every leaf, in sorted key order.

    An empty dict counts as a leaf.
    """
    for key in sorted(tree):
        value = tree[key]
        if isinstance(value, dict) and value:
            for sub_path, sub_value in iterate_flattened(value):
                yield join_paths(key, sub_path), sub_value
        else:
            yield key, value


def convert_to_nested_dict(dotted: Mapping[str, Any]) -> dict:
    """Turn {"a.b": 1} into {"a": {"b": 1}}; later paths win on conflicts."""
    nested: dict = {}
    for path, value in iterate_flattened(dotted):
        set_by_dotted_path(nested, path, value)
    return nested


def recursive_fill_in(config: dict, preset: Mapping) -> None:
    """Copy entries of `preset` into `config` where `config` lacks them, recursing into dicts."""
    for key in preset:
        if key not in config:
            config[key] = preset[key]
        elif isinstance(config[key], dict) and isinstance(preset[key], dict):
            recursive_fill_in(config[key], preset[key])


def recursive_update(target: dict, update: Mapping) -> dict:
    for key, value in update.items():
        if isinstance(value, Mapping):
            target[key] = recursive_update(target.get(key, {}), value)
        else:
            target[key] = value
    return target
