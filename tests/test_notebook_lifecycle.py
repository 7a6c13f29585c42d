"""Extension lifecycle in a real IPython shell: reload leaves no extra hooks, runs never stay RUNNING."""

from __future__ import annotations

import atexit
import threading
import time

import pytest
from conftest import run_cell

from jupyter_sacred.notebook import get_session
from jupyter_sacred.notebook.session import NotebookSession


def hook_count(ip) -> dict[str, int]:
    """Return the number of callbacks registered for each IPython event."""
    return {event: len(callbacks) for event, callbacks in ip.events.callbacks.items()}


def settled_threads() -> list[str]:
    """Return the sorted names of live threads once the extension's warm-up thread has finished."""
    for thread in threading.enumerate():
        if "warm-up" in thread.name:
            thread.join(30)
    return sorted(thread.name for thread in threading.enumerate())


@pytest.fixture
def exit_hooks(monkeypatch):
    """Record the exit hooks registered and unregistered from now on (atexit cannot list them)."""
    live: list = []
    register, unregister = atexit.register, atexit.unregister

    def record_register(function, *args, **kwargs):
        live.append(function)
        return register(function, *args, **kwargs)

    def record_unregister(function):
        live[:] = [hook for hook in live if hook != function]
        return unregister(function)

    monkeypatch.setattr(atexit, "register", record_register)
    monkeypatch.setattr(atexit, "unregister", record_unregister)
    return live


def session_hooks(hooks: list) -> list:
    return [hook for hook in hooks if isinstance(getattr(hook, "__self__", None), NotebookSession)]


def test_reload_keeps_one_hook(shell, run_folder, exit_hooks):
    # A first run starts the process-wide helper threads, which reloading must not multiply.
    run_cell(shell, "%%experiment -b 0.05\nimport time\ntime.sleep(0.2)\n")
    hooks = hook_count(shell)
    threads = settled_threads()
    first_session = get_session(shell)

    for _ in range(3):
        run_cell(shell, "%reload_ext jupyter_sacred")
    run_cell(shell, "%%experiment -b 0.05\nimport time\ntime.sleep(0.2)\n")

    assert hook_count(shell) == hooks
    assert get_session(shell) is not first_session
    assert session_hooks(exit_hooks) == [get_session(shell).interrupt_running_runs]
    assert settled_threads() == threads
    assert run_folder(2)["status"] == "COMPLETED"


def test_unload_removes_hooks(shell, exit_hooks):
    run_cell(shell, "%reload_ext jupyter_sacred")
    hooks = hook_count(shell)
    run_cell(shell, "%unload_ext jupyter_sacred")

    after = hook_count(shell)
    assert after["pre_run_cell"] == hooks["pre_run_cell"] - 1
    assert all(after[event] <= hooks[event] for event in hooks)
    assert session_hooks(exit_hooks) == []
    run_cell(shell, "%load_ext jupyter_sacred")


def test_shutdown_interrupts_running_run(shell, run_folder):
    session = get_session(shell)
    ex = session.experiment
    ex.observers = session.active_observers("runs")
    release = threading.Event()
    run = ex.create_run(main=lambda run: release.wait(30), options={"--capture": "no"})
    session.runs.append(run)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while run.status != "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.01)

    session.interrupt_running_runs()  # what the atexit hook does

    stored = run_folder(1)
    assert stored["status"] == "INTERRUPTED"
    assert stored["stop_time"] is not None
    release.set()
    thread.join(10)


def test_failed_and_interrupted_end(shell, run_folder):
    failed = run_cell(shell, "%%experiment\nraise ValueError('boom')\n")
    interrupted = run_cell(shell, "%%experiment\nraise KeyboardInterrupt\n")

    assert isinstance(failed.error_in_exec, ValueError)
    assert isinstance(interrupted.error_in_exec, KeyboardInterrupt)
    assert [run.status for run in get_session(shell).runs] == ["FAILED", "INTERRUPTED"]
    assert run_folder(1)["status"] == "FAILED"
    assert run_folder(2)["status"] == "INTERRUPTED"
