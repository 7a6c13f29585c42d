"""MongoObserver under load and failure: concurrent writers, a dead server, huge output, real readers."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time

import gridfs
import pymongo
import pytest
from bson import json_util

from jupyter_sacred.observers._mongo_encode import MAX_DOCUMENT_BYTES
from jupyter_sacred.observers.mongo import MongoObserver
from tests.fixtures_mongo import drive_run

pytestmark = pytest.mark.mongo

WRITERS = 8
RUNS_PER_WRITER = 4
POINTS_PER_RUN = 30


def write_runs(url: str, db_name: str, writer: int, base_dir: str) -> list[int]:
    """Start, beat and complete runs from one process; return their ids."""
    observer = MongoObserver(url, db_name=db_name, failure_dir=f"{base_dir}/failed-{writer}")
    now = dt.datetime(2025, 1, 1)
    ids = []
    for index in range(RUNS_PER_WRITER):
        run_id = observer.started_event(
            ex_info={"name": "load", "base_dir": base_dir, "sources": [], "dependencies": [], "repositories": []},
            command="main", host_info={"hostname": f"writer{writer}"}, start_time=now,
            config={"writer": writer, "index": index}, meta_info={}, _id=None,
        )
        info: dict = {}
        for chunk in range(3):
            steps = list(range(chunk * 10, chunk * 10 + 10))
            observer.log_metrics({"loss": {"steps": steps, "values": [float(s) for s in steps], "timestamps": [now] * 10}}, info)
            observer.heartbeat_event(info=info, captured_out=f"chunk {chunk}\n", beat_time=now, result=None)
        observer.completed_event(stop_time=now, result=writer * 100 + index)
        ids.append(run_id)
    return ids


@pytest.mark.slow
def test_concurrent_writers_distinct_ids(mongo_url, mongo_db_name, tmp_path):
    context = multiprocessing.get_context("spawn")
    with context.Pool(WRITERS) as pool:
        results = pool.starmap(write_runs, [(mongo_url, mongo_db_name, writer, str(tmp_path)) for writer in range(WRITERS)])

    ids = [run_id for writer_ids in results for run_id in writer_ids]
    assert len(set(ids)) == WRITERS * RUNS_PER_WRITER
    assert sorted(ids) == list(range(1, WRITERS * RUNS_PER_WRITER + 1))
    database = pymongo.MongoClient(mongo_url)[mongo_db_name]
    runs = list(database.runs.find({}))
    assert len(runs) == WRITERS * RUNS_PER_WRITER
    assert {run["status"] for run in runs} == {"COMPLETED"}
    assert sorted(run["result"] for run in runs) == sorted(w * 100 + i for w in range(WRITERS) for i in range(RUNS_PER_WRITER))
    for run in runs:
        metric = database.metrics.find_one({"run_id": run["_id"], "name": "loss"})
        assert metric["steps"] == list(range(POINTS_PER_RUN)), run["_id"]
        assert run["info"]["metrics"] == [{"name": "loss", "id": str(metric["_id"])}]
    assert not list(tmp_path.glob("failed-*"))


@pytest.mark.slow
def test_dead_server_run_completes(nx_server, sample_run, tmp_path):
    failure_dir = tmp_path / "failed"
    observer = MongoObserver(nx_server.url, db_name="outage", failure_dir=failure_dir, timeout=1.0, final_save_timeout=3.0)
    times = sample_run["times"]
    run_id = observer.started_event(
        ex_info=sample_run["ex_info"], command="main", host_info={}, start_time=sample_run["start"],
        config={"lr": 0.1}, meta_info={}, _id=None,
    )
    info: dict = {}
    observer.heartbeat_event(info=info, captured_out="before\n", beat_time=times[0], result=None)

    nx_server.stop()
    began = time.monotonic()
    observer.log_metrics({"loss": {"steps": [0], "values": [0.5], "timestamps": [times[1]]}}, info)
    observer.heartbeat_event(info=info, captured_out="before\nafter\n", beat_time=times[1], result=None)
    observer.completed_event(stop_time=times[2], result=0.5)
    observer.join()
    elapsed = time.monotonic() - began

    # Bounded: one beat try (timeout 1 s) plus the final save budget (3 s), with slack for a slow machine.
    assert elapsed < 15
    (saved,) = failure_dir.glob("*.json")
    record = json_util.loads(saved.read_text())
    assert record["run"]["_id"] == run_id
    assert record["run"]["status"] == "COMPLETED"
    assert record["run"]["captured_out"] == "before\nafter\n"
    assert record["metrics"][0]["values"] == [0.5]


def test_connection_loss_recovers(mongomock_client, sample_run, monkeypatch):
    """Points and fields that fail to reach the server are sent with the next successful write."""
    observer = MongoObserver(client=mongomock_client)
    run_id = observer.started_event(
        ex_info=sample_run["ex_info"], command="main", host_info={}, start_time=sample_run["start"],
        config={}, meta_info={}, _id=None,
    )
    times = sample_run["times"]
    info: dict = {}
    real_update = observer.metrics.update_one

    def lost_connection(*args, **kwargs):
        raise pymongo.errors.AutoReconnect("connection reset")

    monkeypatch.setattr(observer.metrics, "update_one", lost_connection)
    observer.log_metrics({"loss": {"steps": [0], "values": [1.0], "timestamps": [times[0]]}}, info)
    monkeypatch.setattr(observer.metrics, "update_one", real_update)
    observer._backoff._next_try = 0.0  # skip the wait instead of sleeping in the test
    observer.log_metrics({"loss": {"steps": [1], "values": [0.5], "timestamps": [times[1]]}}, info)
    observer.heartbeat_event(info=info, captured_out="", beat_time=times[1], result=None)

    metric = mongomock_client.sacred.metrics.find_one({"run_id": run_id})
    assert metric["steps"] == [0, 1]
    assert mongomock_client.sacred.runs.find_one({"_id": run_id})["info"]["metrics"][0]["id"] == str(metric["_id"])


@pytest.mark.slow
@pytest.mark.parametrize("limit", [None, 64 * 1024 * 1024])
def test_huge_output_completes(mongo_url, mongo_db_name, sample_run, tmp_path, limit):
    options = {} if limit is None else {"captured_out_limit": limit}
    observer = MongoObserver(mongo_url, db_name=mongo_db_name, failure_dir=tmp_path, **options)
    line = "x" * 99 + "\n"
    output = "".join(f"{index:08d}{line}" for index in range(170_000))  # 18.4 MB
    run_id = observer.started_event(
        ex_info=sample_run["ex_info"], command="main", host_info={}, start_time=sample_run["start"],
        config={}, meta_info={}, _id=None,
    )
    observer.heartbeat_event(info={"big": "y" * 1_000_000}, captured_out=output, beat_time=sample_run["times"][0], result=None)
    observer.completed_event(stop_time=sample_run["times"][1], result=1)

    database = pymongo.MongoClient(mongo_url)[mongo_db_name]
    run = database.runs.find_one({"_id": run_id})
    assert run["status"] == "COMPLETED"
    assert len(json_util.dumps(run)) < MAX_DOCUMENT_BYTES
    assert run["captured_out"].startswith("[jupyter_sacred: the first ")
    assert output.endswith(run["captured_out"].split("\n", 1)[1])
    (full,) = [artifact for artifact in run["artifacts"] if artifact["name"] == "cout.txt"]
    assert gridfs.GridFS(database).get(full["file_id"]).read().decode() == output
    assert not list(tmp_path.glob("*.json"))


def test_incense_reads_our_runs(mongo_url, mongo_db_name, sample_run, tmp_path):
    from incense import ExperimentLoader

    observer = MongoObserver(mongo_url, db_name=mongo_db_name, failure_dir=tmp_path / "failed")
    run_id = drive_run(observer, sample_run)

    loader = ExperimentLoader(mongo_uri=mongo_url, db_name=mongo_db_name)
    experiment = loader.find_by_id(run_id)
    assert experiment.status == "COMPLETED"
    assert experiment.config["lr"] == 0.1
    assert list(experiment.metrics["loss"].values) == [1.0, 0.5, 0.25]
    assert list(experiment.metrics["acc"].index) == [0]
    assert experiment.artifacts["model.txt"].content == b"weights=1,2,3\n"
    assert [found.id for found in loader.find_by_name("mnist")] == [run_id]


def test_experiment_run_stored(mongo_url, mongo_db_name, tmp_path):
    from jupyter_sacred import Experiment

    artifact = tmp_path / "notes.txt"
    artifact.write_text("done\n")
    ex = Experiment("mongo_check", base_dir=str(tmp_path), save_git_info=False, interactive=True)
    ex.observers.append(MongoObserver(mongo_url, db_name=mongo_db_name, failure_dir=tmp_path / "failed"))
    ex.add_config(lr=0.5)

    @ex.main
    def main(_run, lr):
        print("lr is", lr)
        for step in range(3):
            _run.log_scalar("loss", lr / (step + 1))
        _run.info["phase"] = "done"
        _run.add_artifact(str(artifact))
        return lr * 2

    run = ex.run(options={"--beat-interval": "0.2", "--capture": "sys"})

    database = pymongo.MongoClient(mongo_url)[mongo_db_name]
    stored = database.runs.find_one({"_id": run._id})
    assert stored["status"] == "COMPLETED"
    assert stored["result"] == 1.0
    assert stored["config"]["lr"] == 0.5
    assert stored["info"]["phase"] == "done"
    assert "lr is 0.5" in stored["captured_out"]
    assert [artifact["name"] for artifact in stored["artifacts"]] == ["notes.txt"]
    metric = database.metrics.find_one({"run_id": run._id, "name": "loss"})
    assert metric["values"] == [0.5, 0.25, 0.5 / 3]
    assert stored["info"]["metrics"] == [{"name": "loss", "id": str(metric["_id"])}]
