"""Config key rules: keys must be storable in MongoDB and by jsonpickle."""

from __future__ import annotations

from jsonpickle.tags import RESERVED

from .errors import ConfigKeyError

# A dict key equal to a jsonpickle tag is silently dropped when the config is stored.
JSONPICKLE_TAGS = frozenset(RESERVED)


def validate_key(key: object, path: str = "") -> None:
    """Raise `ConfigKeyError` if `key` (found inside `path`) breaks a key rule.

    The rules are Sacred's defaults: a str key contains no "." and no "=",
    does not start with "$", and is not a jsonpickle tag or "json://..." string.
    Non-str keys are allowed.
    """
    if not isinstance(key, str):
        return
    if "." in key:
        raise ConfigKeyError(key, path, 'a config key cannot contain "." (MongoDB field rule)')
    if key.startswith("$"):
        raise ConfigKeyError(key, path, 'a config key cannot start with "$" (MongoDB field rule)')
    if key in JSONPICKLE_TAGS or key.startswith("json://"):
        raise ConfigKeyError(key, path, "a config key cannot be a jsonpickle tag")
    if "=" in key:
        raise ConfigKeyError(key, path, 'a config key cannot contain "="')
