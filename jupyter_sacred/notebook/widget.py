"""The live run widget: ipywidgets refreshed from a background thread while a run executes."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from jupyter_sacred.notebook import _html
from jupyter_sacred.notebook._plots import MetricPlot, group_names, split_name
from jupyter_sacred.notebook._snapshot import RunSnapshot, snapshot_of_run

if TYPE_CHECKING:
    from jupyter_sacred.notebook._feed import MetricFeed
    from jupyter_sacred.run import Run

logger = logging.getLogger(__name__)

# Seconds between refreshes. Each wake-up of the refresh thread takes the GIL
# from the run's thread, which on a busy machine may then wait for a CPU, so
# the thread wakes only twice a second.
REFRESH_INTERVAL = 0.5
# The share of wall time that reading metric points and drawing plots may
# take while the run executes. Both hold the GIL, so this bounds how much the
# widget slows the run.
WORK_BUDGET = 0.02
IMAGE_WIDTH = "288px"
# A guess of one plot's drawing time before the first draw measured it.
FIRST_DRAW_ESTIMATE = 0.05
# A guess of the seconds that reading one undrained metric point takes
# (copying and reducing it), before a first read measured it.
READ_COST_GUESS = 100e-9


class RunWidget:
    """The widget of one run: status badge, header, plots, result, info, output, config, warnings.

    ``refresh`` copies the run's state into the widgets. Every change of one
    refresh is made inside ``hold_sync``, so each changed widget sends one message. Plots are redrawn only when their data
    changed and, while running, only as often as ``work_budget`` allows.
    """

    def __init__(self, run: "Run", feed: "MetricFeed", refresh_interval: float = REFRESH_INTERVAL,
                 work_budget: float = WORK_BUDGET) -> None:
        self.run = run
        self.feed = feed
        self.refresh_interval = refresh_interval
        self.work_budget = work_budget
        self.header = widgets.HTML()
        self.warnings = widgets.HTML()
        self.failure = widgets.HTML()
        self.plots = widgets.VBox()
        self.result = widgets.HTML()
        self.info = widgets.HTML()
        self.output = widgets.HTML()
        self.config = widgets.HTML()
        self.sections = widgets.Accordion(children=[self.info, self.output, self.config],
                                          titles=("Info", "Captured output", "Config"))
        self.root = widgets.VBox([self.header, self.warnings, self.failure, self.plots, self.result,
                                  self.sections])
        self.root.add_class("jupyter-sacred-run-widget")
        self.images: dict[str, widgets.Image] = {}
        self._plots: dict[str, MetricPlot] = {}
        self._drawn: dict[str, int] = {}
        self._started_at = time.monotonic()
        self._busy_seconds = 0.0  # wall time spent reading points and drawing plots so far
        self._read_cost_per_point = READ_COST_GUESS
        self._draw_estimate = FIRST_DRAW_ESTIMATE  # seconds one plot is expected to take
        self._snapshot: RunSnapshot | None = None
        self._state_changed = True
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed_once = False
        run.add_listener(self._on_event)

    def mimebundle(self) -> dict[str, Any]:
        """Return the bundle that displays the widget, with a short text for frontends without widgets.

        ipywidgets' own text is the repr of the widget tree
        (``VBox(children=(HTML(value=''), ...``), which a saved notebook
        would show where no kernel draws the widget.
        """
        bundle = dict(self.root._repr_mimebundle_())
        if self.run._id is None:  # not started yet: no id, no status worth showing
            name = (self.run.experiment_info or {}).get("name", "")
            text = f"Run of {name}" if name else "Run"
        else:
            text = f"Run {self.run._id} {self.run.status}"
        bundle["text/plain"] = f"{text} (live view; open with a kernel)"
        return bundle

    def close(self) -> None:
        """Close every widget of the view, ending their comms."""
        for widget in [*self.images.values(), *self.plots.children, self.plots, self.sections,
                       *self.sections.children, self.header, self.warnings, self.failure,
                       self.result, self.root]:
            widget.close()

    def _on_event(self, run: Any, event: str) -> None:
        # Called in the thread that sent the event (often the heartbeat thread): only take note.
        self._state_changed = True

    # ---- the refresh thread ----------------------------------------------------------

    def start(self) -> None:
        """Draw the initial state and refresh from a background thread until ``stop``."""
        self._started_at = time.monotonic()
        self.refresh()
        self._thread = threading.Thread(target=self._loop, name="jupyter_sacred-widget", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stopped.wait(self.refresh_interval):
            try:
                self.refresh()
            except Exception:
                if not self._failed_once:  # log once, keep trying: the next refresh may succeed
                    logger.exception("refreshing the widget of run %s failed", self.run._id)
                    self._failed_once = True

    def stop(self) -> None:
        """Stop the refresh thread and show the run's final state."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.refresh(final=True)

    # ---- one refresh -----------------------------------------------------------------

    def refresh(self, final: bool = False) -> None:
        """Copy the run's current state into the widgets, batching each widget's changes."""
        with self._lock:
            self._update_metrics(final)
            snapshot, state_changed = self._take_snapshot(final)
            new_names = [name for name in self.feed.versions.copy() if name not in self.images]
            draw = self._due_plots(final)
            with contextlib.ExitStack() as stack:
                for widget in self._widgets_to_hold(state_changed, bool(new_names), draw):
                    stack.enter_context(widget.hold_sync())
                self.header.value = _html.header_html(snapshot)
                if state_changed:
                    self._set_state(snapshot)
                if new_names:
                    self._add_images(new_names)
                if draw:
                    started = time.monotonic()
                    for name in draw:
                        self._draw(name)
                    spent = time.monotonic() - started
                    self._busy_seconds += spent
                    self._draw_estimate = spent / len(draw)

    def _update_metrics(self, final: bool) -> None:
        # Reading undrained points costs in proportion to their number, so the
        # cost is estimated from the last read's cost per point. Points left
        # unread now are read later, or reach the feed with the next heartbeat.
        now = time.monotonic()
        pending = self.feed.pending_points()
        if not final and (not pending or not self._within_budget(pending * self._read_cost_per_point, now)):
            return
        self.feed.update()
        spent = time.monotonic() - now
        self._busy_seconds += spent
        if pending:
            self._read_cost_per_point = spent / pending

    def _within_budget(self, extra_seconds: float, now: float | None = None) -> bool:
        """Return whether ``extra_seconds`` more work keeps the widget within its share of wall time."""
        elapsed = (now or time.monotonic()) - self._started_at
        return self._busy_seconds + extra_seconds <= self.work_budget * elapsed

    def _take_snapshot(self, final: bool) -> tuple[RunSnapshot, bool]:
        if self._state_changed or final or self._snapshot is None:
            # The run's thread may change run.info while it is copied; if the
            # copy raises, the flag stays set and the next refresh tries again.
            self._snapshot = snapshot_of_run(self.run)
            self._state_changed = False
            return self._snapshot, True
        return self._snapshot, False

    def _widgets_to_hold(self, state_changed: bool, new_plots: bool, draw: list[str]) -> list[widgets.Widget]:
        held: list[widgets.Widget] = [self.header]
        if state_changed:
            held += [self.warnings, self.failure, self.result, self.info, self.output, self.config]
        if new_plots:
            held.append(self.plots)
        held += [self.images[name] for name in draw if name in self.images]
        return held

    def _set_state(self, snapshot: RunSnapshot) -> None:
        self.warnings.value = _html.warnings_html(snapshot)
        self.failure.value = _html.failure_html(snapshot)
        self.result.value = f"<b>Result</b> {_html.result_html(snapshot)}"
        self.info.value = _html.tree_html(snapshot.info) if snapshot.info else "<i>empty</i>"
        self.output.value = _html.output_html(snapshot)
        self.config.value = _html.config_html(snapshot)

    def _due_plots(self, final: bool) -> list[str]:
        """Return the metrics to redraw now: those whose data changed, if the time budget allows.

        While the run executes, reading points and drawing together may take
        at most ``work_budget`` of the wall time since ``start``. The final
        refresh draws every stale plot.
        """
        stale = [name for name, version in self.feed.versions.copy().items() if self._drawn.get(name) != version]
        if final or not stale or self._within_budget(self._draw_estimate * len(stale)):
            return stale
        return []

    def _add_images(self, names: list[str]) -> None:
        for name in names:
            image = widgets.Image(format="png", layout=widgets.Layout(width=IMAGE_WIDTH))
            image.add_class("jupyter-sacred-plot")
            image.metric_name = name
            self.images[name] = image
        rows = []
        for prefix, group in group_names(self.images).items():
            title = widgets.HTML(f"<b>{prefix}</b>") if prefix else None
            row = widgets.HBox([self.images[name] for name in group],
                               layout=widgets.Layout(flex_flow="row wrap"))
            rows.extend([title, row] if title is not None else [row])
        self.plots.children = rows

    def _draw(self, name: str) -> None:
        version, (steps, values) = self.feed.points(name)
        plot = self._plots.get(name)
        if plot is None:
            plot = self._plots[name] = MetricPlot(split_name(name)[1])
        if name not in self.images:
            self._add_images([name])
        self.images[name].value = plot.render(steps, values)
        self._drawn[name] = version
