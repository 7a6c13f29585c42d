"""Config results and print_config text compared with Sacred 0.8.7 as the oracle."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sacred import Experiment
from sacred.commands import _format_config
from sacred.config import ConfigScope as SacredConfigScope
from sacred.config.custom_containers import DogmaticDict, DogmaticList
from sacred.initialize import create_run

from jupyter_sacred.config import ConfigScope, build_config, format_config

# --- config scopes and named configs shared by the cases -----------------------


def training():
    """Training setup"""
    batch = 64  # batch size
    # learning rate
    lr = 0.01
    opt = {"name": "sgd", "momentum": 0.9}
    steps = batch * 10
    shape = (3, 4)
    note = None  # pylint: disable=invalid-name


def derived(batch, lr):
    # scaled learning rate
    scaled_lr = lr * batch / 256

    warmup = int(batch / 8)  # warmup steps


def documented():
    # pylint: disable=unused-variable
    plain = 1

    # the width

    width, height = 10, 20  # noinspection PyUnusedLocal
    _private = "kept"
    nested = {"deep": {"er": [1, (2, 3)]}}
    if width > 5:
        wide = True  # set when wide
    numpy_value = np.float32(0.5)
    numpy_int = np.int64(3)


def variant_big():
    """Big batches."""
    batch = 256
    opt = {"name": "adam"}


def variant_fast(batch):
    lr = 0.1
    fast_batch = batch * 2


def variant_small():
    batch = 16
    lr = 0.2


def variant_multiline():
    """First line.

    More detail about this variant.
    """
    steps = 5


def seeded():
    seed = 1234
    value = 1


SCOPES = {
    "training": training,
    "derived": derived,
    "documented": documented,
    "seeded": seeded,
}
NAMED = {
    "big": variant_big,
    "fast": variant_fast,
    "small": variant_small,
    "multiline": variant_multiline,
}

CASES = {
    "defaults": (["training"], [], {}),
    "updates": (["training"], [], {"batch": 32, "lr": "fast", "opt.nesterov": True, "extra": 7}),
    "typechanges": (["training"], [], {"note": 3, "shape": [5, 6], "steps": 1.5, "opt": 1}),
    "named": (["training", "derived"], ["big"], {}),
    "named_then_update": (["training", "derived"], ["big", "fast"], {"batch": 8}),
    "later_named_wins": (["training"], ["small", "big"], {}),
    "derived_follow": (["training", "derived"], [], {"batch": 512, "lr": 0.5}),
    "nested_fixed": (["training"], [], {"opt.momentum": 0.5, "opt.extra": {"a": 1}}),
    "comments": (["documented"], [], {"width": 1, "nested.deep.er": [7]}),
    "seed_update": (["training"], [], {"seed": 99}),
    "seed_in_scope": (["seeded"], [], {}),
    "seed_scope_updated": (["seeded"], [], {"seed": 5, "value": 2}),
    "multiline_doc": (["training"], ["multiline"], {}),
    "int_to_bool": (["training"], [], {"batch": True}),
}


def _sacred_result(scopes, selected, updates, seed):
    ex = Experiment("oracle", save_git_info=False)
    for name in scopes:
        ex.config(SCOPES[name])
    for name, function in NAMED.items():
        ex._add_named_config(name, SacredConfigScope(function))

    @ex.main
    def main():
        pass

    random.seed(seed)
    run = create_run(ex, "main", config_updates=dict(updates), named_configs=selected, force=True)
    return run.config, run.config_modifications


def _ours(scopes, selected, updates, seed):
    random.seed(seed)
    named = {name: ConfigScope(function) for name, function in NAMED.items()}
    return build_config(
        [ConfigScope(SCOPES[name]) for name in scopes],
        named_configs=named,
        selected=selected,
        updates=updates,
    )


def _plain(kind):
    return {DogmaticDict: dict, DogmaticList: list}.get(kind, kind)


def _plain_typechanges(typechanged):
    return {key: (_plain(old), _plain(new)) for key, (old, new) in typechanged.items()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_matches_sacred(case):
    scopes, selected, updates = CASES[case]
    expected_config, expected_mods = _sacred_result(scopes, selected, updates, seed=7)

    result = _ours(scopes, selected, updates, seed=7)

    assert result.config == expected_config
    assert result.modifications.added == expected_mods.added
    assert result.modifications.modified == expected_mods.modified
    assert result.modifications.typechanged == _plain_typechanges(expected_mods.typechanged)
    assert result.modifications.docs == expected_mods.docs


@pytest.mark.parametrize("case", sorted(CASES))
def test_print_config_matches_sacred(case):
    scopes, selected, updates = CASES[case]
    expected_config, expected_mods = _sacred_result(scopes, selected, updates, seed=11)

    result = _ours(scopes, selected, updates, seed=11)

    assert format_config(result.config, result.modifications) == _format_config(
        expected_config, expected_mods
    )


def test_dict_config_matches_sacred():
    ex = Experiment("oracle", save_git_info=False)
    ex.add_config({"a": 1, "b": {"c": (1, 2)}, "d": None})
    ex.add_config(e=np.float64(2.5))
    ex.add_named_config("variant", {"a": 10, "b": {"x": 1}})

    @ex.main
    def main():
        pass

    updates = {"d": "set", "b.c": [3]}
    random.seed(3)
    run = create_run(ex, "main", config_updates=dict(updates), named_configs=["variant"], force=True)

    random.seed(3)
    result = build_config(
        [{"a": 1, "b": {"c": (1, 2)}, "d": None}, {"e": np.float64(2.5)}],
        named_configs={"variant": {"a": 10, "b": {"x": 1}}},
        selected=["variant"],
        updates=updates,
    )

    assert result.config == run.config
    assert result.modifications.added == run.config_modifications.added
    assert result.modifications.modified == run.config_modifications.modified
    assert result.modifications.typechanged == run.config_modifications.typechanged


def test_dict_config_seed_documented():
    # Sacred documents "seed" only when a config scope exists; we always do.
    result = build_config([{"a": 1}])

    assert result.modifications.docs["seed"] == "the random seed for this experiment"


def test_updates_without_scopes_match_sacred():
    ex = Experiment("oracle", save_git_info=False)

    @ex.main
    def main():
        pass

    random.seed(5)
    run = create_run(ex, "main", config_updates={"a.b": 1, "c": [1]}, force=True)
    random.seed(5)
    result = build_config([], updates={"a.b": 1, "c": [1]})

    assert result.config == run.config
    assert result.modifications.added == run.config_modifications.added
    assert result.modifications.modified == run.config_modifications.modified


UPDATE_KEYS = ["batch", "lr", "opt", "opt.name", "opt.momentum", "new", "new.deep", "steps", "note", "shape"]
UPDATE_VALUES = st.one_of(
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=3),
    st.none(),
    st.booleans(),
    st.dictionaries(st.sampled_from(["a", "name", "momentum"]), st.integers(0, 3), max_size=2),
)


def _without_prefix_conflicts(updates):
    # Sacred fails with a TypeError when "a" and "a.b" are both updated.
    keys = sorted(updates)
    return not any(other.startswith(key + ".") for key in keys for other in keys)


@settings(max_examples=25, deadline=None)
@given(
    updates=st.dictionaries(st.sampled_from(UPDATE_KEYS), UPDATE_VALUES, max_size=4).filter(
        _without_prefix_conflicts
    ),
    selected=st.lists(st.sampled_from(["big", "small", "multiline"]), max_size=2),
)
def test_random_updates_match_sacred(updates, selected):
    scopes = ["training", "derived"]
    try:
        expected_config, expected_mods = _sacred_result(scopes, selected, updates, seed=1)
    except Exception as error:  # noqa: BLE001 - an update can break the scope's arithmetic
        with pytest.raises(type(error)):
            _ours(scopes, selected, updates, seed=1)
        return

    result = _ours(scopes, selected, updates, seed=1)

    assert result.config == expected_config
    assert result.modifications.added == expected_mods.added
    assert result.modifications.modified == expected_mods.modified
    assert result.modifications.typechanged == _plain_typechanges(expected_mods.typechanged)
    assert format_config(result.config, result.modifications) == _format_config(
        expected_config, expected_mods
    )
