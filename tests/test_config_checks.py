"""Suspicious config modification checks, compared with Sacred 0.8.7's warnings."""

from __future__ import annotations

import logging

import pytest
from sacred import Experiment
from sacred.initialize import create_run
from sacred.utils import ConfigAddedError as SacredConfigAddedError

from jupyter_sacred.config import (
    ConfigAddedError,
    ConfigScope,
    ConfigSummary,
    build_config,
    check_config_changes,
)


def base():
    batch = 32
    lr = 0.1
    opt = {"name": "sgd"}
    tag = None


def _sacred_warnings(updates, caplog):
    ex = Experiment("oracle", save_git_info=False)
    ex.config(base)

    @ex.main
    def main(batch, lr, opt, tag, extra_used):
        pass

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_run(ex, "main", config_updates=updates)
    return [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]


USED = {"batch", "lr", "opt", "tag", "extra_used"}


@pytest.mark.parametrize(
    "updates",
    [
        {},
        {"batch": 64},
        {"batch": 0.5},
        {"lr": 1},
        {"lr": "fast", "batch": True},
        {"extra_used": 1},
        {"opt.momentum": 0.9},
        {"tag": "x"},
        {"opt": "adam"},
    ],
)
def test_checks_match_sacred(updates, caplog):
    expected = _sacred_warnings(updates, caplog)
    summary = build_config([ConfigScope(base)], updates=updates).modifications

    warnings = check_config_changes(summary, USED)

    assert sorted(warnings) == sorted(expected)


def test_checks_unused_key_raises(caplog):
    with pytest.raises(SacredConfigAddedError):
        _sacred_warnings({"bacth": 64}, caplog)
    summary = build_config([ConfigScope(base)], updates={"bacth": 64}).modifications

    with pytest.raises(ConfigAddedError) as info:
        check_config_changes(summary, USED)

    assert info.value.key == "bacth"
    assert "batch" in str(info.value)
    assert '"bacth"' in str(info.value)


def test_checks_prefix_counts_as_used():
    summary = ConfigSummary(added={"opt.deep.new"})

    warnings = check_config_changes(summary, {"opt"})

    assert warnings == ['Added new config entry: "opt.deep.new"']


def test_checks_doc_always_used():
    summary = ConfigSummary(added={"__doc__"})

    assert check_config_changes(summary, set()) == ['Added new config entry: "__doc__"']


def test_checks_int_float_silent():
    summary = ConfigSummary(typechanged={"a": (int, float), "b": (float, int), "c": (int, bool)})

    warnings = check_config_changes(summary, {"a", "b", "c"})

    assert warnings == ['Changed type of config entry "c" from int to bool']


def test_checks_no_suggestion_lists_keys():
    summary = ConfigSummary(added={"zzz"})

    with pytest.raises(ConfigAddedError, match="Possible config keys are: alpha, beta"):
        check_config_changes(summary, {"alpha", "beta", "_run"})
