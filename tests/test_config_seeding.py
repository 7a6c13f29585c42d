"""The run seed in the config and the seeding helpers."""

from __future__ import annotations

import random
import sys

import numpy as np
import pytest
from sacred.randomness import create_rnd as sacred_create_rnd
from sacred.randomness import get_seed as sacred_get_seed

import jupyter_sacred.config as config_package
from jupyter_sacred.config import (
    ConfigError,
    ConfigKeyError,
    ConfigScope,
    ConfigSeedError,
    NamedConfigNotFoundError,
    build_config,
    create_rnd,
    get_seed,
    set_global_seeds,
    validate_key,
)


def test_seed_drawn_when_missing():
    random.seed(42)
    expected = random.randint(1, 10**9)
    random.seed(42)

    result = build_config([{"a": 1}])

    assert result.config["seed"] == expected
    assert "seed" not in result.modifications.added
    assert "seed" not in result.modifications.modified


def test_seed_update_is_modified():
    result = build_config([{"a": 1}], updates={"seed": 5})

    assert result.seed == 5
    assert "seed" in result.modifications.modified
    assert "seed" not in result.modifications.added


@pytest.mark.parametrize("seed", [1.0, "7", True, [1]])
def test_seed_must_be_int(seed):
    with pytest.raises(ConfigSeedError, match="must be an int") as info:
        build_config([], updates={"seed": seed})

    assert info.value.seed == seed


def test_seed_none_redrawn():
    result = build_config([{"seed": None}])

    assert isinstance(result.seed, int)


def test_rnd_matches_sacred():
    ours = create_rnd(123)
    theirs = sacred_create_rnd(123)

    assert [get_seed(ours) for _ in range(5)] == [sacred_get_seed(theirs) for _ in range(5)]


def test_get_seed_global_random():
    random.seed(9)
    expected = sacred_get_seed()
    random.seed(9)

    assert get_seed() == expected


def test_get_seed_random_instance():
    assert get_seed(random.Random(4)) == random.Random(4).randint(1, 10**9)


def test_create_rnd_rejects_float():
    with pytest.raises(ConfigSeedError):
        create_rnd(1.5)


def test_global_seeds_repeatable():
    set_global_seeds(77)
    first = (random.random(), np.random.rand())
    set_global_seeds(77)
    second = (random.random(), np.random.rand())

    assert first == second


def test_global_seeds_no_torch_import():
    had_torch = "torch" in sys.modules
    had_tensorflow = "tensorflow" in sys.modules
    set_global_seeds(1)

    assert ("torch" in sys.modules) == had_torch
    assert ("tensorflow" in sys.modules) == had_tensorflow


def test_global_seeds_imported_torch(monkeypatch):
    calls = []

    class FakeCuda:
        @staticmethod
        def is_available():
            return True

        @staticmethod
        def manual_seed_all(seed):
            calls.append(("cuda", seed))

    class FakeTorch:
        cuda = FakeCuda

        @staticmethod
        def manual_seed(seed):
            calls.append(("cpu", seed))

    monkeypatch.setitem(sys.modules, "torch", FakeTorch)
    set_global_seeds(3)

    assert calls == [("cpu", 3), ("cuda", 3)]


@pytest.mark.parametrize(
    "key",
    ["a.b", "$set", "py/object", "py/tuple", "json://1", "a=b"],
)
def test_key_rules_reject(key):
    with pytest.raises(ConfigKeyError) as info:
        validate_key(key, "outer.inner")

    assert info.value.key == key
    assert "outer.inner" in str(info.value)


@pytest.mark.parametrize("key", ["_private", "a$", "py", 1, ("t",), "with space"])
def test_key_rules_accept(key):
    validate_key(key)


def test_key_rules_in_updates():
    with pytest.raises(ConfigKeyError):
        build_config([{"a": 1}], updates={"a": {"$bad": 1}})


def test_key_rules_in_dict_config():
    with pytest.raises(ConfigKeyError) as info:
        build_config([{"outer": {"inner": {"py/id": 1}}}])

    assert info.value.path == "outer.inner"


def test_named_config_not_found():
    with pytest.raises(NamedConfigNotFoundError) as info:
        build_config([], named_configs={"small": {}, "big": {}}, selected=["huge"])

    assert "'huge'" in str(info.value)
    assert "'small'" in str(info.value)
    assert "'big'" in str(info.value)


def test_errors_share_base():
    for name in config_package.__all__:
        value = getattr(config_package, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, ConfigError)
            assert issubclass(value, ValueError)


def test_all_names_exported():
    for name in config_package.__all__:
        assert hasattr(config_package, name)
    assert {"build_config", "ConfigScope", "parse_config_updates", "format_config"} <= set(
        config_package.__all__
    )


def test_scope_and_dict_named_configs():
    def variant():
        a = 10

    result = build_config(
        [{"a": 1, "b": 2}],
        named_configs={"variant": ConfigScope(variant), "as_dict": {"b": 20}},
        selected=["variant", "as_dict"],
    )

    assert result.config["a"] == 10
    assert result.config["b"] == 20
    assert result.modifications.modified == {"a", "b"}
