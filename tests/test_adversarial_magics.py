"""Odd and careless ``%%experiment`` and ``%%config`` cells in a real IPython shell."""

from __future__ import annotations

import os

import pytest
from conftest import run_cell


def stored_runs(tmp_path):
    store = tmp_path / "runs"
    return sorted(name for name in os.listdir(store) if name.isdigit()) if store.is_dir() else []


@pytest.mark.parametrize("statement", ["await asyncio.sleep(0)", "return 3", "yield 3", "x = = 1"])
def test_syntax_error_cell_fails(shell, tmp_path, statement):
    # A notebook's "run all" stops at a cell only when the cell reports an error.
    result = run_cell(shell, f"%%experiment\nimport asyncio\n{statement}\n")

    assert isinstance(result.error_in_exec, SyntaxError)
    assert not result.success
    assert stored_runs(tmp_path) == []
