"""Showing a run in the notebook: the live widget, the static copy a saved notebook keeps, text in terminals.

``RunDisplay`` serves ``%%experiment`` cells. ``run_mimebundle`` gives any
``Run`` its rich representation, and ``StoredRun``/``show_run`` show a run
read back from a store the same way.
"""

from __future__ import annotations

import base64
import logging
import os
import sys
from typing import Any, Mapping

import numpy as np

from jupyter_sacred.notebook import _html
from jupyter_sacred.notebook._feed import MetricFeed
from jupyter_sacred.notebook._plots import grid_png
from jupyter_sacred.notebook._reduce import MinMaxReducer
from jupyter_sacred.notebook._snapshot import RunSnapshot, snapshot_of_record, snapshot_of_run, store_of

logger = logging.getLogger(__name__)

RUN_MIME_TYPE = "application/vnd.jupyter-sacred.run+json"
# The attribute under which a displayed run keeps its metric feed, so that
# ``display(run)`` can still plot points that the heartbeat has drained.
FEED_ATTRIBUTE = "_jupyter_sacred_feed"

Series = Mapping[str, "tuple[np.ndarray, np.ndarray]"]


def has_widget_frontend(shell: Any) -> bool:
    """Return whether ``shell`` runs in a kernel whose frontend can show widgets (not a terminal)."""
    return getattr(shell, "kernel", None) is not None and "ipykernel" in sys.modules


def run_bundle(run: Any) -> dict[str, Any]:
    """Return the static MIME bundle of a ``Run``: text, HTML with plots, PNG and the run reference."""
    return snapshot_bundle(snapshot_of_run(run), _series_of_run(run))


