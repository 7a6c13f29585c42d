"""The magics: %%config, %%experiment, %observe, %print_config, %print_dependencies, %run_diff."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from traitlets import Bool, Float, List, Unicode

from jupyter_sacred.notebook import parsing
from jupyter_sacred.notebook.session import NotebookSession

logger = logging.getLogger(__name__)


@magics_class
class SacredMagics(Magics):
    """Experiment tracking magics. Settings: ``%config SacredMagics.<name> = value``."""

    beat_interval = Float(10.0, help="Seconds between heartbeats of a run (Sacred's --beat-interval).").tag(config=True)
    capture_mode = Unicode(
        "auto", help="Output capture: 'auto' (everything the cell prints, in a kernel), 'sys', 'fd' or 'no'."
    ).tag(config=True)
    default_store = Unicode("runs", help="Folder of the default file store, relative to the working folder.").tag(
        config=True)
    show_widget = Bool(True, help="Show the live run widget under %%experiment cells.").tag(config=True)
    experiment_name = Unicode("notebook", help="Experiment name when the %%experiment line gives none.").tag(
        config=True)
    captured_env = List(Unicode(), help="Environment variables recorded in host info (ENV).").tag(config=True)
    save_notebook_sources = Bool(
        True, help="Store the executed cells and a copy of the notebook file as sources of each run."
    ).tag(config=True)

    def __init__(self, shell: Any, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self.session = NotebookSession(shell, self.experiment_name)

    # The method cannot be called ``config``: that is a trait of every Configurable.
    @cell_magic("config")
    def config_cell(self, line: str, cell: str) -> None:
        """Define the config: the cell's top-level assignments become config entries.

        Usage::

          %%config [--named NAME]

        Options:
          -n, --named NAME   define the named config NAME, applied only when a run selects it

        Re-executing an edited cell replaces what it defined before (cells are
        distinguished by the cell id the frontend sends). Comments on or above an
        assignment become its doc. ``%print_config`` shows the config the next
        run will use.

        Example::

          In [1]: %%config
                  lr = 0.01        # learning rate
                  epochs = 5
          In [2]: %%config --named fast
                  lr = 0.1
          In [3]: %print_config with fast
        """
        from jupyter_sacred.config import ConfigError

        named = parsing.parse_config_line(line)
        try:
            self.session.set_config_cell(cell, named)
        except ConfigError as error:
            raise UsageError(str(error)) from None

    @cell_magic("experiment")
    def experiment_cell(self, line: str, cell: str) -> Any:
        """Run the cell as a tracked run; its last expression is the run's result.

        Usage::

          %%experiment [NAME] [with KEY=VALUE|NAMED_CONFIG ...] [-n NAMED_CONFIG] [-c COMMENT]
                       [--priority N] [-q] [-u] [-b SECONDS] [-f] [--no-widget]

        Options:
          NAME                     experiment name (default: SacredMagics.experiment_name)
          with KEY=VALUE ...       config updates, e.g. ``with lr=0.1 opt.name='adam'``;
                                   a bare name selects a named config
          -n, --named NAME         select the named config NAME
          -c, --comment TEXT       comment stored in the run's meta info
          --priority N             priority stored in the run's meta info
          -q, --queue              store the run as QUEUED without executing the cell
          -u, --unobserved         execute the cell without storing the run
          -b, --beat-interval S    seconds between heartbeats (default: SacredMagics.beat_interval)
          -f, --force              accept config updates that add entries nothing uses
          --no-widget              do not show the live run widget

        Config entries, ``_run`` (the run) and ``_config`` are names in the
        cell. Each execution is a new run with a new id. An exception marks the
        run FAILED and an interrupt marks it INTERRUPTED; both still show as usual.

        Every run stores what produced it: the cells executed in this kernel,
        in order (source ``<notebook>.cells.py``), the saved notebook without
        outputs, and its git state. ``run.info["notebook"]`` lists the executed
        cells and, under ``"warnings"``, cells executed out of order and cells
        whose saved code differs from the code that ran.

        Example::

          In [1]: %load_ext jupyter_sacred
          In [2]: %%config
                  lr = 0.01
                  epochs = 3
          In [3]: %%experiment mnist with lr=0.1 -c "higher lr"
                  for epoch in range(epochs):
                      _run.log_scalar("loss", lr / (epoch + 1))
                  "done"
          In [4]: %run_diff        # config and cells of the last two runs
        """
        __tracebackhide__ = True  # noqa: F841
        from jupyter_sacred.notebook.runner import run_experiment_cell

        request = parsing.parse_experiment_line(line)
        return run_experiment_cell(self, request, cell)

    # Not ``observe``: that is a method of every HasTraits object.
    @line_magic("observe")
    def observe_line(self, line: str) -> None:
        """Choose where runs are stored: ``%observe file PATH``, ``%observe mongo URL [--db NAME]``,
        ``%observe none``; ``%observe`` alone lists the current observers.
        """
        request = parsing.parse_observe_line(line)
        session = self.session
        if request.kind is None:
            for observer in session.active_observers(self.default_store):
                print(repr(observer))
            return
        if request.kind == "none":
            session.observers = []
        elif request.kind == "file":
            from jupyter_sacred.observers.file import FileObserver

            session.observers = [FileObserver(os.path.abspath(os.path.expanduser(request.target)))]
        else:
            session.observers = [_mongo_observer(request.target, request.db_name)]
        if session.observers:
            print(f"Runs are stored by {session.observers[0]!r}.")
        else:
            print("Runs are not stored until the next %observe file PATH or %observe mongo URL.")

    @line_magic
    def print_config(self, line: str) -> None:
        """Print the config the next run will use, with ``with`` updates applied as in ``%%experiment``."""
        from jupyter_sacred.config import ConfigError, build_config, format_config

        updates, named = parsing.parse_print_config_line(line)
        ex = self.session.experiment
        try:
            result = build_config(ex.configurations, named_configs=ex.named_configs,
                                  selected=named, updates=updates)
        except ConfigError as error:
            raise UsageError(str(error)) from None
        print(format_config(result.config, result.modifications))

    @line_magic
    def print_dependencies(self, line: str) -> None:
        """Print the dependencies, sources and git state the next run will record."""
        from jupyter_sacred.collect import format_dependencies

        if line.strip():
            raise UsageError("%print_dependencies takes no arguments")
        # The executed cells and the notebook copy are sources of the next run too.
        self.session.collect_provenance(save_sources=self.save_notebook_sources)
        print(format_dependencies(self.session.experiment.get_experiment_info()), end="")

    @line_magic
    def run_diff(self, line: str) -> None:
        """Show config and cell-source differences between two runs as unified diffs.

        Usage::

          %run_diff [ID_A ID_B]

        Without ids, the last two runs of this notebook session are compared.
        The runs are read from the file store that ``%observe`` selected (the
        default store ``runs``); the cells compared are each run's stored
        ``<notebook>.cells.py`` source.

        Example::

          In [5]: %run_diff 3 4
          --- run 3 config
          +++ run 4 config
          ...
        """
        from jupyter_sacred.notebook.run_diff import run_diff

        ids = parsing.parse_run_diff_line(line)
        print(run_diff(self.session, ids, self.default_store))


def _mongo_observer(url: str, db_name: str | None) -> Any:
    try:
        from jupyter_sacred.observers.mongo import MongoObserver
    except ImportError as error:
        raise UsageError(f"%observe mongo needs pymongo: pip install 'jupyter_sacred[mongo]' ({error})") from None
    try:
        if db_name is not None:
            observer = MongoObserver.from_url_spec(url, db_name=db_name)
        else:
            observer = MongoObserver.from_url_spec(url)
    except (ValueError, TypeError) as error:
        raise UsageError(f"invalid Mongo target {url!r}: {error}") from None
    # A typo in the URL shows now, not after the next run's connection attempt times out.
    warning = observer.check_connection(timeout=2.0)
    if warning:
        print(f"%observe mongo: warning: {warning}", file=sys.stderr)
    return observer
