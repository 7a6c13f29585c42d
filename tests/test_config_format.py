"""print_config and print_named_configs text, compared with Sacred 0.8.7."""

from __future__ import annotations

import re
from collections import OrderedDict

import pytest
from sacred.commands import _format_config, _format_named_configs
from sacred.config import ConfigDict as SacredConfigDict
from sacred.config import ConfigScope as SacredConfigScope
from sacred.config.config_summary import ConfigSummary as SacredSummary

from jupyter_sacred.config import (
    ConfigDict,
    ConfigScope,
    ConfigSummary,
    format_config,
    format_named_configs,
)


def one_line():
    """Small batches."""
    batch = 8


def multi_line():
    """Large model.

    Needs a GPU.
    """
    width = 1024


def undocumented():
    depth = 3


CONFIG = {
    "__doc__": "Top doc\nsecond line",
    "a_rather_long_config_key_name": "a long value that passes the doc column",
    "short": 1,
    "empty": {},
    "text": "it's",
    "opt": {"lr": 0.1, "inner": {"deep": [1, 2]}, "name": "adam"},
    "big": list(range(40)),
}
SUMMARY_FIELDS = {
    "added": {"opt.inner.deep", "text"},
    "modified": {"short"},
    "typechanged": {"opt.name": (int, str)},
    "docs": {
        "a_rather_long_config_key_name": "long key doc",
        "short": "short doc",
        "opt.inner": "the inner dict",
        "empty": "nothing here",
    },
}


def test_format_matches_sacred():
    ours = ConfigSummary(**SUMMARY_FIELDS)
    theirs = SacredSummary(**SUMMARY_FIELDS)

    assert format_config(CONFIG, ours) == _format_config(CONFIG, theirs)


def test_format_uncolored_same_text():
    summary = ConfigSummary(**SUMMARY_FIELDS)

    plain = format_config(CONFIG, summary, colored=False)

    assert plain == re.sub(r"\x1b\[\d+m", "", format_config(CONFIG, summary))
    assert "\x1b" not in plain
    assert plain.splitlines()[0] == "Configuration (modified, added, typechanged, doc):"


def test_format_empty_config():
    summary = ConfigSummary()

    assert format_config({}, summary) == _format_config({}, SacredSummary())


def test_named_configs_match_sacred():
    ours = OrderedDict(
        one=ConfigScope(one_line),
        multi=ConfigScope(multi_line),
        plain=ConfigScope(undocumented),
        from_dict=ConfigDict({"a": 1}),
    )
    theirs = OrderedDict(
        one=SacredConfigScope(one_line),
        multi=SacredConfigScope(multi_line),
        plain=SacredConfigScope(undocumented),
        from_dict=SacredConfigDict({"a": 1}),
    )

    assert format_named_configs(ours) == _format_named_configs(theirs, 2)


def test_named_configs_plain_dict():
    text = format_named_configs({"variant": {"a": 1}}, colored=False)

    assert text == "Named Configurations (doc):\n  variant"


def test_named_configs_none():
    assert format_named_configs({}) == _format_named_configs(OrderedDict(), 2)


@pytest.mark.parametrize("colored", [True, False])
def test_named_configs_cell_source(colored):
    scope = ConfigScope.from_source('"""From a cell."""\nx = 1\n', name="cell")

    text = format_named_configs({"cell": scope}, colored=colored)

    assert text.splitlines()[1].startswith("  cell")
    assert "# From a cell." in text
