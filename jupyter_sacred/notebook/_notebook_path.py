"""Finding the notebook file a kernel runs.

A kernel does not receive the path of its notebook, so three places are
tried in order: the ``JPY_SESSION_NAME`` environment variable that Jupyter Server
(2.x) sets when it starts a kernel for a session, the sessions API of a
Jupyter server running on this machine that lists this kernel, and the
``__vsc_ipynb_file__`` variable that VS Code sets in the user namespace.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Iterable, Mapping

logger = logging.getLogger(__name__)

# Timeout (seconds) of each request to a server's sessions API; a starting run waits for it.
SERVER_TIMEOUT = 1.0
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclasses.dataclass(frozen=True)
class NotebookLocation:
    """The notebook file found, or why none was."""

    path: str | None
    found_by: str | None = None
    reason: str | None = None  # set when path is None


def find_notebook(
    user_ns: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    kernel_id: str | None = None,
    servers: Iterable[Mapping[str, Any]] | None = None,
) -> NotebookLocation:
    """Return the location of this kernel's notebook file.

    ``kernel_id`` and ``servers`` default to this kernel's id and the running
    Jupyter servers; tests pass them explicitly.
    """
    environ = os.environ if environ is None else environ
    tried = []

    session_name = environ.get("JPY_SESSION_NAME")
    if session_name:
        path = _existing_notebook(session_name)
        if path is not None:
            return NotebookLocation(path, "JPY_SESSION_NAME")
        tried.append(f"JPY_SESSION_NAME={session_name!r} names no notebook file")
    else:
        tried.append("JPY_SESSION_NAME is not set")

    kernel_id = kernel_id if kernel_id is not None else current_kernel_id()
    if kernel_id is None:
        tried.append("this is not a Jupyter kernel with a connection file")
    else:
        path = notebook_from_servers(kernel_id, running_servers() if servers is None else servers)
        if path is not None:
            return NotebookLocation(path, "jupyter server sessions")
        tried.append(f"no Jupyter server on this machine lists kernel {kernel_id}")

    vscode_path = user_ns.get("__vsc_ipynb_file__")
    if isinstance(vscode_path, str) and os.path.isfile(vscode_path):
        return NotebookLocation(os.path.abspath(vscode_path), "__vsc_ipynb_file__")
    tried.append("__vsc_ipynb_file__ is not set")

    return NotebookLocation(None, reason="; ".join(tried))


def _existing_notebook(path: str) -> str | None:
    """Return the absolute path of ``path``, read as absolute or relative to this folder or a parent."""
    if os.path.isabs(path):
        return path if os.path.isfile(path) else None
    # A path without a session name is relative to the server's root folder,
    # which is the kernel's working folder or one of its parents.
    folder = os.getcwd()
    while True:
        candidate = os.path.join(folder, path)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def current_kernel_id() -> str | None:
    """Return this kernel's id, read from its connection file name ``kernel-<id>.json``."""
    try:
        from ipykernel.connect import get_connection_file

        connection_file = get_connection_file()
    except Exception:  # noqa: BLE001 - not an ipykernel, or one without a connection file
        return None
    name = os.path.basename(connection_file)
    if name.startswith("kernel-") and name.endswith(".json"):
        return name[len("kernel-"):-len(".json")]
    return None


def running_servers() -> list[Mapping[str, Any]]:
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return []
    try:
        return list(list_running_servers())
    except OSError:
        logger.debug("cannot list the running Jupyter servers", exc_info=True)
        return []


def notebook_from_servers(kernel_id: str, servers: Iterable[Mapping[str, Any]]) -> str | None:
    """Return the notebook path of the session with ``kernel_id`` on one of ``servers``, else None.

    Only servers whose URL is a loopback address are asked, so a server
    token is never sent to another host.
    """
    for server in servers:
        url = str(server.get("url", ""))
        if urllib.parse.urlsplit(url).hostname not in _LOOPBACK_HOSTS:
            continue
        sessions = _server_sessions(url, str(server.get("token", "")))
        for session in sessions:
            if (session.get("kernel") or {}).get("id") != kernel_id:
                continue
            relative = session.get("path") or (session.get("notebook") or {}).get("path")
            root = server.get("root_dir") or server.get("notebook_dir")
            if relative and root:
                path = os.path.join(os.path.expanduser(root), relative)
                if os.path.isfile(path):
                    return os.path.abspath(path)
    return None


def _server_sessions(url: str, token: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(url.rstrip("/") + "/api/sessions")
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=SERVER_TIMEOUT) as response:  # noqa: S310 - loopback only
            sessions = json.load(response)
    except (OSError, ValueError, urllib.error.URLError) as error:
        logger.debug("cannot read the sessions of the Jupyter server at %s: %s", url, error)
        return []
    return sessions if isinstance(sessions, list) else []
