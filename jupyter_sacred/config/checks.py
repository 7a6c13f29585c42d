"""Checks for suspicious config modifications, run when a run is created."""

from __future__ import annotations

from collections.abc import Iterable

from ._paths import iter_prefixes
from .errors import ConfigAddedError
from .summary import ConfigSummary


def check_config_changes(summary: ConfigSummary, used_names: Iterable[str]) -> list[str]:
    """Return warning messages for suspicious config modifications.

    `used_names` are the dotted config paths that some function reads: the
    parameter names of the main function and the captured functions (with
    their prefix), or the names a notebook cell reads. "__doc__" always
    counts as used. An added entry none of whose prefixes is used raises
    `ConfigAddedError`; one that is used gives `Added new config entry: "x"`.
    A type change gives a warning unless it is between int and float.
    """
    used = set(used_names) | {"__doc__"}
    warnings = []
    for key in sorted(summary.added):
        if used.isdisjoint(iter_prefixes(key)):
            raise ConfigAddedError(key, used)
        warnings.append(f'Added new config entry: "{key}"')

    for key, (old_type, new_type) in summary.typechanged.items():
        if old_type in (int, float) and new_type in (int, float):
            continue
        warnings.append(
            f'Changed type of config entry "{key}" from {old_type.__name__} to {new_type.__name__}'
        )
    return warnings
