"""Pytest fixtures for the Mongo tests: a real wire-protocol server and mongomock.

``mongo_url`` is the URL of a MongoDB-compatible server for the whole session.
It is ``JUPYTER_SACRED_MONGO_URL`` when that is set (CI starts nx-27017 with
scripts/start_mongo_server.sh). Otherwise this module starts nx-27017 on a
free 127.0.0.1 port and stops it by its PID at the end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parent.parent
START_SCRIPT = REPO_DIR / "scripts" / "start_mongo_server.sh"
URL_VARIABLE = "JUPYTER_SACRED_MONGO_URL"


class NxServer:
    """An nx-27017 process started by scripts/start_mongo_server.sh."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        completed = subprocess.run(
            ["bash", str(START_SCRIPT), str(state_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"{START_SCRIPT} failed with exit code {completed.returncode}: {completed.stderr}")
        self.url = completed.stdout.strip()
        self.pid = int((state_dir / "nx-27017.pid").read_text().strip())

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server by its PID with SIGTERM, then SIGKILL after ``timeout`` seconds."""
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _is_alive(self.pid):
                return
            time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # The server is not our child (the script started it), so a finished
    # process can linger as a zombie until init reaps it. /proc shows which.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.fixture(scope="session")
def mongo_url(tmp_path_factory: pytest.TempPathFactory):
    """URL of a MongoDB wire-protocol server shared by the session."""
    url = os.environ.get(URL_VARIABLE)
    if url:
        yield url
        return
    server = NxServer(tmp_path_factory.mktemp("nx-27017"))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def nx_server(tmp_path: Path):
    """A private nx-27017 server that a test may stop (for example to simulate an outage)."""
    server = NxServer(tmp_path / "nx-27017")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mongo_db_name(mongo_url: str):
    """A database name no other test uses; the database is dropped afterwards."""
    name = f"js_test_{uuid.uuid4().hex[:12]}"
    yield name
    import pymongo

    client = pymongo.MongoClient(mongo_url, serverSelectionTimeoutMS=2000)
    try:
        client.drop_database(name)
    except pymongo.errors.PyMongoError:
        pass  # nx-27017 cannot always drop a database; the name is unique anyway
    finally:
        client.close()


@pytest.fixture
def mongomock_client():
    """An in-process mongomock client with GridFS support switched on."""
    import mongomock
    import mongomock.gridfs

    mongomock.gridfs.enable_gridfs_integration()
    return mongomock.MongoClient()




@pytest.fixture
def sample_run(tmp_path: Path):
    """Arguments for one run's events, with a source, a resource and an artifact on disk."""
    import datetime as dt

    source = tmp_path / "train.py"
    source.write_text("print('training')\n")
    resource = tmp_path / "data.csv"
    resource.write_text("x,y\n1,2\n")
    artifact = tmp_path / "model.txt"
    artifact.write_text("weights=1,2,3\n")
    start = dt.datetime(2025, 3, 14, 9, 26, 53, 589000)
    return {
        "ex_info": {
            "name": "mnist",
            "base_dir": str(tmp_path),
            "sources": [["train.py", "5d41402abc4b2a76b9719d911017c592"]],
            "dependencies": ["numpy==1.26.4"],
            "repositories": [],
            "mainfile": "train.py",
        },
        "command": "main",
        "host_info": {"hostname": "node7", "os": ["Linux", "Linux-6.1"], "python_version": "3.11.7", "ENV": {}},
        "config": {"lr": 0.1, "epochs": 3, "nested": {"a": 1, "b": (1, 2)}, "seed": 42},
        "meta_info": {"command": "main", "options": {"--comment": None}, "named_configs": []},
        "start": start,
        "times": [start + dt.timedelta(seconds=i) for i in range(1, 6)],
        "resource": str(resource),
        "artifact": str(artifact),
    }


def drive_run(observer, run: dict, *, status: str = "COMPLETED", _id=None) -> object:
    """Send one run's events to ``observer`` the way the run engine does; return the run id.

    Two beats carry metrics: the second extends ``loss`` and adds ``acc``.
    """
    times = run["times"]
    info: dict = {"note": "hello"}
    run_id = observer.started_event(
        ex_info=run["ex_info"], command=run["command"], host_info=run["host_info"],
        start_time=run["start"], config=run["config"], meta_info=run["meta_info"], _id=_id,
    )
    observer.resource_event(filename=run["resource"])
    observer.log_metrics(
        metrics_by_name={"loss": {"name": "loss", "steps": [0, 1], "values": [1.0, 0.5], "timestamps": times[:2]}},
        info=info,
    )
    observer.heartbeat_event(info=info, captured_out="epoch 0\n", beat_time=times[1], result=None)
    observer.artifact_event(name="model.txt", filename=run["artifact"], metadata={"epoch": 3})
    info["accuracy"] = [0.5, 0.75]
    observer.log_metrics(
        metrics_by_name={
            "loss": {"name": "loss", "steps": [2], "values": [0.25], "timestamps": times[2:3]},
            "acc": {"name": "acc", "steps": [0], "values": [0.5], "timestamps": times[2:3]},
        },
        info=info,
    )
    observer.heartbeat_event(info=info, captured_out="epoch 0\nepoch 1\n", beat_time=times[3], result=0.25)
    if status == "COMPLETED":
        observer.completed_event(stop_time=times[4], result=0.25)
    elif status == "FAILED":
        observer.failed_event(fail_time=times[4], fail_trace=["Traceback (most recent call last):\n", "ValueError: boom\n"])
    else:
        observer.interrupted_event(interrupt_time=times[4], status=status)
    observer.join()
    return run_id
