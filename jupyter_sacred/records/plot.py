"""Plot one metric of several runs together.

This module imports matplotlib; ``jupyter_sacred.records`` imports it only
when ``compare`` is first used.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, Iterable

from matplotlib.figure import Figure

from .api import Store, load_metrics
from .errors import InvalidFilterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes


class ComparisonFigure(Figure):
    """A matplotlib ``Figure`` that IPython displays as a PNG image.

    A Figure made without pyplot has no image form of its own until
    ``%matplotlib inline`` registers one, so a cell ending in ``compare(...)``
    would show only ``<Figure size ...>``. Everything else is the Figure's:
    ``.axes``, ``.savefig()``, ``.set_size_inches()``.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


def compare(run_ids: Iterable[Any], metric: str, store: Store = "runs", *, ax: Axes | None = None) -> Figure:
    """Plot ``metric`` against step for each run in ``run_ids`` and return the Figure.

    One line per run, labelled with its id. Runs that did not log the metric
    are listed in the title. Without ``ax``, the result is a new
    ``ComparisonFigure`` (a matplotlib ``Figure``) made without pyplot: a
    notebook shows it once, as a PNG image of the cell's result, with or
    without ``%matplotlib inline``; ``fig.axes[0]`` and ``fig.savefig(...)``
    work as on any Figure. Pass ``ax`` to draw into existing axes; the result
    is then ``ax.figure``, shown as that figure's backend shows it.
    """
    ids = list(run_ids)
    if not ids:
        raise InvalidFilterError("run_ids", run_ids, "at least one run id")
    frame = load_metrics(store, ids, [metric])
    if ax is None:
        figure = ComparisonFigure(figsize=(7, 4), layout="constrained")
        ax = figure.add_subplot()
    else:
        figure = ax.figure

    missing = []
    for run_id in ids:
        series = frame[frame["run_id"].astype(str) == str(run_id)]
        if series.empty:
            missing.append(str(run_id))
            continue
        ax.plot(series["step"], series["value"], label=f"run {run_id}")

    ax.set_xlabel("step")
    ax.set_ylabel(metric)
    title = metric if not missing else f"{metric} (no data for run {', '.join(missing)})"
    ax.set_title(title)
    if len(ids) > len(missing):
        ax.legend()
    return figure
