"""Building a run's config from config scopes, named configs and config updates."""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from ._paths import convert_to_nested_dict, iterate_flattened, recursive_fill_in, set_by_dotted_path
from ._values import normalize_value
from .docs import SEED_DOC
from .errors import ConfigSeedError, NamedConfigNotFoundError
from .fixed import make_fixed
from .keys import validate_key
from .scope import ConfigScope
from .seeding import SEED_RANGE
from .summary import ConfigSummary


class ConfigDict:
    """A config source from a plain dict, as `ex.add_config(dict)` gives."""

    def __init__(self, values: Mapping[str, Any], doc: str | None = None):
        self.values = normalize_value(dict(values))
        self.__doc__ = doc

    def __call__(
        self,
        fixed: Mapping[str, Any] | None = None,
        preset: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any], ConfigSummary]:
        """Return the entries with `fixed` applied, and their summary (see `ConfigScope`)."""
        result = make_fixed(dict(fixed or {}))
        recursive_fill_in(result, self.values)
        recursive_fill_in(result, preset or {})
        added = result.reveal()
        summary = ConfigSummary(added, result.modified, result.typechanges)
        return normalize_value(result), summary

    def __repr__(self) -> str:
        return f"<ConfigDict {sorted(self.values)}>"


ConfigSource = Union[ConfigScope, ConfigDict]
ConfigSourceLike = Union[ConfigScope, ConfigDict, Mapping[str, Any], Callable[..., Any]]


def as_config_source(source: ConfigSourceLike) -> ConfigSource:
    """Wrap a dict in a `ConfigDict` and a function in a `ConfigScope`."""
    if isinstance(source, (ConfigScope, ConfigDict)):
        return source
    if isinstance(source, Mapping):
        return ConfigDict(source)
    if inspect.isfunction(source):
        return ConfigScope(source)
    raise TypeError(
        f"A config source must be a dict, a function or a ConfigScope, not {type(source).__name__}"
    )


@dataclass
class ConfigResult:
    """The final config of a run and its config modifications."""

    config: dict[str, Any]
    modifications: ConfigSummary

    @property
    def seed(self) -> int:
        return self.config["seed"]


def build_config(
    scopes: Sequence[ConfigSourceLike] = (),
    *,
    named_configs: Mapping[str, ConfigSourceLike] | None = None,
    selected: Sequence[str] = (),
    updates: Mapping[str, Any] | None = None,
) -> ConfigResult:
    """Evaluate the config of a run the way Sacred does.

    The selected named configs run first, in order, with the config updates
    fixed; later named configs win. Their entries then join the updates, and
    the config scopes run in order with all of those fixed, so values derived
    from fixed entries are recomputed. `updates` may use dotted keys
    ("optimizer.lr"). The root "seed" entry is kept if given, else drawn
    from `random.randint(1, 10**9)`.
    """
    named_configs = named_configs or {}
    fixed = _nested_updates(updates or {})

    # Every named config runs with only the config updates fixed; its
    # parameters read the entries of the named configs before it.
    presets: dict[str, Any] = {}
    named_values: list[dict[str, Any]] = []
    for name in selected:
        named_config = _find_named_config(name, named_configs)
        values, _ = named_config(fixed=fixed, preset=presets)
        named_values.append(values)
        for path, value in iterate_flattened(values):
            set_by_dotted_path(presets, path, value)
    for values in named_values:
        for path, value in iterate_flattened(values):
            set_by_dotted_path(fixed, path, value)

    config: dict[str, Any] = {}
    summaries = []
    sources = [as_config_source(scope) for scope in scopes]
    for source in sources:
        values, summary = source(fixed=fixed, preset=config)
        summaries.append(summary)
        config.update(values)
    if not sources:
        config.update(normalize_value(fixed))

    modifications = ConfigSummary(added={path for path, _ in iterate_flattened(fixed)})
    for summary in summaries:
        modifications.update_from(summary)
    _set_up_seed(config, modifications)
    return ConfigResult(config, modifications)


def _nested_updates(updates: Mapping[str, Any]) -> dict[str, Any]:
    nested = convert_to_nested_dict(updates)
    for key in nested:
        validate_key(key)
    return normalize_value(nested)


def _find_named_config(name: str, named_configs: Mapping[str, ConfigSourceLike]) -> ConfigSource:
    if name not in named_configs:
        raise NamedConfigNotFoundError(name, named_configs)
    return as_config_source(named_configs[name])


def _set_up_seed(config: dict[str, Any], modifications: ConfigSummary) -> None:
    seed = config.get("seed")
    if seed is None:
        seed = random.randint(*SEED_RANGE)
    elif isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigSeedError(seed)
    config["seed"] = seed

    if "seed" in modifications.added:
        modifications.added.discard("seed")
        modifications.modified.add("seed")
    modifications.docs.setdefault("seed", SEED_DOC)
