"""What produced a notebook run: the cells executed in the kernel, the notebook file, and warnings.

Every run of an ``%%experiment`` cell stores, as source files:

- ``<notebook-stem>.cells.py``: the code of every cell executed in the kernel
  up to and including the experiment cell, in execution order, each under a
  header ``# In[<count>] id=<cell id> time=<UTC time> md5=<md5 of the code>``;
- ``<notebook-stem>.ipynb``: the saved notebook with outputs and execution
  counts stripped, when the kernel can find the notebook file.

Both are written under ``<base_dir>/.jupyter_sacred/`` and passed to the
observers as sources, which store identical content once.

The run's info contains ``info["notebook"]``::

    {"path": "/abs/analysis.ipynb" or None,
     "found_by": "JPY_SESSION_NAME" | "jupyter server sessions" | "__vsc_ipynb_file__" | None,
     "not_found": "why no notebook file was found" (only when path is None),
     "cells": [{"execution_count": 3, "cell_id": "a1b2" or None, "md5": "..."}, ...],
     "warnings": ["cells executed out of order: ...", "code differs from the saved notebook: ..."]}
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
import os
from typing import TYPE_CHECKING, Any, Iterable

from jupyter_sacred import _storage

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

logger = logging.getLogger(__name__)

PROVENANCE_DIR = ".jupyter_sacred"
CELLS_SUFFIX = ".cells.py"
INFO_KEY = "notebook"
# Warnings list at most this many cells each; the rest are counted.
_MAX_LISTED = 5


def md5_of_text(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True)
class ExecutedCell:
    """One execution of a cell: its code, and what the hook saw of it.

    ``execution_count`` is None for a cell executed without storing history
    (``store_history=False``, as nbval executes cells), which IPython does not count.
    """

    execution_count: int | None
    code: str
    cell_id: str | None = None
    time: datetime.datetime | None = None

    @property
    def md5(self) -> str:
        return md5_of_text(self.code)

    @property
    def label(self) -> str:
        """Name of the execution as a notebook shows it: ``In[3]``, else the cell id."""
        if self.execution_count is not None:
            return f"In[{self.execution_count}]"
        return f"cell {self.cell_id}" if self.cell_id else "In[ ]"


class CellLog:
    """The executions of cells in one shell, in order, recorded by a ``pre_run_cell`` hook."""

    def __init__(self) -> None:
        self._cells: list[ExecutedCell] = []

    def _add(self, code: Any, store_history: bool, count: int, cell_id: Any, time: Any) -> None:
        if not isinstance(code, str) or not code.strip():
            return
        self._cells.append(ExecutedCell(count if store_history else None, code,
                                        cell_id if isinstance(cell_id, str) else None,
                                        time if isinstance(time, datetime.datetime) else None))

    def record(self, shell: "InteractiveShell", info: Any) -> None:
        """Record the cell about to run. Silent cells (which show nothing) are skipped."""
        if getattr(info, "silent", False):
            return
        # IPython counts a cell that stores history before the hook runs.
        self._add(getattr(info, "raw_cell", None), bool(getattr(info, "store_history", False)),
                  shell.execution_count - 1, getattr(info, "cell_id", None), _storage.utcnow())

    def record_current_request(self, shell: "InteractiveShell") -> None:
        """Record the cell running now from the kernel's execute request, if any.

        The cell that loads the extension ran its ``pre_run_cell`` hooks before
        this log existed. In ipykernel, its id and start time are still in the
        request being handled.
        """
        kernel = getattr(shell, "kernel", None)
        try:
            request = kernel.get_parent("shell")  # type: ignore[union-attr]
        except (AttributeError, TypeError):
            return
        if not isinstance(request, dict) or request.get("msg_type") != "execute_request":
            return
        content = request.get("content") or {}
        if content.get("silent", False):
            return
        sent = (request.get("header") or {}).get("date")
        if isinstance(sent, datetime.datetime) and sent.tzinfo is not None:
            sent = sent.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        self._add(content.get("code"), bool(content.get("store_history", True)), shell.execution_count - 1,
                  (request.get("metadata") or {}).get("cellId"), sent)

    def executed_cells(self, shell: "InteractiveShell") -> list[ExecutedCell]:
        """Return every cell executed in this shell, in execution order.

        Cells executed before the extension was loaded come first, from
        IPython's history, without cell id and time.
        """
        counted = [cell.execution_count for cell in self._cells if cell.execution_count is not None]
        first_logged = min(counted) if counted else None
        earlier = [
            ExecutedCell(count, code)
            for count, code in enumerate(shell.history_manager.input_hist_raw)
            if count > 0 and code.strip() and (first_logged is None or count < first_logged)
        ]
        return earlier + list(self._cells)


def cell_history_text(cells: Iterable[ExecutedCell]) -> str:
    """Return the executed cells as one readable Python file with a header per cell."""
    parts = ["# Cells executed in this kernel, in execution order.\n"]
    for cell in cells:
        header = f"# In[{'' if cell.execution_count is None else cell.execution_count}]"
        if cell.cell_id:
            header += f" id={cell.cell_id}"
        if cell.time is not None:
            header += f" time={_storage.format_time(cell.time)}"
        parts.append(f"\n{header} md5={cell.md5}\n{cell.code.rstrip()}\n")
    return "".join(parts)


# ---- the notebook file ---------------------------------------------------------------


@dataclasses.dataclass
class SavedNotebook:
    """A notebook file as saved: its text with outputs stripped and its code cells."""

    stripped: str
    code_cells: list[tuple[str | None, str]]  # (cell id, source), in notebook order


def read_notebook(path: str) -> SavedNotebook:
    """Read ``path`` with nbformat; strip outputs, execution counts and widget state."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    code_cells = []
    for cell in notebook.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            code_cells.append((cell.get("id"), cell.get("source", "")))
    notebook.metadata.pop("widgets", None)
    return SavedNotebook(nbformat.writes(notebook), code_cells)


