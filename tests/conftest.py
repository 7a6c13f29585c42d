"""Shared fixtures: an IPython shell with the extension loaded, and the Mongo server fixtures."""

from __future__ import annotations

import os

import pytest

from fixtures_mongo import mongo_db_name, mongo_url, mongomock_client, nx_server, sample_run  # noqa: F401


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """A real IPython shell, working in ``tmp_path``, with ``%load_ext jupyter_sacred`` done.

    Cells run with ``store_history=True`` as in a kernel, so the executed-cell
    history is recorded.
    """
    monkeypatch.chdir(tmp_path)
    ip = interactive_shell()
    ip.run_line_magic("reset", "-f")
    ip.history_manager.reset(new_session=True)
    # `%config SacredMagics.x = ...` in one test must not reach the next test's session.
    ip.config.pop("SacredMagics", None)
    ip.run_cell("%load_ext jupyter_sacred", store_history=True)
    yield ip
    ip.run_cell("%unload_ext jupyter_sacred")
    ip.config.pop("SacredMagics", None)


def interactive_shell():
    """Return the process's one IPython shell, creating it if needed.

    IPython allows one shell per process; tests that need a shell all take it
    from here, so the order in which they run does not matter.
    """
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def run_cell(ip, code: str):
    """Run ``code`` as a notebook cell and return IPython's ExecutionResult."""
    return ip.run_cell(code, store_history=True)


@pytest.fixture
def run_folder(tmp_path):
    """Return a function reading the run folder ``runs/<id>`` under the test's working folder."""
    import json

    def read(run_id, name="run.json", store="runs"):
        path = os.path.join(tmp_path, store, str(run_id), name)
        with open(path, encoding="utf-8") as handle:
            return json.load(handle) if name.endswith(".json") else handle.read()

    return read
