"""``%runs``: the runs table of a store, in the notebook."""

from __future__ import annotations

import os
import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

DEFAULT_STORE = "runs"
EXAMPLE = "for example %runs ./runs"


@magics_class
class RecordsMagics(Magics):
    """Magics that read stores; they never start or change a run."""

    @magic_arguments()
    @argument("store", nargs="?",
              help="run folder or mongodb:// URL (default: the store chosen with %%observe, else ./runs)")
    @argument("-s", "--status", action="append", help="keep runs with this status, DEAD included; repeatable")
    @argument("-e", "--experiment", action="append", help="keep runs of this experiment name; repeatable")
    @argument("-n", "--last", type=int, help="show only the last N runs")
    @line_magic
    def runs(self, line: str) -> Any:
        """Show the runs of a store as a DataFrame (``load_runs``), newest last.

        Without STORE, the runs come from where this notebook's runs go: the
        file or MongoDB store chosen with ``%observe``, else ``./runs``.
        """
        from jupyter_sacred.records import RecordsError, StoreNotFoundError, load_runs

        args = parse_argstring(self.runs, line)
        if args.last is not None and args.last < 1:
            raise UsageError(f"%runs -n {args.last}: the number of runs must be at least 1, for example %runs -n 10")
        store = args.store or self._default_store()
        try:
            frame = load_runs(store, status=args.status, experiment=args.experiment)
        except StoreNotFoundError as exc:
            if args.store:
                raise UsageError(f"%runs: no run store at {exc.store!r}; pass a run folder or a mongodb:// URL, "
                                 f"{EXAMPLE}") from None
            raise UsageError(f"%runs: no run store at {exc.store!r} yet; run an %%experiment cell first, "
                             f"or pass a run folder or a mongodb:// URL, {EXAMPLE}") from None
        except RecordsError as exc:
            raise UsageError(f"%runs: {exc}") from None
        if args.last is not None:
            frame = frame.tail(args.last)
        return frame

    def _default_store(self) -> Any:
        """Return the store the notebook's runs go to: the first file, else MongoDB, observer."""
        from jupyter_sacred.notebook import get_session

        session = get_session(self.shell)
        observers = getattr(session, "observers", None)
        if observers is None:  # no extension loaded, or the default store
            registered = getattr(self.shell, "_jupyter_sacred_magics", None)
            return os.path.abspath(getattr(registered[0], "default_store", DEFAULT_STORE) if registered else DEFAULT_STORE)
        for observer in observers:
            if getattr(observer, "basedir", None) is not None:
                return os.fspath(observer.basedir)
        mongo = sys.modules.get("jupyter_sacred.observers.mongo")  # no MongoObserver exists before its import
        for observer in observers:
            if mongo is not None and isinstance(observer, mongo.MongoObserver):
                from jupyter_sacred.records import MongoStore

                return MongoStore.from_observer(observer)
        raise UsageError(f"%runs: this notebook stores runs in no file or MongoDB store (%observe none); "
                         f"pass a run folder or a mongodb:// URL, {EXAMPLE}")
