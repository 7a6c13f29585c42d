"""Plot one metric of several runs together."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from .api import Store, load_metrics
from .errors import InvalidFilterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def compare(run_ids: Iterable[Any], metric: str, store: Store = "runs", *, ax: Axes | None = None) -> Figure:
    """Plot ``metric`` against step for each run in ``run_ids`` and return the Figure.

    One line per run, labelled with its id. Runs that did not log the metric
    are listed in the title. Pass ``ax`` to draw into existing axes; otherwise
    a new Figure is made without pyplot, so a notebook shows it once, as the
    cell's result.
    """
    from matplotlib.figure import Figure

    ids = list(run_ids)
    if not ids:
        raise InvalidFilterError("run_ids", run_ids, "at least one run id")
    frame = load_metrics(store, ids, [metric])
    if ax is None:
        figure = Figure(figsize=(7, 4), layout="constrained")
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
