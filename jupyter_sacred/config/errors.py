"""Exceptions of the configuration layer.

Every error is a `ConfigError`, which is a `ValueError`, so callers that only
want to report bad configuration input can catch one class.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ConfigError(ValueError):
    """Invalid configuration input: a config scope, key, update or named config."""


class ConfigScopeError(ConfigError):
    """A config scope cannot be compiled or evaluated."""

    def __init__(self, scope_name: str, problem: str, lineno: int | None = None):
        self.scope_name = scope_name
        self.problem = problem
        self.lineno = lineno
        where = f" (line {lineno})" if lineno is not None else ""
        super().__init__(f"Config scope {scope_name!r}{where}: {problem}")


class ConfigKeyError(ConfigError):
    """A config key breaks the key rules (no '.', no leading '$', no '=', no jsonpickle tag)."""

    def __init__(self, key: object, path: str, rule: str):
        self.key = key
        self.path = path
        self.rule = rule
        location = f" at {path!r}" if path else ""
        super().__init__(f"Invalid config key {key!r}{location}: {rule}. Rename the key.")


class ConfigUpdateError(ConfigError):
    """A config update token such as `lr=0.1` cannot be parsed."""

    def __init__(self, token: str, problem: str):
        self.token = token
        self.problem = problem
        super().__init__(
            f"Invalid config update {token!r}: {problem}. "
            "Write 'key=value' with a dotted key such as 'optimizer.lr=0.01', "
            "or the bare name of a named config."
        )


class NamedConfigNotFoundError(ConfigError):
    """A named config was selected that the experiment does not define."""

    def __init__(self, named_config: str, available: Iterable[str]):
        self.named_config = named_config
        self.available = tuple(available)
        names = ", ".join(repr(name) for name in self.available) or "none"
        super().__init__(
            f"Named config not found: {named_config!r}. Available named configs: {names}."
        )


class ConfigSeedError(ConfigError):
    """The `seed` config entry is not an integer."""

    def __init__(self, seed: object):
        self.seed = seed
        super().__init__(
            f"The config entry 'seed' must be an int, but is {seed!r} "
            f"({type(seed).__name__}). Set seed to an integer such as 42."
        )


class ConfigAddedError(ConfigError):
    """A config update or named config added a key that no function reads."""

    def __init__(self, key: str, used_names: Iterable[str]):
        self.key = key
        self.used_names = sorted(set(used_names) - _SPECIAL_NAMES)
        message = (
            f'Added new config entry "{key}" that is not used anywhere. '
            "Fix the spelling, or add it anyway with -f/--force (command line and %%experiment line) "
            "or options={'--force': True} (ex.run)."
        )
        close = difflib.get_close_matches(key.split(".")[0], self.used_names, n=3)
        if close:
            message += f" Did you mean: {', '.join(close)}?"
        elif self.used_names:
            message += f" Possible config keys are: {', '.join(self.used_names)}."
        super().__init__(message)


# Names that captured functions receive from the run, never from the config.
_SPECIAL_NAMES = frozenset({"_log", "_config", "_seed", "_rnd", "_run", "__doc__"})
