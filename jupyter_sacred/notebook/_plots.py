"""Metric plots drawn with matplotlib's Agg canvas into PNG bytes.

Figures are built with ``matplotlib.figure.Figure`` directly, never through
``pyplot``, so the user's backend and open figures are left alone.
"""

from __future__ import annotations

import io
import math
from typing import Iterable, Mapping

import numpy as np

PLOT_SIZE_INCHES = (4.0, 2.4)
PLOT_DPI = 72
MAX_GRID_PLOTS = 24
GRID_COLUMNS = 3


def split_name(name: str) -> tuple[str, str]:
    """Return (prefix, rest) of a metric name ``prefix.rest``; the prefix is "" without a dot."""
    prefix, dot, rest = name.partition(".")
    return (prefix, rest) if dot and rest else ("", name)


def group_names(names: Iterable[str]) -> dict[str, list[str]]:
    """Return metric names grouped by prefix: ungrouped names first, then prefixes in sorted order."""
    groups: dict[str, list[str]] = {}
    for name in sorted(names, key=lambda item: (split_name(item)[0] != "", item)):
        groups.setdefault(split_name(name)[0], []).append(name)
    return groups


class MetricPlot:
    """One metric's line plot, kept between redraws so that a redraw only replaces the data."""

    def __init__(self, name: str) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.name = name
        # A fixed layout: "tight" would lay the figure out again on every draw, doubling its cost.
        self.figure = Figure(figsize=PLOT_SIZE_INCHES, dpi=PLOT_DPI)
        self.figure.subplots_adjust(left=0.16, right=0.97, top=0.88, bottom=0.2)
        FigureCanvasAgg(self.figure)
        self.axes = self.figure.add_subplot()
        self.axes.set_title(name, fontsize=10)
        self.axes.set_xlabel("step", fontsize=8)
        self.axes.tick_params(labelsize=8)
        self.axes.grid(alpha=0.3)
        (self.line,) = self.axes.plot([], [], linewidth=1.2)

    def render(self, steps: np.ndarray, values: np.ndarray) -> bytes:
        """Return the plot of the given points as PNG bytes."""
        self.line.set_data(steps, values)
        self.axes.relim()
        self.axes.autoscale_view()
        return _png(self.figure)


def grid_png(series: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> bytes | None:
    """Return one PNG with a plot per metric (the first ``MAX_GRID_PLOTS`` in group order), or None."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = [name for group in group_names(series).values() for name in group
             if len(series[name][1])][:MAX_GRID_PLOTS]
    if not names:
        return None
    columns = min(GRID_COLUMNS, len(names))
    rows = math.ceil(len(names) / columns)
    width, height = PLOT_SIZE_INCHES
    figure = Figure(figsize=(width * columns, height * rows), dpi=PLOT_DPI, layout="tight")
    FigureCanvasAgg(figure)
    for position, name in enumerate(names, start=1):
        axes = figure.add_subplot(rows, columns, position)
        steps, values = series[name]
        axes.plot(steps, values, linewidth=1.2)
        axes.set_title(name, fontsize=10)
        axes.tick_params(labelsize=8)
        axes.grid(alpha=0.3)
    return _png(figure)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    # Fast compression: these images are redrawn often and are small anyway.
    figure.canvas.print_png(buffer, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()
