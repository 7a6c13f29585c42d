"""Finding the notebook file: JPY_SESSION_NAME, a real Jupyter server's sessions API, VS Code's variable."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from jupyter_sacred.notebook._notebook_path import find_notebook, notebook_from_servers

TOKEN = "discovery-test-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def api(url: str, path: str, method: str = "GET", body: dict | None = None):
    request = urllib.request.Request(url.rstrip("/") + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
    return json.loads(text) if text else None


@pytest.fixture
def server(tmp_path):
    """A Jupyter server on 127.0.0.1 serving ``tmp_path/root``; yield (server info, runtime folder)."""
    from jupyter_server.serverapp import list_running_servers

    root = tmp_path / "root"
    runtime = tmp_path / "runtime"
    root.mkdir()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime))
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={free_port()}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
         f"--IdentityProvider.token={TOKEN}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        servers = []
        while not servers and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            servers = list(list_running_servers(str(runtime)))
        assert servers, "the Jupyter server did not start"
        yield servers[0], str(runtime)
    finally:
        process.terminate()
        process.wait(30)


@pytest.mark.slow
def test_sessions_api_finds_notebook(server):
    from jupyter_server.serverapp import list_running_servers

    info, runtime = server
    sub = os.path.join(info["root_dir"], "sub")
    os.makedirs(sub)
    nbformat.write(nbformat.v4.new_notebook(), os.path.join(sub, "analysis.ipynb"))
    session = api(info["url"], "/api/sessions", "POST",
                  {"path": "sub/analysis.ipynb", "type": "notebook", "name": "", "kernel": {"name": "python3"}})
    try:
        servers = list(list_running_servers(runtime))
        found = notebook_from_servers(session["kernel"]["id"], servers)
        other = notebook_from_servers("not-a-kernel-id", servers)
        location = find_notebook({}, environ={}, kernel_id=session["kernel"]["id"], servers=servers)
    finally:
        api(info["url"], f"/api/sessions/{session['id']}", "DELETE")

    assert found == os.path.join(info["root_dir"], "sub", "analysis.ipynb")
    assert other is None
    assert location.path == found
    assert location.found_by == "jupyter server sessions"


def test_remote_server_not_asked():
    # Port 9 on a documentation-only address: a request would fail slowly or leak the token.
    servers = [{"url": "http://192.0.2.1:9/", "token": TOKEN, "root_dir": "/"}]
    started = time.monotonic()
    assert notebook_from_servers("any", servers) is None
    assert time.monotonic() - started < 0.5


def test_order_and_reasons(tmp_path):
    notebook = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), str(notebook))

    by_env = find_notebook({"__vsc_ipynb_file__": "/nowhere.ipynb"}, environ={"JPY_SESSION_NAME": str(notebook)},
                           kernel_id="k", servers=[])
    by_vscode = find_notebook({"__vsc_ipynb_file__": str(notebook)}, environ={}, kernel_id="k", servers=[])
    missing = find_notebook({}, environ={"JPY_SESSION_NAME": str(tmp_path / "gone.ipynb")}, kernel_id="k",
                            servers=[])

    assert (by_env.path, by_env.found_by) == (str(notebook), "JPY_SESSION_NAME")
    assert (by_vscode.path, by_vscode.found_by) == (str(notebook), "__vsc_ipynb_file__")
    assert missing.path is None
    assert "gone.ipynb" in missing.reason
    assert "no Jupyter server on this machine lists kernel k" in missing.reason
    assert "__vsc_ipynb_file__ is not set" in missing.reason