def run_mimebundle(run: Any, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    """``Run._repr_mimebundle_``: the static view, restricted by IPython's include/exclude."""
    bundle = run_bundle(run)
    if include:
        bundle = {key: value for key, value in bundle.items() if key in include}
    if exclude:
        bundle = {key: value for key, value in bundle.items() if key not in exclude}
    return bundle


def snapshot_bundle(snapshot: RunSnapshot, series: Series, result_shown_below: bool = False) -> dict[str, Any]:
    """Return text/plain, text/html, image/png (when there are metrics) and the run MIME type.

    With ``result_shown_below``, the result row points to the cell's value
    instead of repeating it.
    """
    png = grid_png(series) if series else None
    last_points = {name: (float(steps[-1]), float(values[-1])) if len(values) else None
                   for name, (steps, values) in series.items()}
    bundle: dict[str, Any] = {
        "text/plain": _html.summary_text(snapshot, last_points, result_shown_below),
        "text/html": _html.summary_html(snapshot, png, result_shown_below),
    }
    if png:
        bundle["image/png"] = base64.b64encode(png).decode("ascii")
    if snapshot.store and os.path.isabs(snapshot.store):  # the JupyterLab extension reads folder stores
        bundle[RUN_MIME_TYPE] = {"store": snapshot.store, "run_id": snapshot.run_id, "status": snapshot.status}
    return bundle


def _series_of_run(run: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    feed = getattr(run, FEED_ATTRIBUTE, None)
    if feed is not None:
        feed.update()
        return feed.series()
    store = store_of(run)
    if store is None or run._id is None:
        return {}
    try:
        return _series_from_store(store, run._id)
    except Exception as error:  # the store may be unreachable or of another format: show the rest
        logger.warning("could not read the metrics of run %s from %s: %s", run._id, store, error)
        return {}


def _series_from_store(store: Any, run_id: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from jupyter_sacred.records import load_metrics

    frame = load_metrics(store, run_id)
    series = {}
    for name, rows in frame.groupby("name", sort=True):
        reducer = MinMaxReducer()
        reducer.add(rows["step"].to_numpy(dtype=float), rows["value"].to_numpy(dtype=float))
        series[str(name)] = reducer.points()
    return series


class StoredRun:
    """A run read back from a store, shown like a run of this session (without the live part).

    ``StoredRun(store, run_id)`` reads the record with
    ``jupyter_sacred.records.read_run`` and the metrics with ``load_metrics``.
    """

    def __init__(self, store: Any, run_id: Any) -> None:
        from jupyter_sacred.records import read_run

        self.store = store
        self.run_id = run_id
        self.record = read_run(store, run_id)
        self.snapshot = snapshot_of_record(self.record, store)
        self.snapshot.run_id = run_id  # as the caller spelled it: folder stores read ids back as text
        self.series = _series_from_store(store, run_id) if self.record.get("metrics") else {}

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = snapshot_bundle(self.snapshot, self.series)
        if include:
            bundle = {key: value for key, value in bundle.items() if key in include}
        if exclude:
            bundle = {key: value for key, value in bundle.items() if key not in exclude}
        return bundle

    def __repr__(self) -> str:
        return f"<StoredRun {self.run_id} {self.snapshot.status} in {self.snapshot.store}>"


def show_run(store: Any, run_id: Any) -> None:
    """Display the stored run ``run_id`` of ``store`` (a folder or a Mongo URL).

    It returns None, so that ``show_run(...)`` as the last line of a cell
    shows the run once. To keep the view, use ``StoredRun(store, run_id)``,
    which a cell displays when it is its value.
    """
    from IPython.display import display

    display(StoredRun(store, run_id))


class RunDisplay:
    """The output an ``%%experiment`` cell shows for its run.

    ``start`` is called before the run starts and ``finish`` after it ends,
    also when it fails. In a kernel, with ``enabled``, a live widget shows
    above the cell's own output while the run executes. When the run ends,
    the static view (HTML summary, PNG of the plots, text, run reference)
    replaces the widget in the same output, so the cell keeps one view of its
    run and a saved notebook shows it without a kernel. Without ``enabled``,
    the static view is shown when the run ends. In a terminal IPython, a text
    summary is printed.
    """

    def __init__(self, shell: Any, enabled: bool = True) -> None:
        self.shell = shell
        self.enabled = enabled
        self.in_kernel = has_widget_frontend(shell)
        self.feed: MetricFeed | None = None
        self.widget: Any = None
        self.handle: Any = None  # the DisplayHandle of the widget's output

    def start(self, run: Any) -> None:
        self.feed = MetricFeed(run.metrics)
        setattr(run, FEED_ATTRIBUTE, self.feed)
        if not (self.enabled and self.in_kernel):
            return
        from IPython.display import display

        from jupyter_sacred.notebook.widget import RunWidget

        try:
            self.widget = RunWidget(run, self.feed)
            self.handle = display(self.widget.mimebundle(), raw=True, display_id=True)
            self.widget.start()
        except Exception:  # the run goes on without its widget
            logger.exception("could not show the widget of the run; the summary follows when it ends")
            self.widget = None

    def finish(self, run: Any) -> None:
        from IPython.display import display

        if self.widget is not None:
            try:
                self.widget.stop()
            except Exception:
                logger.exception("the final refresh of the run widget failed")
        if not self.in_kernel:
            print(_html.summary_text(snapshot_of_run(run), self._last_points()))
            return
        bundle = snapshot_bundle(snapshot_of_run(run), _series_of_run(run),
                                 result_shown_below=_result_shown_below(run))
        if self.handle is None:
            display(bundle, raw=True)
            return
        self.handle.update(bundle, raw=True)
        try:
            self.widget.close()  # no output shows it any more
        except Exception:
            logger.exception("could not close the widgets of run %s", run._id)

    def _last_points(self) -> dict[str, tuple[float, float] | None]:
        if self.feed is None:
            return {}
        self.feed.update()
        return self.feed.last_points()


def _result_shown_below(run: Any) -> bool:
    """Return whether the cell shows the run's result as its own value (``Out[n]``) below the view."""
    return run.result is not None and str(run.status) == "COMPLETED"
