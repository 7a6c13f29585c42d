"""Helpers shared by the browser tests: Chromium's flags, free ports, waiting for JupyterLab."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def skip_or_fail(reason: str) -> None:
    """Skip the test, or fail it when CI requires the browser tests (JUPYTER_SACRED_REQUIRE_BROWSER=1)."""
    if os.environ.get("JUPYTER_SACRED_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (JUPYTER_SACRED_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_server(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until ``url`` returns status 200; raise if the server process exits or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout} s")


def stop_server(process: subprocess.Popen, timeout: float = 15) -> None:
    """Stop a server started by a test: SIGTERM, then SIGKILL after ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
