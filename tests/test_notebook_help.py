"""Help of the magics as ``%experiment?`` shows it."""

from __future__ import annotations

import re

import IPython.core.page
import pytest
from conftest import run_cell

from jupyter_sacred.notebook import parsing


@pytest.fixture
def paged(shell, monkeypatch):
    """Collect what IPython's pager would show."""
    shown: list[str] = []

    def page(data, *args, **kwargs):
        shown.append(data["text/plain"] if isinstance(data, dict) else str(data))

    monkeypatch.setattr(IPython.core.page, "page", page)
    return shown


@pytest.mark.parametrize("usage, magic", [
    (parsing.EXPERIMENT_USAGE, "%%experiment"),
    (parsing.CONFIG_USAGE, "%%config"),
    (parsing.RUN_DIFF_USAGE, "%run_diff"),
])
def test_help_lists_options(shell, paged, usage, magic):
    run_cell(shell, f"{magic}?")
    text = "".join(paged)
    assert "Example::" in text
    assert f"  {magic}" in text
    for option in re.findall(r"(?<![\w])--?[a-z][\w-]*", usage):
        assert option in text, option


def test_help_names_provenance(shell, paged):
    run_cell(shell, "%%experiment?")
    text = "".join(paged)
    assert 'run.info["notebook"]' in text
    assert ".cells.py" in text
