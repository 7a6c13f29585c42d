"""Captured functions: config values, ``_run`` and friends injected by parameter name."""

from __future__ import annotations

import functools
import inspect
import logging
from typing import Any, Callable

SPECIAL_NAMES = frozenset({"_config", "_run", "_log", "_seed", "_rnd"})


class CapturedFunction:
    """A function whose missing arguments are filled from the current run's config.

    Precedence: explicit arguments, then config values (under ``prefix``),
    then the function's own defaults. Special names: ``_config`` (the config
    subtree), ``_run``, ``_log``, ``_seed`` (a new int per call) and ``_rnd``
    (a numpy ``Generator`` seeded from ``_seed``). Seeds follow Sacred's
    sequence: a function's generator is seeded once per run, and each call
    that requests ``_seed`` or ``_rnd`` draws the next seed from it, so a run
    with a fixed ``seed`` sees the same values as under Sacred.
    """

    def __init__(self, function: Callable, prefix: str | None = None) -> None:
        functools.update_wrapper(self, function)
        self.function = function
        self.prefix = prefix
        self.signature = inspect.signature(function)
        self.parameter_names = [
            name for name, parameter in self.signature.parameters.items()
            if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
        ]
        self.run: Any = None
        self.config: dict = {}
        self.rnd: Any = None
        self.log_parent: logging.Logger | None = None
        self.uses_randomness = "_seed" in self.parameter_names or "_rnd" in self.parameter_names

    def bind_run(self, run: Any, config: dict, seed: int | None, log_parent: logging.Logger | None = None) -> None:
        self.run = run
        self.log_parent = log_parent
        self.config = _subtree(config, self.prefix)
        self.rnd = None
        if seed is not None and self.uses_randomness:
            from jupyter_sacred.config.seeding import create_rnd

            self.rnd = create_rnd(seed)

    def unbind(self) -> None:
        self.run = None
        self.log_parent = None
        self.config = {}
        self.rnd = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        bound = self.signature.bind_partial(*args, **kwargs).arguments
        seed = None
        if self.uses_randomness:
            from jupyter_sacred.config.seeding import get_seed

            seed = get_seed(self.rnd)
        for name in self.parameter_names:
            if name in bound or name in kwargs:
                continue
            if name in SPECIAL_NAMES:
                value = self._special(name, seed)
                if value is not _MISSING:
                    kwargs[name] = value
            elif name in self.config:
                kwargs[name] = self.config[name]
        return self.function(*args, **kwargs)

    def _special(self, name: str, seed: int | None) -> Any:
        if name == "_config":
            return self.config
        if name == "_run":
            return self.run if self.run is not None else _MISSING
        if name == "_log":
            base = (self.log_parent or getattr(self.run, "run_logger", None)
                    or logging.getLogger("jupyter_sacred.run"))
            return base.getChild(self.function.__name__)
        if name == "_seed":
            return seed
        from jupyter_sacred.config.seeding import create_rnd

        return create_rnd(seed)

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return functools.partial(self.__call__, instance)


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _subtree(config: dict, prefix: str | None) -> dict:
    if not prefix:
        return config
    node: Any = config
    for part in prefix.split("."):
        if not isinstance(node, dict) or part not in node:
            return {}
        node = node[part]
    return node if isinstance(node, dict) else {}
