"""Showing a run in the notebook output."""

from __future__ import annotations

import html
import os
from typing import Any

RUN_MIME_TYPE = "application/vnd.jupyter-sacred.run+json"


def run_bundle(run: Any) -> dict[str, Any]:
    """Return a MIME bundle naming the run: plain text, HTML and the run reference for JupyterLab."""
    store = _store_of(run)
    elapsed = ""
    if run.start_time is not None and run.stop_time is not None:
        elapsed = f" in {(run.stop_time - run.start_time).total_seconds():.1f} s"
    where = f" stored in {store}" if store else " (not stored)"
    text = f"Run {run._id} {run.status}{elapsed}{where}"
    bundle: dict[str, Any] = {
        "text/plain": text,
        "text/html": f"<div class='jupyter-sacred-run'><b>Run {html.escape(str(run._id))}</b> "
                     f"<code>{html.escape(str(run.status))}</code>{html.escape(elapsed + where)}</div>",
    }
    if store:
        bundle[RUN_MIME_TYPE] = {"store": store, "run_id": run._id, "status": str(run.status)}
    return bundle


def _store_of(run: Any) -> str | None:
    for observer in getattr(run.observers, "observers", []):
        basedir = getattr(observer, "basedir", None)
        if basedir:
            return os.path.abspath(basedir)
    return None


class RunDisplay:
    """The output an ``%%experiment`` cell shows for its run.

    ``start`` is called before the run starts and ``finish`` after it ends.
    """

    def __init__(self, shell: Any, enabled: bool = True) -> None:
        self.shell = shell
        self.enabled = enabled

    def start(self, run: Any) -> None:
        return None

    def finish(self, run: Any) -> None:
        from IPython.display import display

        display(run_bundle(run), raw=True)
