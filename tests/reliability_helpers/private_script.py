"""A script experiment for the privacy switch tests: ``private_script.py STORE [SWITCH ...]``.

Switches: ``no-git`` (save_git_info=False), ``no-sources`` (DISCOVER_SOURCES
"none"), ``no-deps`` (DISCOVER_DEPENDENCIES "none"), ``no-copy`` (FileObserver copy_sources=False), ``no-cpu``, ``no-gpu``,
``env`` (record PRIVACY_LISTED only), ``no-capture`` (capture mode "no").
"""

from __future__ import annotations

import sys

import jsonpickle  # noqa: F401  (a package import: discovered as a dependency)
import local_module  # noqa: F401  (a local import: discovered as a source)

from jupyter_sacred import SETTINGS, Experiment
from jupyter_sacred.observers import FileObserver

switches = set(sys.argv[2:])
if "no-sources" in switches:
    SETTINGS.DISCOVER_SOURCES = "none"
if "no-deps" in switches:
    SETTINGS.DISCOVER_DEPENDENCIES = "none"
if "no-cpu" in switches:
    SETTINGS.HOST_INFO.INCLUDE_CPU_INFO = False
if "no-gpu" in switches:
    SETTINGS.HOST_INFO.INCLUDE_GPU_INFO = False
if "env" in switches:
    SETTINGS.HOST_INFO.CAPTURED_ENV.append("PRIVACY_LISTED")

ex = Experiment("private", observers=[FileObserver(sys.argv[1], copy_sources="no-copy" not in switches)],
                save_git_info="no-git" not in switches)


@ex.main
def main():
    print("printed by the run")


ex.run(options={"--capture": "no" if "no-capture" in switches else "fd"})
