"""Property tests: the magic-line parsers and config updates accept or refuse any input cleanly."""

from __future__ import annotations

import shlex

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError

from jupyter_sacred.config import ConfigError, parse_config_updates
from jupyter_sacred.config.updates import parse_value
from jupyter_sacred.notebook.parsing import (
    parse_config_line,
    parse_experiment_line,
    parse_observe_line,
    parse_run_diff_line,
)

EXAMPLES = 300
PARSERS = [parse_experiment_line, parse_config_line, parse_observe_line, parse_run_diff_line]
# Words the parsers treat specially, mixed into random lines so they reach deep branches.
WORDS = ["with", "-n", "--named", "-c", "--comment", "-b", "--beat-interval", "--priority", "-P", "-q", "-u",
         "--no-widget", "file", "mongo", "none", "--db", "lr=0.1", "a.b=[1,", "x='y'", "=1", "nan", "inf",
         "--named=fast", "'", '"', "\\", "py/tuple", "{'py/object': 'os.system'}", "1e309", "\x00", "#", ";"]
lines = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=8).map(" ".join),
)
settings_ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def accepts_or_usage_error(parser, line: str):
    try:
        return parser(line)
    except UsageError as error:
        assert str(error)  # says what is wrong
        return None


@settings_
@given(line=lines)
def test_experiment_line_only_usage_errors(line):
    parsed = accepts_or_usage_error(parse_experiment_line, line)
    if parsed is not None:
        assert isinstance(parsed.config_updates, dict)
        assert isinstance(parsed.named_configs, list)
        for number in (parsed.priority, parsed.beat_interval):
            assert number is None or (number == number and abs(number) != float("inf"))


@settings_
@given(line=lines)
def test_config_line_only_usage_errors(line):
    name = accepts_or_usage_error(parse_config_line, line)
    assert name is None or isinstance(name, str)


@settings_
@given(line=lines)
def test_observe_line_only_usage_errors(line):
    parsed = accepts_or_usage_error(parse_observe_line, line)
    assert parsed is None or parsed.kind in (None, "none", "file", "mongo")


@settings_
@given(line=lines)
def test_run_diff_line_only_usage_errors(line):
    parsed = accepts_or_usage_error(parse_run_diff_line, line)
    assert parsed is None or len(parsed) == 2


keys = st.lists(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True), min_size=1, max_size=3).map(".".join)
values = st.one_of(
    st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(), st.text(max_size=10),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings_
@given(key=keys, value=values)
def test_literal_updates_round_trip(key, value):
    updates, named = parse_config_updates([f"{key}={value!r}"])
    assert named == []
    node = updates
    for part in key.split("."):
        node = node[part]
    assert node == value


@settings_
@given(tokens=st.lists(st.one_of(st.text(max_size=20), st.sampled_from(WORDS)), max_size=5))
def test_any_update_tokens_parse_or_config_error(tokens):
    try:
        updates, named = parse_config_updates(tokens)
    except ConfigError as error:
        assert str(error)
        return
    assert isinstance(updates, dict)
    assert all(isinstance(name, str) for name in named)


@settings_
@given(text=st.one_of(st.text(max_size=40), st.sampled_from(WORDS)))
def test_parse_value_never_raises(text):
    parse_value(text)


def test_jsonpickle_update_runs_no_code(tmp_path):
    # A config update is decoded by jsonpickle as in Sacred; a payload naming a
    # callable must not be called while parsing.
    target = tmp_path / "pwned"
    payload = ('{"py/reduce": [{"py/function": "os.system"}, {"py/tuple": ["touch %s"]}]}' % target)
    parse_config_updates([f"x={payload}"])
    accepts_or_usage_error(parse_experiment_line, "with " + shlex.quote(f"x={payload}"))
    assert not target.exists()
