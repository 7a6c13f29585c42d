"""Sacred-compatible experiment tracking, notebook first.

In a notebook: ``%load_ext jupyter_sacred``, then ``%%config`` and
``%%experiment`` cells. In scripts: ``Experiment`` mirrors Sacred's API.
"""

from __future__ import annotations

from typing import Any

from jupyter_sacred.experiment import Experiment
from jupyter_sacred.interrupts import SacredInterrupt, TimeoutInterrupt
from jupyter_sacred.notebook import load_ipython_extension, unload_ipython_extension
from jupyter_sacred.run import Run
from jupyter_sacred.settings import SETTINGS
from jupyter_sacred.status import RunStatus

__version__ = "0.1.0"

__all__ = [
    "SETTINGS",
    "Experiment",
    "Run",
    "RunStatus",
    "SacredInterrupt",
    "StoredRun",
    "TimeoutInterrupt",
    "compare",
    "host_info_gatherer",
    "load_ipython_extension",
    "load_metrics",
    "load_runs",
    "metrics_wide",
    "read_run",
    "show_run",
    "unload_ipython_extension",
]

_LAZY = {
    "host_info_gatherer": ("jupyter_sacred.collect", "host_info_gatherer"),
    "load_runs": ("jupyter_sacred.records", "load_runs"),
    "read_run": ("jupyter_sacred.records", "read_run"),
    "metrics_wide": ("jupyter_sacred.records", "metrics_wide"),
    "load_metrics": ("jupyter_sacred.records", "load_metrics"),
    "compare": ("jupyter_sacred.records", "compare"),
    "show_run": ("jupyter_sacred.notebook.display", "show_run"),
    "StoredRun": ("jupyter_sacred.notebook.display", "StoredRun"),
    # Jupyter looks these up to find the server extension and the prebuilt Lab extension.
    "_jupyter_server_extension_points": ("jupyter_sacred.server", "_jupyter_server_extension_points"),
    "_jupyter_labextension_paths": ("jupyter_sacred.server", "_jupyter_labextension_paths"),
}


def __getattr__(name: str) -> Any:
    # The read side and host-info helpers load on first use, keeping `import jupyter_sacred` fast.
    if name in _LAZY:
        import importlib

        module_name, attribute = _LAZY[name]
        return getattr(importlib.import_module(module_name), attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
