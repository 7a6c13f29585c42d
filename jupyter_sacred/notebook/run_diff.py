"""``%run_diff``: config and cell-source differences between two runs."""

from __future__ import annotations

import difflib
import json
import os
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from jupyter_sacred import _storage
from jupyter_sacred.notebook.provenance import CELLS_SUFFIX

if TYPE_CHECKING:
    from jupyter_sacred.notebook.session import NotebookSession


def _lines(value: Any) -> list[str]:
    # The final newline keeps the next diff's header on a line of its own.
    text = json.dumps(value, indent=2, sort_keys=True, default=repr) + "\n"
    return text.splitlines(keepends=True)


def _cells_source(store: str, run_json: dict) -> str:
    for name, stored in run_json.get("experiment", {}).get("sources", []):
        # Runs stored before the cells file was named after the notebook used "notebook_cells.py".
        if name.endswith((CELLS_SUFFIX, "notebook_cells.py")):
            path = os.path.join(store, stored)
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as handle:
                    return handle.read()
    return ""


def _load(store: str, run_id: str) -> tuple[dict, str]:
    folder = os.path.join(store, str(run_id))
    try:
        with open(os.path.join(folder, _storage.CONFIG_JSON), encoding="utf-8") as handle:
            config = json.load(handle)
        with open(os.path.join(folder, _storage.RUN_JSON), encoding="utf-8") as handle:
            run_json = json.load(handle)
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read run {run_id!r} in {store}: {error}") from None
    return config, _cells_source(store, run_json)


def _file_store(session: "NotebookSession", default_store: str) -> str:
    for observer in session.active_observers(default_store):
        basedir = getattr(observer, "basedir", None)
        if basedir:
            return os.path.abspath(basedir)
    raise UsageError("%run_diff reads runs from a file store, but none is observed; "
                     "select one with %observe file PATH")


def run_diff(session: "NotebookSession", ids: tuple[str, str] | None, default_store: str) -> str:
    """Return a unified diff of two runs' config and executed cells (the cells file of each run)."""
    store = _file_store(session, default_store)
    if ids is None:
        stored = [run for run in session.runs if run._id is not None]
        if len(stored) < 2:
            raise UsageError("%run_diff needs two runs of this notebook, or two ids: %run_diff 3 4")
        ids = (str(stored[-2]._id), str(stored[-1]._id))
    (config_a, cells_a), (config_b, cells_b) = _load(store, ids[0]), _load(store, ids[1])
    label_a, label_b = f"run {ids[0]}", f"run {ids[1]}"
    config_diff = "".join(difflib.unified_diff(_lines(config_a), _lines(config_b), f"{label_a} config",
                                               f"{label_b} config"))
    cells_diff = "".join(difflib.unified_diff(cells_a.splitlines(keepends=True), cells_b.splitlines(keepends=True),
                                              f"{label_a} cells", f"{label_b} cells"))
    return (config_diff or f"Config: no differences between {label_a} and {label_b}.\n") + (
        cells_diff or "Cells: no differences.\n")
