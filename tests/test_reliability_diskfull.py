"""A disk that fills up mid-run: the observer fails with a logged error, the run completes,
and what was stored before stays readable."""

from __future__ import annotations

import errno
import json
import logging
import os
import subprocess
import threading
from pathlib import Path

import pytest

from jupyter_sacred import Experiment, _storage
from jupyter_sacred.observers import _file_metrics
from jupyter_sacred.observers import file as file_module
from jupyter_sacred.observers.file import FileObserver
from jupyter_sacred.records import load_metrics, load_runs

POINTS_BEFORE = 50


def wait_for_beats(run, count: int) -> None:
    """Block until ``count`` more heartbeats have reached the observers."""
    seen = threading.Semaphore(0)
    run.add_listener(lambda _run, event: seen.release() if event == "heartbeat" else None)
    for _ in range(count):
        assert seen.acquire(timeout=10)


def filling_experiment(store: Path, disk_full: threading.Event) -> Experiment:
    ex = Experiment("diskfull", observers=[FileObserver(store)], save_git_info=False)

    @ex.main
    def main(_run):
        for step in range(POINTS_BEFORE):
            _run.log_scalar("loss", float(step), step)
        wait_for_beats(_run, 2)
        disk_full.set()
        for step in range(POINTS_BEFORE, 2 * POINTS_BEFORE):
            _run.log_scalar("loss", float(step), step)
            _run.info["step"] = step
        print("x" * 10_000)
        wait_for_beats(_run, 2)
        return "done"

    return ex


def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def check_store_readable(store: Path) -> None:
    for path in store.rglob("*.json"):
        json.loads(path.read_bytes())
    points = load_metrics(store)
    assert points["step"].tolist() == list(range(len(points)))
    assert len(points) >= POINTS_BEFORE  # flushed before the disk filled up


def observer_errors(caplog, run_id) -> list[logging.LogRecord]:
    return [
        record for record in caplog.records
        if record.levelno >= logging.ERROR and "FileObserver" in record.getMessage()
        and f"of run {run_id}" in record.getMessage()
    ]


def test_enospc_fails_observer_not_run(tmp_path, monkeypatch, caplog):
    store = tmp_path / "runs"
    disk_full = threading.Event()
    real_write = _storage.atomic_write_parts
    real_open = open

    def write_parts(*args, **kwargs):
        if disk_full.is_set():
            enospc()
        return real_write(*args, **kwargs)

    def open_file(path, mode="r", *args, **kwargs):
        if disk_full.is_set() and any(flag in mode for flag in "wa"):
            enospc()
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(_storage, "atomic_write_parts", write_parts)
    monkeypatch.setattr(file_module, "open", open_file, raising=False)
    monkeypatch.setattr(_file_metrics, "open", open_file, raising=False)
    caplog.set_level(logging.INFO)

    run = filling_experiment(store, disk_full).run(options={"--beat-interval": 0.01, "--capture": "sys"})

    assert run.status == "COMPLETED"
    assert run.result == "done"
    errors = observer_errors(caplog, run._id)
    assert errors
    assert "No space left on device" in errors[0].exc_text
    check_store_readable(store)
    # The last state that reached the disk says RUNNING; readers see the run as DEAD.
    assert load_runs(store, dead_after=0)["status"].tolist() == ["DEAD"]


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 256 KiB tmpfs mounted for this test (needs root and mount(8); skipped otherwise)."""
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


def test_full_tmpfs_keeps_stored_files_valid(tiny_tmpfs, caplog):
    store = tiny_tmpfs / "runs"
    big = tiny_tmpfs.parent / "big.bin"
    big.write_bytes(b"\0" * 400_000)  # larger than the whole tmpfs
    ex = Experiment("tmpfs", observers=[FileObserver(store)], save_git_info=False)

    @ex.main
    def main(_run):
        for step in range(POINTS_BEFORE):
            _run.log_scalar("loss", float(step), step)
        wait_for_beats(_run, 2)
        _run.add_artifact(big, "big.bin")
        for step in range(POINTS_BEFORE, 20_000):
            _run.log_scalar("loss", float(step), step)
            if step % 500 == 0:
                print("y" * 20_000)
        wait_for_beats(_run, 2)
        return "done"

    caplog.set_level(logging.INFO)
    run = ex.run(options={"--beat-interval": 0.01, "--capture": "sys"})

    assert run.status == "COMPLETED"
    assert run.result == "done"
    assert observer_errors(caplog, run._id)
    check_store_readable(store)
    # A failed copy leaves no partial file behind to hold the space.
    assert not list(store.rglob("*.part"))
