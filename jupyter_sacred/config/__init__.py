"""The configuration layer: config scopes, named configs, config updates and their summary."""

from __future__ import annotations

from .build import ConfigDict, ConfigResult, as_config_source, build_config
from .checks import check_config_changes
from .errors import (
    ConfigAddedError,
    ConfigError,
    ConfigKeyError,
    ConfigScopeError,
    ConfigSeedError,
    ConfigUpdateError,
    NamedConfigNotFoundError,
)
from .format import format_config, format_named_configs
from .keys import validate_key
from .scope import ConfigScope
from .seeding import create_rnd, get_seed, set_global_seeds
from .summary import ConfigSummary
from .updates import parse_config_updates, parse_value

__all__ = [
    "ConfigAddedError",
    "ConfigDict",
    "ConfigError",
    "ConfigKeyError",
    "ConfigResult",
    "ConfigScope",
    "ConfigScopeError",
    "ConfigSeedError",
    "ConfigSummary",
    "ConfigUpdateError",
    "NamedConfigNotFoundError",
    "as_config_source",
    "build_config",
    "check_config_changes",
    "create_rnd",
    "format_config",
    "format_named_configs",
    "get_seed",
    "parse_config_updates",
    "parse_value",
    "set_global_seeds",
    "validate_key",
]
