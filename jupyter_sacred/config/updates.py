"""Parsing config updates from command lines and magic lines: `lr=0.1 'name="x"' variant`."""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from typing import Any

from ._paths import set_by_dotted_path
from .errors import ConfigUpdateError


def parse_config_updates(tokens: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """Split tokens into nested config updates and named config names.

    A token `key=value` sets the dotted `key` to `value` parsed as a Python
    literal. A value that is not a literal stays a string, so `name=adam`
    gives "adam". A token without "=" names a named config. Blank tokens
    are skipped. Raises `ConfigUpdateError` for any other token.
    """
    updates: dict[str, Any] = {}
    named_configs: list[str] = []
    for token in tokens:
        if not isinstance(token, str):
            raise ConfigUpdateError(repr(token), f"expected a str token, got {type(token).__name__}")
        if token.strip() == "":
            continue
        key, sep, raw_value = token.partition("=")
        key = key.strip()
        if not sep:
            # Any other name is looked up later; an unknown one raises
            # NamedConfigNotFoundError listing the available names.
            named_configs.append(key)
            continue
        _check_key(token, key)
        set_by_dotted_path(updates, key, parse_value(raw_value.strip()))
    return updates, named_configs


def parse_value(text: str) -> Any:
    """Parse `text` as a Python literal, falling back to the text itself.

    A dict carrying jsonpickle tags (as in `{"py/tuple": [1, 2]}`) is decoded
    as Sacred decodes it, but only for the value types that the read side
    rebuilds without running code: tuples, sets, bytes, datetimes and numpy
    values. Other tags, such as `py/reduce` or `py/object` of any class, stay
    as parsed, so a config update never imports or calls anything.
    """
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    return _restore_jsonpickle(value)


def _restore_jsonpickle(value: Any) -> Any:
    if not isinstance(value, (dict, list)):
        return value
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):  # sets, bytes, non-str keys: not jsonpickle output
        return value
    if '"py/' not in text and '"json://' not in text:
        # Plain literals skip the JSON round trip, which would turn int keys into str.
        return value
    from jupyter_sacred.records._decode import decode_value

    return decode_value(json.loads(text))


def _check_key(token: str, key: str) -> None:
    if not key:
        raise ConfigUpdateError(token, "the key before '=' is empty")
    if not all(part.isidentifier() for part in key.split(".")):
        raise ConfigUpdateError(
            token, f"the key {key!r} is not a dotted path of Python identifiers"
        )
