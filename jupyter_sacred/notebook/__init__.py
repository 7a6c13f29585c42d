"""The IPython extension: ``%load_ext jupyter_sacred``."""

from __future__ import annotations

from typing import Any

_SESSION_ATTRIBUTE = "_jupyter_sacred_magics"


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics and create this shell's session."""
    from jupyter_sacred.notebook.magics import SacredMagics

    if getattr(ipython, _SESSION_ATTRIBUTE, None) is not None:
        return
    from jupyter_sacred.collect import warm_up_caches

    # Builds the package index and reads CPU and GPU info in a background thread,
    # so that the first run does not wait for them.
    warm_up_caches()
    magics = SacredMagics(ipython, parent=ipython)
    ipython.register_magics(magics)
    extra = _records_magics(ipython)
    setattr(ipython, _SESSION_ATTRIBUTE, (magics, extra))


def _records_magics(ipython: Any) -> Any:
    try:
        from jupyter_sacred.notebook.records_magics import RecordsMagics
    except ImportError:
        return None
    magics = RecordsMagics(ipython)
    ipython.register_magics(magics)
    return magics


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the magics, hooks and session this extension added."""
    registered = getattr(ipython, _SESSION_ATTRIBUTE, None)
    if registered is None:
        return
    magics, extra = registered
    magics.session.close()
    for instance in (magics, extra):
        if instance is None:
            continue
        for kind, names in instance.magics.items():
            for name in names:
                ipython.magics_manager.magics[kind].pop(name, None)
        ipython.magics_manager.registry.pop(type(instance).__name__, None)
    setattr(ipython, _SESSION_ATTRIBUTE, None)


def get_session(ipython: Any) -> Any:
    """Return the shell's ``NotebookSession``, or None when the extension is not loaded."""
    registered = getattr(ipython, _SESSION_ATTRIBUTE, None)
    return registered[0].session if registered else None
