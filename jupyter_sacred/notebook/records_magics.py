"""``%runs``: the runs table of a store, in the notebook."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

DEFAULT_STORE = "runs"


@magics_class
class RecordsMagics(Magics):
    """Magics that read stores; they never start or change a run."""

    @magic_arguments()
    @argument("store", nargs="?", help="run folder or mongodb:// URL (default: this notebook's store, ./runs)")
    @argument("-s", "--status", action="append", help="keep runs with this status, DEAD included; repeatable")
    @argument("-e", "--experiment", action="append", help="keep runs of this experiment name; repeatable")
    @argument("-n", "--last", type=int, help="show only the last N runs")
    @line_magic
    def runs(self, line: str) -> Any:
        """Show the runs of a store as a DataFrame (``load_runs``), newest last."""
        from jupyter_sacred.records import InvalidFilterError, MissingDependencyError, StoreNotFoundError, load_runs

        args = parse_argstring(self.runs, line)
        store = args.store or self._default_store()
        if args.last is not None and args.last < 1:
            raise UsageError(f"%runs -n {args.last}: the number of runs must be at least 1, for example %runs -n 10")
        try:
            frame = load_runs(store, status=args.status, experiment=args.experiment)
        except StoreNotFoundError as exc:
            raise UsageError(f"%runs {store}: no such store. Pass a run folder or a mongodb:// URL, for example %runs ./runs") from exc
        except (InvalidFilterError, MissingDependencyError) as exc:
            raise UsageError(f"%runs {line.strip()}: {exc}") from exc
        if args.last is not None:
            frame = frame.tail(args.last)
        return frame

    def _default_store(self) -> str:
        # The folder the notebook's runs go to, when the extension's magics are loaded.
        registered = getattr(self.shell, "_jupyter_sacred_magics", None)
        if registered:
            return getattr(registered[0], "default_store", DEFAULT_STORE)
        return DEFAULT_STORE
