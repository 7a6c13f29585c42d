"""The notebook session: one per IPython shell, holding the experiment, config cells and observers."""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
from typing import TYPE_CHECKING, Any

from jupyter_sacred.experiment import Experiment
from jupyter_sacred.notebook.provenance import CellLog

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from jupyter_sacred.notebook.provenance import Provenance
    from jupyter_sacred.run import Run

logger = logging.getLogger(__name__)

# Folder for the executed-cell history and the notebook copy written before a run,
# relative to the experiment's base_dir, so that every observer (Sacred's too) can read
# them as source files.
HISTORY_DIR = ".jupyter_sacred"


class ConfigCell:
    """A ``%%config`` cell's current definition."""

    def __init__(self, key: str, scope: Any, names: frozenset[str]) -> None:
        self.key = key
        self.scope = scope
        self.names = names


class NotebookSession:
    """State of the extension in one shell. Created on load, closed on unload."""

    def __init__(self, shell: "InteractiveShell", experiment_name: str = "notebook") -> None:
        self.shell = shell
        self.experiment = Experiment(experiment_name, interactive=True, base_dir=os.getcwd(),
                                     _caller_globals=shell.user_ns)
        self.config_cells: dict[str, ConfigCell] = {}
        self.observers: list[Any] | None = None  # None: the default folder store
        self.runs: list["Run"] = []
        self.last_run_of_cell: dict[str, Any] = {}
        self.current_cell_id: str | None = None
        self.cell_log = CellLog()
        self.cell_log.record_current_request(shell)
        self._provenance_sources: list[str] = []
        self._hooks: list[tuple[str, Any]] = []
        self._register("pre_run_cell", self._remember_cell)
        # Runs still RUNNING when the kernel shuts down or restarts (a run in a
        # background thread) are ended as INTERRUPTED instead of staying RUNNING.
        atexit.register(self.interrupt_running_runs)

    def _register(self, event: str, callback: Any) -> None:
        self.shell.events.register(event, callback)
        self._hooks.append((event, callback))

    def _remember_cell(self, info: Any = None) -> None:
        self.current_cell_id = getattr(info, "cell_id", None)
        self.cell_log.record(self.shell, info)

    def close(self) -> None:
        """Remove every hook this session registered."""
        for event, callback in self._hooks:
            try:
                self.shell.events.unregister(event, callback)
            except ValueError:
                pass
        self._hooks.clear()
        atexit.unregister(self.interrupt_running_runs)

    def interrupt_running_runs(self) -> None:
        """End every run of this session that is still RUNNING with status INTERRUPTED."""
        from jupyter_sacred.notebook._lifecycle import interrupt_run

        for run in list(self.runs):
            interrupt_run(run)

    # ---- config cells ---------------------------------------------------------------

    def set_config_cell(self, cell: str, named: str | None) -> ConfigCell:
        """Define (or redefine) the config of a ``%%config`` cell.

        A re-executed cell replaces its earlier definition. Cells are
        distinguished by the cell id the frontend sends; without one, by the named
        config, else by the names the cell assigns.
        """
        from jupyter_sacred.config import ConfigScope

        # Transform IPython syntax first; names from earlier cells are readable in the scope.
        code = self.shell.transform_cell(cell)
        scope = ConfigScope.from_source(code, name=f"%%config cell {max(self.shell.execution_count - 1, 0)}",
                                        namespace=self.shell.user_ns)
        names = frozenset(_assigned_names(cell))
        _define_in_namespace(code, self.shell)
        if named is not None:
            self.experiment.named_configs[named] = scope
            return ConfigCell(f"named:{named}", scope, names)
        key = self._config_cell_key(names)
        self.config_cells[key] = ConfigCell(key, scope, names)
        self.experiment.configurations[:] = [entry.scope for entry in self.config_cells.values()]
        return self.config_cells[key]

    def _config_cell_key(self, names: frozenset[str]) -> str:
        if self.current_cell_id:
            return f"cell:{self.current_cell_id}"
        for key, entry in self.config_cells.items():
            if key.startswith("names:") and entry.names & names:
                return key
        return "names:" + ",".join(sorted(names))

    # ---- observers ------------------------------------------------------------------

    def active_observers(self, default_store: str) -> list[Any]:
        if self.observers is None:
            from jupyter_sacred.observers.file import FileObserver

            return [FileObserver(os.path.abspath(default_store))]
        return list(self.observers)

    # ---- runs -----------------------------------------------------------------------

    def cell_key(self, cell: str) -> str:
        if self.current_cell_id:
            return self.current_cell_id
        return "md5:" + hashlib.md5(cell.encode("utf-8")).hexdigest()

    def collect_provenance(self, save_sources: bool = True) -> "Provenance":
        """Write the executed cells and the notebook copy; point the experiment's sources at them.

        Files written for earlier runs are replaced in the sources, so a
        renamed notebook does not leave its old copy behind as a source.
        With ``save_sources=False`` neither file becomes a source of the run.
        """
        from jupyter_sacred.notebook.provenance import collect_provenance

        provenance = collect_provenance(self.shell, self.cell_log, self.experiment.base_dir)
        earlier = set(self._provenance_sources)
        kept = [path for path in self.experiment._extra_sources if path not in earlier]
        self._provenance_sources = provenance.sources if save_sources else []
        self.experiment._extra_sources = kept + self._provenance_sources
        return provenance


def _define_in_namespace(code: str, shell: "InteractiveShell") -> None:
    """Run the cell's top-level imports, functions and classes in the user namespace.

    They are not config entries, but a notebook user expects a cell's imports
    and definitions to be usable in later cells, as with any cell.
    """
    import ast

    tree = ast.parse(code)
    definitions = [node for node in tree.body if isinstance(
        node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    if definitions:
        filename = f"<%%config cell {max(shell.execution_count - 1, 0)} definitions>"
        exec(compile(ast.Module(body=definitions, type_ignores=[]), filename, "exec"), shell.user_ns)


def _assigned_names(cell: str) -> set[str]:
    import ast

    try:
        tree = ast.parse(cell)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
        for target in targets:
            names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names