# ---- warnings ------------------------------------------------------------------------


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:_MAX_LISTED])
    if len(items) > _MAX_LISTED:
        shown += f" and {len(items) - _MAX_LISTED} more"
    return shown


def out_of_order_warning(cells: list[ExecutedCell], notebook: SavedNotebook | None) -> str | None:
    """Return a warning when cells ran in another order than the notebook's, else None.

    With a saved notebook, a cell ran out of order when it ran right after a
    cell that comes later in the notebook. Without one, when it was
    re-executed right after a cell that first ran later than it did.
    """
    if notebook is not None:
        rank = {cell_id: index for index, (cell_id, _) in enumerate(notebook.code_cells) if cell_id}
        rule = "a cell ran right after one that comes later in the notebook"
    else:
        rank = {}
        for cell in cells:
            if cell.cell_id and cell.cell_id not in rank:
                rank[cell.cell_id] = len(rank)
        rule = "a cell was re-executed right after one that first ran later"
    ranked = [cell for cell in cells if cell.cell_id in rank]
    found = [
        f"{cell.label} after {before.label}"
        for before, cell in zip(ranked, ranked[1:])
        if rank[cell.cell_id] < rank[before.cell_id]  # type: ignore[index]
    ]
    if not found:
        return None
    return (f"cells executed out of order ({rule}): {_listed(found)}; the notebook run from top to bottom "
            "may not reproduce this run, so restart the kernel and run all cells to get one that does")


def edited_cells_warning(cells: list[ExecutedCell], notebook: SavedNotebook) -> str | None:
    """Return a warning naming cells whose code in the saved notebook differs from the code that ran."""
    saved = {cell_id: source for cell_id, source in notebook.code_cells if cell_id}
    last_run: dict[str, ExecutedCell] = {}
    for cell in cells:
        if cell.cell_id:
            last_run[cell.cell_id] = cell
    changed = []
    missing = []
    for cell_id, cell in last_run.items():
        if cell_id not in saved:
            missing.append(cell.label)
        elif saved[cell_id].rstrip() != cell.code.rstrip():
            changed.append(cell.label)
    parts = []
    if changed:
        verb = "differs" if len(changed) == 1 else "differ"
        parts.append(f"{_listed(changed)} {verb} from the saved cells (edited after running and not re-run, "
                     "or edited and run without saving)")
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        parts.append(f"{_listed(missing)} {verb} not in the saved notebook (deleted, or added without saving)")
    if not parts:
        return None
    return ("code differs from the saved notebook: " + "; ".join(parts)
            + "; save the notebook and re-run these cells so that the stored notebook shows the code that ran")


# ---- what a run records --------------------------------------------------------------


@dataclasses.dataclass
class Provenance:
    """The record of the cells and notebook that produced one run."""

    sources: list[str]  # files under base_dir to store as sources
    info: dict[str, Any]  # becomes info["notebook"]
    notebook_path: str | None


def collect_provenance(shell: "InteractiveShell", log: CellLog, base_dir: str) -> Provenance:
    """Write the cells file and the stripped notebook under ``base_dir`` and build ``info["notebook"]``."""
    from jupyter_sacred.notebook._notebook_path import find_notebook

    cells = log.executed_cells(shell)
    location = find_notebook(shell.user_ns)
    info: dict[str, Any] = {"path": location.path, "found_by": location.found_by}
    if location.path is None:
        info["not_found"] = f"notebook file not found, so it is not stored: {location.reason}"
    info["cells"] = [{"execution_count": cell.execution_count, "cell_id": cell.cell_id, "md5": cell.md5}
                     for cell in cells]

    # NOTE: two kernels of one notebook (or two kernels without a known notebook)
    # in one folder write the same file names. If they start runs at the same
    # moment, a run can store the other kernel's copy, because observers copy
    # sources when the run starts.
    folder = os.path.join(base_dir, PROVENANCE_DIR)
    os.makedirs(folder, exist_ok=True)
    stem = os.path.splitext(os.path.basename(location.path))[0] if location.path else "notebook"
    cells_path = os.path.join(folder, stem + CELLS_SUFFIX)
    _storage.atomic_write_bytes(cells_path, cell_history_text(cells).encode("utf-8"))
    sources = [cells_path]

    notebook = None
    if location.path is not None:
        try:
            notebook = read_notebook(location.path)
        except Exception as error:  # noqa: BLE001 - nbformat raises many kinds for a damaged file
            logger.warning("cannot read notebook %s: %s", location.path, error)
            info["not_found"] = f"notebook file {location.path} could not be read, so it is not stored: {error}"
    if notebook is not None:
        notebook_copy = os.path.join(folder, stem + ".ipynb")
        _storage.atomic_write_bytes(notebook_copy, notebook.stripped.encode("utf-8"))
        sources.append(notebook_copy)

    warnings = [out_of_order_warning(cells, notebook)]
    if notebook is not None:
        warnings.append(edited_cells_warning(cells, notebook))
    info["warnings"] = [warning for warning in warnings if warning]
    return Provenance(sources, info, location.path)
