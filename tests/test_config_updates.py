"""Parsing config updates from command-line and magic-line tokens."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sacred.arg_parser import get_config_updates

from jupyter_sacred.config import ConfigUpdateError, parse_config_updates

VALID_TOKENS = [
    "a=1",
    "b=2.5",
    "c='text'",
    'd="quoted"',
    "e=adam",
    "f=[1, (2, 3)]",
    "g={'x': 1}",
    "h=None",
    "i=True",
    "opt.lr=0.01",
    "opt.name=sgd",
    " spaced = 4 ",
    "j=1e-3",
    "k=-7",
    "l=a=b",
    "m=",
    "n={'py/tuple': [1, 2]}",
    "variant",
    "other_variant",
    "",
]


def _tuples_as_lists(value):
    # Sacred's JSON round trip turns nested tuples into lists; build_config
    # normalises tuples to lists too, so only that difference is allowed.
    if isinstance(value, dict):
        return {key: _tuples_as_lists(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_tuples_as_lists(item) for item in value]
    if isinstance(value, tuple):
        return [_tuples_as_lists(item) for item in value]
    return value


@pytest.mark.parametrize("token", VALID_TOKENS)
def test_updates_match_sacred(token):
    updates, named = parse_config_updates([token])
    expected_updates, expected_named = get_config_updates([token])

    assert _tuples_as_lists(updates) == _tuples_as_lists(expected_updates)
    assert named == expected_named


def test_updates_all_tokens_match_sacred():
    updates, named = parse_config_updates(VALID_TOKENS)
    expected_updates, expected_named = get_config_updates(VALID_TOKENS)

    assert _tuples_as_lists(updates) == _tuples_as_lists(expected_updates)
    assert named == expected_named


def test_updates_jsonpickle_tuple():
    updates, _ = parse_config_updates(["t={'py/tuple': [1, 2]}"])

    assert updates["t"] == (1, 2)


def test_updates_int_keys_kept():
    updates, _ = parse_config_updates(["d={1: 'a'}"])

    assert updates["d"] == {1: "a"}


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("=5", "empty"),
        (" =5", "empty"),
        ("1a=2", "not a dotted path"),
        ("a..b=2", "not a dotted path"),
        ("a.=2", "not a dotted path"),
        ("a-b=1", "not a dotted path"),
        ("a b=1", "not a dotted path"),
    ],
)
def test_updates_invalid_token(token, problem):
    with pytest.raises(ConfigUpdateError, match=problem) as info:
        parse_config_updates([token])

    assert info.value.token == token
    assert repr(token) in str(info.value)
    assert "key=value" in str(info.value)


def test_updates_named_configs_in_order():
    updates, named = parse_config_updates(["second", "a=1", "first"])

    assert updates == {"a": 1}
    assert named == ["second", "first"]


def test_updates_later_token_wins():
    updates, _ = parse_config_updates(["a=1", "a=2", "b.c=1", "b.d=2"])

    assert updates == {"a": 2, "b": {"c": 1, "d": 2}}


def test_updates_dotted_after_leaf():
    updates, _ = parse_config_updates(["a=1", "a.b=2"])

    assert updates == {"a": {"b": 2}}


@given(st.lists(st.text()))
def test_updates_any_text(tokens):
    try:
        updates, named = parse_config_updates(tokens)
    except ConfigUpdateError as error:
        assert error.token in tokens
        return
    assert isinstance(updates, dict)
    assert all(isinstance(name, str) and name for name in named)


@given(st.from_regex(r"[a-z_][a-z0-9_]{0,5}(\.[a-z_][a-z0-9_]{0,5}){0,2}", fullmatch=True), st.text())
def test_updates_valid_key_any_value(key, value):
    updates, named = parse_config_updates([f"{key}={value}"])

    assert named == []
    assert updates


@given(st.text(alphabet="([{'\"\\)]}0123456789.e-+, :abc=\x00", max_size=40))
def test_updates_literal_like_values(value):
    try:
        parse_config_updates([f"key={value}"])
    except ConfigUpdateError as error:  # pragma: no cover - a valid key never fails
        pytest.fail(f"valid key rejected: {error}")
