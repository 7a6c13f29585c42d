"""Jupyter Server extension serving the run browser's REST API under ``/jupyter-sacred/api/``.

Enable it with ``jupyter server extension enable jupyter_sacred``; the wheel
installs a config file that does so. Configure the stores it may read with
``c.SacredRunBrowser.stores = ["runs", "/data/sacred"]``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from traitlets import Bool, List, Unicode
from traitlets.config import LoggingConfigurable

from ._folder import FolderReader
from ._paths import Store, resolve_store
from .handlers import handler_routes

log = logging.getLogger(__name__)


class SacredRunBrowser(LoggingConfigurable):
    """Settings of the run browser: which stores the Lab panel may read."""

    stores = List(
        Unicode(),
        default_value=["runs"],
        help="Folder stores the run browser lists, as absolute paths or paths relative to the "
        "server root. The first one is opened by default.",
    ).tag(config=True)

    allow_root_stores = Bool(
        True,
        help="Also open any folder under the server root as a store (for example the runs "
        "folder next to a notebook). Files outside the root stay refused.",
    ).tag(config=True)

    def __init__(self, root_dir: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.root_dir = os.path.realpath(os.path.expanduser(root_dir))
        self.reader = FolderReader()

    def store_list(self) -> list[Store]:
        """Return the configured stores, resolved against the server root."""
        return [
            Store(label=path, path=os.path.realpath(os.path.join(self.root_dir, os.path.expanduser(path))))
            for path in self.stores
        ]

    def resolve_store(self, requested: str | None) -> Store:
        return resolve_store(requested, self.store_list(), self.root_dir, self.allow_root_stores)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "jupyter_sacred.server"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    # An absolute "src", because `jupyter labextension develop` joins it to the
    # folder of whichever module re-exports this function.
    return [{"src": os.path.join(os.path.dirname(os.path.dirname(__file__)), "labextension"),
             "dest": "jupyter-sacred"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Register the REST handlers on a running Jupyter server."""
    browser = SacredRunBrowser(root_dir=serverapp.root_dir, parent=serverapp)
    web_app = serverapp.web_app
    web_app.settings["jupyter_sacred"] = browser
    web_app.add_handlers(".*$", handler_routes(web_app.settings["base_url"]))
    serverapp.log.info("jupyter_sacred run browser serves stores %s", ", ".join(browser.stores))
