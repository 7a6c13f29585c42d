"""The captured_out filter against Sacred 0.8.7, and CapturedOutput's raw and filtered text."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sacred.utils import apply_backspaces_and_linefeeds as sacred_apply

from jupyter_sacred.capture import CapturedOutput, TerminalRenderer, apply_backspaces_and_linefeeds
from jupyter_sacred.utils import apply_backspaces_and_linefeeds as utils_apply

# Text made mostly of the characters the filter interprets, so that random
# examples hit carriage returns at chunk ends, backspaces past column 0 and
# empty lines.
terminal_text = st.text(alphabet=st.sampled_from(["a", "b", "é", "\r", "\n", "\b", " "]), max_size=60)
chunk_lists = st.lists(terminal_text, max_size=8)

SACRED_EXAMPLES = [
    "ab\bc",
    "\ba",
    "abc\rd",
    "abc\rdef",
    "abc\ndef\r\rg",
    "abc\r",
    "abc\r\nd",
    "\r\n",
    "ab\nc\b\bd",
    "abcd\refg\r",
    "",
    "\r",
    "\r\r",
    "\n\r",
]


@pytest.mark.parametrize("text", SACRED_EXAMPLES)
def test_filter_sacred_examples(text):
    assert apply_backspaces_and_linefeeds(text) == sacred_apply(text)


def test_filter_reexported_from_utils():
    assert utils_apply is apply_backspaces_and_linefeeds


@settings(max_examples=400, deadline=None)
@given(terminal_text)
def test_filter_matches_sacred(text):
    assert apply_backspaces_and_linefeeds(text) == sacred_apply(text)


@settings(max_examples=400, deadline=None)
@given(chunk_lists)
def test_renderer_incremental_equals_whole(chunks):
    renderer = TerminalRenderer()
    fed = ""
    for chunk in chunks:
        renderer.feed(chunk)
        fed += chunk
        assert renderer.text == sacred_apply(fed)


@settings(max_examples=300, deadline=None)
@given(chunk_lists, chunk_lists)
def test_stable_prefix_never_changes(first, later):
    output = CapturedOutput(apply_backspaces_and_linefeeds)
    for chunk in first:
        output.append(chunk)
    stable = output.text[: output.stable_length]

    for chunk in later:
        output.append(chunk)

    assert output.text.startswith(stable)


def test_output_without_filter_keeps_raw():
    output = CapturedOutput()
    output.append("step 1\r")
    output.append("step 2\n")

    assert output.text == "step 1\rstep 2\n"
    assert output.raw == output.text
    assert output.stable_length == len(output.text)


def test_output_terminal_filter_keeps_raw_too():
    output = CapturedOutput(apply_backspaces_and_linefeeds)
    for step in range(1, 6):
        output.append(f"progress {step}\r")
    output.append("\ndone\n")

    assert output.text == "progress 5\ndone\n"
    assert output.raw.startswith("progress 1\rprogress 2\r")


def test_output_accepts_sacred_filter():
    output = CapturedOutput(sacred_apply)
    output.append("abc\rd")

    assert output.text == sacred_apply("abc\rd")
    assert output._renderer is not None


def test_output_custom_filter_sees_raw_text():
    seen = []

    def keep_last_line(text: str) -> str:
        seen.append(text)
        return text.rstrip("\n").rsplit("\n", 1)[-1]

    output = CapturedOutput(keep_last_line)
    output.append("one\n")
    output.append("two\n")

    assert output.text == "two"
    assert seen[-1] == "one\ntwo\n"
    assert output.stable_length == 0


def test_output_empty_filter_turns_off():
    output = CapturedOutput(lambda text: "")
    output.append("secret\n")

    assert output.text == ""
    assert output.raw == "secret\n"


def test_output_concurrent_append_and_read():
    output = CapturedOutput(apply_backspaces_and_linefeeds)
    lines = [f"line {index}\n" for index in range(3000)]

    def writer() -> None:
        for line in lines:
            output.append(line)

    thread = threading.Thread(target=writer)
    thread.start()
    while thread.is_alive():
        text = output.text
        assert text == "".join(lines[: text.count("\n")])
    thread.join()

    assert output.text == "".join(lines)
