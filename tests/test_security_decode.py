"""Reading a store never runs code found in it: jsonpickle payloads stay inert data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_sacred.records import load_metrics, load_runs, read_run

pytest_plugins = ["pytest_jupyter.jupyter_server"]


def payloads(mark: Path) -> dict:
    """jsonpickle documents that would create ``mark`` (or import and call something) when decoded."""
    command = f"touch {mark}"
    return {
        "reduce_system": {"py/reduce": [{"py/function": "os.system"}, {"py/tuple": [command]}]},
        "reduce_popen": {"py/reduce": [{"py/type": "subprocess.Popen"}, {"py/tuple": [["touch", str(mark)]]}]},
        "newobj": {"py/object": "subprocess.Popen", "py/newargs": {"py/tuple": [["touch", str(mark)]]}},
        "initargs": {"py/object": "subprocess.Popen", "py/initargs": {"py/tuple": [["touch", str(mark)]]}},
        "function": {"py/function": "os.system"},
        "repr": {"py/repr": f"os/os.system({command!r})"},
        "state": {"py/object": "pathlib.Path", "py/state": {"py/reduce": [{"py/function": "os.system"},
                                                                         {"py/tuple": [command]}]}},
        "in_key": {"json://" + json.dumps({"py/reduce": [{"py/function": "os.system"},
                                                        {"py/tuple": [command]}]}): 1},
        "timedelta_lookalike": {"py/reduce": [{"py/type": "os.system"}, {"py/tuple": [command]}]},
        "array_object_dtype": {"py/object": "numpy.ndarray", "dtype": "object", "values": [command]},
    }


@pytest.fixture
def hostile_store(tmp_path) -> tuple[Path, Path]:
    """A folder store whose every file carries the payloads; returns (store, mark file)."""
    mark = tmp_path / "code-ran"
    evil = payloads(mark)
    store = tmp_path / "server-root" / "runs"
    folder = store / "1"
    folder.mkdir(parents=True)
    run = {
        "status": "COMPLETED", "command": "main", "start_time": "2024-01-01T00:00:00.000000",
        "stop_time": "2024-01-01T00:01:00.000000", "heartbeat": "2024-01-01T00:01:00.000000",
        "experiment": {"name": "hostile", "sources": [], "repositories": [evil["reduce_system"]]},
        "host": {"hostname": evil["reduce_popen"]}, "meta": {"comment": evil["newobj"], "options": {}},
        "result": evil, "artifacts": [], "resources": [], "fail_trace": [evil["repr"]],
    }
    (folder / "run.json").write_text(json.dumps(run))
    (folder / "config.json").write_text(json.dumps({"seed": 1, **evil}))
    (folder / "info.json").write_text(json.dumps(evil))
    metrics = {"loss": {"steps": [0, 1], "values": [evil["reduce_system"], 0.5],
                        "timestamps": ["2024-01-01T00:00:00.000000", evil["function"]]}}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    journal = {"name": "loss", "offset": 2, "steps": [2], "values": [evil["reduce_popen"]], "timestamps": [evil["newobj"]]}
    (folder / ".metrics.jsonl").write_text(json.dumps(journal) + "\n")
    (folder / "cout.txt").write_text(json.dumps(evil))
    return store, mark


def test_python_api_runs_nothing(hostile_store):
    store, mark = hostile_store

    runs = load_runs(store, query={"info.function.py/function": "os.system"})
    record = read_run(store, 1)
    metrics = load_metrics(store)
    filtered = load_runs(store, query={"config.seed": 1})

    assert not mark.exists()
    assert list(runs["id"]) == [1]
    assert list(filtered["id"]) == [1]
    # The payloads come back as the plain data they were stored as.
    assert record["info"]["reduce_system"] == payloads(mark)["reduce_system"]
    assert record["config"]["function"] == {"py/function": "os.system"}
    assert record["result"]["repr"] == payloads(mark)["repr"]
    assert len(metrics) == 3


@pytest.mark.parametrize("command", [["ls", "--config"], ["show", "1"], ["show", "1", "--json"], ["metrics", "1"]])
def test_cli_runs_nothing(hostile_store, command):
    store, mark = hostile_store
    cli = Path(sys.executable).with_name("jupyter-sacred")
    args = [str(cli), command[0], str(store), *command[1:]]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert not mark.exists()
    assert done.returncode == 0, done.stderr


@pytest.fixture
def jp_server_config(hostile_store):
    store, _ = hostile_store
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_sacred.server": True}},
        "SacredRunBrowser": {"stores": [str(store)]},
    }


@pytest.fixture
def jp_root_dir(hostile_store):
    return hostile_store[0].parent


async def test_server_extension_runs_nothing(jp_fetch, hostile_store):
    store, mark = hostile_store
    for parts in (("runs",), ("runs", "1"), ("runs", "1", "metrics"), ("runs", "1", "output")):
        response = await jp_fetch("jupyter-sacred", "api", *parts, params={"store": str(store)})
        assert response.code == 200
        json.loads(response.body)
    assert not mark.exists()
