"""Resolve stores, run folders and files inside them, rejecting anything outside.

Every path that reaches the REST API comes from the browser. A store must be a
configured one, or a folder under the server's root when that is allowed. A run
id is one folder name. A file must stay inside its run folder or store once
symlinks are resolved. A rejected path raises ``tornado.web.HTTPError(403)`` with a
message that names the path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from tornado.web import HTTPError


@dataclass(frozen=True)
class Store:
    """A store the server may read: the path as configured and its resolved form."""

    label: str
    path: str

    @property
    def exists(self) -> bool:
        return os.path.isdir(self.path)


def is_inside(path: str, folder: str) -> bool:
    """Tell whether the resolved ``path`` is ``folder`` or lies below it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def resolve_store(requested: str | None, stores: list[Store], root_dir: str, allow_root: bool) -> Store:
    """Return the store a request names, or the first configured store when it names none.

    ``requested`` is an absolute path or a path relative to the server root. It is
    accepted when it resolves to a configured store, or, with ``allow_root``,
    to a folder under the server root (a notebook's own ``runs`` folder).
    """
    if not requested:
        if not stores:
            raise HTTPError(404, "No store is configured; set c.SacredRunBrowser.stores.")
        return stores[0]

    resolved = os.path.realpath(os.path.join(root_dir, os.path.expanduser(requested)))
    for store in stores:
        if store.path == resolved:
            return store

    if allow_root and is_inside(resolved, os.path.realpath(root_dir)):
        return Store(label=requested, path=resolved)
    raise HTTPError(
        403,
        f"Store {requested!r} is not a configured store and is not under the server root; "
        "add it to c.SacredRunBrowser.stores.",
    )


def check_name(name: str, what: str) -> None:
    """Reject a relative name that is absolute or climbs out with ``..``."""
    if not name or "\x00" in name:
        raise HTTPError(400, f"The {what} name is empty or invalid.")
    if os.path.isabs(name) or name.startswith(("/", "\\")) or os.path.splitdrive(name)[0]:
        raise HTTPError(403, f"The {what} name {name!r} is an absolute path; use a name inside the store.")
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        raise HTTPError(403, f"The {what} name {name!r} leaves its folder through '..'.")


def run_folder(store: Store, run_id: str) -> str:
    """Return the resolved folder of run ``run_id``; 403 outside the store, 404 if missing."""
    check_name(run_id, "run id")
    if "/" in run_id or "\\" in run_id or run_id.startswith((".", "_")):
        raise HTTPError(403, f"The run id {run_id!r} is not a run folder name.")

    folder = os.path.realpath(os.path.join(store.path, run_id))
    if not is_inside(folder, store.path):
        raise HTTPError(403, f"Run {run_id!r} resolves outside the store {store.label!r}.")
    if not os.path.isdir(folder):
        raise HTTPError(404, f"Run {run_id!r} not found in store {store.label!r}.")
    return folder


def file_inside(folder: str, name: str, what: str) -> str:
    """Return the resolved path of ``name`` under ``folder``; 403 if it resolves outside."""
    check_name(name, what)
    path = os.path.realpath(os.path.join(folder, name))
    if not is_inside(path, folder):
        raise HTTPError(403, f"The {what} {name!r} resolves outside its folder.")
    if not os.path.isfile(path):
        raise HTTPError(404, f"The {what} {name!r} was not found.")
    return path
