"""Shared fixtures: an IPython shell with the extension loaded, and the Mongo server fixtures."""

from __future__ import annotations

import logging
import os
import sys

import pytest

from fixtures_mongo import mongo_db_name, mongo_url, mongomock_client, nx_server, sample_run  # noqa: F401


@pytest.fixture(autouse=True)
def isolate_process_state():
    """Undo process-wide changes that one test's tools leave for the next.

    IPython's shell installs its own ``__main__`` module, which lacks the
    ``__spec__`` that multiprocessing needs; Jupyter applications configure
    logging with ``dictConfig``, which disables the loggers that exist then,
    so later tests would see no log records from this package. The benchmarks
    run by the smoke test raise this package's log level for the same reason.
    """
    main_module = sys.modules.get("__main__")
    yield
    if main_module is not None:
        sys.modules["__main__"] = main_module
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith("jupyter_sacred") and isinstance(logger, logging.Logger):
            logger.disabled = False
            logger.setLevel(logging.NOTSET)


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
