"""Make run data storable in MongoDB: key sanitising, size accounting, output capping."""

from __future__ import annotations

import logging
import math
from typing import Any

import bson

logger = logging.getLogger(__name__)

# MongoDB rejects documents over 16 MiB (maxBsonObjectSize). The margin leaves
# room for the update command that wraps the fields and for small fields that
# change between two size checks.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
DOCUMENT_MARGIN_BYTES = 256 * 1024
_INT64 = (-(2**63), 2**63 - 1)

TRUNCATION_MARKER = (
    "[jupyter_sacred: the first {dropped} characters of the captured output were dropped "
    "to keep the run document under MongoDB's 16 MB limit; the full output is stored "
    "as the artifact {name}]\n"
)


def force_valid_key(key: Any) -> str:
    """Rewrite a key the way Sacred's ``force_bson_encodeable`` does: ``$x`` -> ``@x``, ``.`` -> ``,``."""
    key = str(key)
    if key.startswith("$"):
        key = "@" + key[1:]
    return key.replace(".", ",")


def _is_valid_key(key: Any) -> bool:
    return isinstance(key, str) and not key.startswith("$") and "." not in key and "\x00" not in key


def sanitize(value: Any, renamed: set[str], path: str = "") -> Any:
    """Return ``value`` with every key MongoDB rejects rewritten and every unencodable value made a string.

    Keys with a ``.`` or a leading ``$`` follow Sacred's rules (see
    `force_valid_key`). Their dotted paths are added to ``renamed`` so the
    caller can log them. Unchanged containers are returned as they are.
    """
    if isinstance(value, dict):
        changed = False
        result = {}
        for key, item in value.items():
            new_key = key
            if not _is_valid_key(key):
                new_key = force_valid_key(key).replace("\x00", "")
                renamed.add(f"{path}{key}")
                changed = True
            new_item = sanitize(item, renamed, f"{path}{key}.")
            changed = changed or new_item is not item
            result[new_key] = new_item
        return result if changed else value
    if isinstance(value, list):
        items = [sanitize(item, renamed, path) for item in value]
        if any(new is not old for new, old in zip(items, value)):
            return items
        return value
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return value if _INT64[0] <= value <= _INT64[1] else str(value)
    try:
        bson.encode({"value": value})
    except (bson.errors.InvalidDocument, OverflowError, TypeError):
        return str(value)
    return value


def encoded_size(value: Any) -> int:
    """Return the number of BSON bytes ``value`` takes as a field of a document."""
    return len(bson.encode({"v": value}))


def has_non_finite(values: list) -> bool:
    return any(isinstance(item, float) and not math.isfinite(item) for item in values)


def replace_non_finite(values: list) -> list:
    """Return ``values`` with NaN and infinities replaced by ``None``."""
    return [None if isinstance(item, float) and not math.isfinite(item) else item for item in values]


def cap_text(text: str, max_bytes: int, artifact_name: str) -> tuple[str, bool]:
    """Return ``text`` cut at the front to at most ``max_bytes`` UTF-8 bytes, and whether it was cut.

    A cut text starts with a line saying how many characters were dropped and
    where the full text is stored.
    """
    if len(text) * 4 <= max_bytes or len(text.encode("utf-8")) <= max_bytes:
        return text, False
    marker_budget = len(TRUNCATION_MARKER.format(dropped=len(text), name=artifact_name).encode("utf-8"))
    keep_bytes = max(max_bytes - marker_budget, 0)
    tail = text.encode("utf-8")[-keep_bytes:] if keep_bytes else b""
    # A cut inside a multi-byte character leaves continuation bytes, which are dropped.
    kept = tail.decode("utf-8", errors="ignore")
    dropped = len(text) - len(kept)
    return TRUNCATION_MARKER.format(dropped=dropped, name=artifact_name) + kept, True
