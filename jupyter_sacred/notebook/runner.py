"""Executing an ``%%experiment`` cell as a run."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from jupyter_sacred.capture import apply_backspaces_and_linefeeds
from jupyter_sacred.notebook._lifecycle import interrupt_run
from jupyter_sacred.notebook.cell_main import cell_main, compile_cell, names_read
from jupyter_sacred.notebook.provenance import INFO_KEY

if TYPE_CHECKING:
    from jupyter_sacred.notebook.magics import SacredMagics
    from jupyter_sacred.notebook.parsing import ExperimentLine

logger = logging.getLogger(__name__)


def run_experiment_cell(magics: "SacredMagics", request: "ExperimentLine", cell: str) -> Any:
    """Create and execute the run of one ``%%experiment`` cell; return its result.

    A failing cell still raises its exception after the run is recorded, so
    the notebook shows the traceback and stops "run all" as usual.
    """
    __tracebackhide__ = True  # noqa: F841
    from jupyter_sacred.config import ConfigError
    from jupyter_sacred.notebook.display import RunDisplay
    from jupyter_sacred.settings import SETTINGS

    session = magics.session
    shell = magics.shell
    try:
        body, expression, source = compile_cell(shell, cell)
    except SyntaxError as error:
        # Raised, not only shown, so the cell is marked failed and "run all" stops
        # here; no run is created. The engine's frames are left out of the display.
        raise error.with_traceback(None) from None

    ex = session.experiment
    ex.path = request.name or magics.experiment_name
    ex.observers = session.active_observers(magics.default_store)
    provenance = session.collect_provenance(save_sources=magics.save_notebook_sources)

    cell_key = session.cell_key(cell)
    meta_info = {"notebook": {"cell_id": session.current_cell_id,
                              "execution_count": max(shell.execution_count - 1, 0),
                              "previous_run": session.last_run_of_cell.get(cell_key)}}
    options = {
        "--beat-interval": request.beat_interval if request.beat_interval is not None else magics.beat_interval,
        "--capture": _capture_mode(magics.capture_mode),
        "--comment": request.comment,
        "--priority": request.priority,
        "--queue": request.queue,
        "--unobserved": request.unobserved,
        "--force": request.force,
    }
    captured_env = SETTINGS.HOST_INFO.CAPTURED_ENV
    saved_env = list(captured_env)
    captured_env.extend(name for name in magics.captured_env if name not in captured_env)
    try:
        run = ex.create_run(
            config_updates=request.config_updates, named_configs=request.named_configs,
            meta_info=meta_info, options=options, main=cell_main(shell, body, expression),
            used_names=names_read(source), info={INFO_KEY: provenance.info},
        )
    except ConfigError as error:
        raise UsageError(str(error)) from None
    finally:
        captured_env[:] = saved_env
    if ex.save_git_info and provenance.notebook_path is not None:
        add_repository_of(run.experiment_info, provenance.notebook_path)
    if ex.captured_out_filter is None:
        # Progress bars redraw their line with "\r": keep only what the notebook shows last.
        run.captured_out_filter = apply_backspaces_and_linefeeds

    # The run's logger has no handler in a notebook, so show the config warnings here.
    for warning in run.config_warnings:
        print(f"Warning: {warning}", file=sys.stderr)

    display = RunDisplay(shell, enabled=request.widget and magics.show_widget)
    display.start(run)
    session.runs.append(run)
    try:
        result = run()
    finally:
        # An interrupt that lands while the run records its end can leave it RUNNING.
        interrupt_run(run)
        if run._id is not None:
            session.last_run_of_cell[cell_key] = run._id
        display.finish(run)
    return result


def add_repository_of(experiment_info: dict, path: str) -> None:
    """Add the git state of the repository holding ``path`` to the experiment info, once."""
    from jupyter_sacred.collect import get_repository_info

    repository = get_repository_info(path)
    repositories = experiment_info.setdefault("repositories", [])
    if repository is not None and repository not in repositories:
        repositories.append(repository)


def _capture_mode(requested: str) -> str:
    """Resolve "auto" for a cell: the kernel's streams in a kernel, ``sys.stdout``/``sys.stderr`` elsewhere.

    Terminal IPython and embedded shells print through ``sys.stdout``, which
    may not be file descriptor 1 (pytest and other hosts replace it).
    """
    if requested != "auto":
        return requested
    from jupyter_sacred.capture._kernel import in_ipykernel

    return "kernel" if in_ipykernel() else "sys"
