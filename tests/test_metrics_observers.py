"""Metric points reach Sacred 0.8.7's own observers, and our folder store, as Sacred would store them."""

from __future__ import annotations

import datetime as dt
import json
import threading

import numpy as np
import pytest
from sacred.observers import FileStorageObserver, MongoObserver

from jupyter_sacred import Experiment
from jupyter_sacred.metrics import MetricsLogger
from jupyter_sacred.observers.file import FileObserver


def _log_points(_run) -> None:
    for i in range(2500):  # more than one packed chunk
        _run.log_scalar("loss", 1.0 / (i + 1))
    _run.log_scalar("acc", np.float32(0.5), 10)
    _run.log_scalar("acc", 0.75)
    _run.log_scalar("lr", 0.1, 2.5)


def _run_with(observers, tmp_path) -> None:
    ex = Experiment("metrics", observers=observers, save_git_info=False, _caller_globals={})
    ex.main(_log_points)
    ex.run(options={"--capture": "no"})


def _metrics_json(folder) -> dict:
    return json.loads((folder / "1" / "metrics.json").read_text())


def test_sacred_file_observer_matches_ours(tmp_path):
    _run_with([FileStorageObserver(str(tmp_path / "sacred")), FileObserver(tmp_path / "ours")], tmp_path)

    theirs, ours = _metrics_json(tmp_path / "sacred"), _metrics_json(tmp_path / "ours")
    assert sorted(theirs) == ["acc", "loss", "lr"]
    for name in theirs:
        assert ours[name]["steps"] == theirs[name]["steps"]
        assert ours[name]["values"] == theirs[name]["values"]
        # Sacred writes isoformat() (no fraction when it is 0); we always write six digits.
        assert [dt.datetime.fromisoformat(t) for t in ours[name]["timestamps"]] == [
            dt.datetime.fromisoformat(t) for t in theirs[name]["timestamps"]]
    assert theirs["acc"]["steps"] == [10, 11]
    assert theirs["lr"]["steps"] == [2.5]


def test_sacred_mongo_observer_gets_datetimes(tmp_path, mongo_url, mongo_db_name):
    _run_with([MongoObserver(url=mongo_url, db_name=mongo_db_name)], tmp_path)

    import pymongo

    stored = {doc["name"]: doc for doc in pymongo.MongoClient(mongo_url)[mongo_db_name].metrics.find()}
    assert len(stored["loss"]["timestamps"]) == 2500
    assert all(isinstance(stamp, dt.datetime) for stamp in stored["loss"]["timestamps"])
    assert stored["acc"]["steps"] == [10, 11]
    assert stored["acc"]["values"] == [0.5, 0.75]


def test_drain_matches_sacred_linearized_form():
    metrics = MetricsLogger()
    before = dt.datetime.utcnow()
    for step in range(1500):
        metrics.log_scalar("x", step * 0.5, step * 2)
    after = dt.datetime.utcnow()

    drained = metrics.drain()["x"]

    assert drained["name"] == "x"
    assert drained["steps"] == [step * 2 for step in range(1500)]
    assert drained["values"] == [step * 0.5 for step in range(1500)]
    stamps = drained["timestamps"]
    assert all(isinstance(stamp, dt.datetime) for stamp in stamps)
    assert stamps == sorted(stamps)
    assert stamps[0] >= before - dt.timedelta(milliseconds=1)
    assert stamps[-1] <= after + dt.timedelta(milliseconds=1)
    assert metrics.drain() == {}


def test_peek_then_drain_keeps_every_point_once():
    metrics = MetricsLogger()
    cursor: dict[str, int] = {}
    seen: list[int] = []
    metrics.add_listener(lambda name, steps, values: None)
    for step in range(3000):
        metrics.log_scalar("x", 1.0)
        if step % 700 == 0:
            steps, _values = metrics.peek_arrays(cursor).get("x", ([], []))
            seen.extend(int(s) for s in steps)
    steps, _values = metrics.peek_arrays(cursor)["x"]
    seen.extend(int(s) for s in steps)

    assert seen == list(range(3000))
    assert len(metrics.drain()["x"]["steps"]) == 3000


def test_log_scalar_rejects_a_string():
    with pytest.raises(TypeError, match="'loss'"):
        MetricsLogger().log_scalar("loss", "high")


def test_metrics_json_rebuilt_while_running(tmp_path):
    observer = FileObserver(tmp_path, metrics_rewrite_every=2)
    observer.started_event(ex_info={"name": "m", "base_dir": str(tmp_path), "sources": []}, command="main",
                           host_info={}, start_time=dt.datetime.utcnow(), config={}, meta_info={}, _id=None)
    metrics = MetricsLogger()
    for beat in range(4):
        metrics.log_scalar("x", float(beat))
        observer.log_metrics(metrics.drain_chunks(), {})
    observer._metrics.wait_idle()

    live = json.loads((tmp_path / "1" / "metrics.json").read_text())
    assert live["x"]["values"] == [0.0, 1.0, 2.0, 3.0]


def test_drain_during_logging_loses_nothing():
    metrics = MetricsLogger()
    total = 50_000
    drained_steps: list[int] = []

    def produce() -> None:
        for _ in range(total):
            metrics.log_scalar("x", 1.0)

    producer = threading.Thread(target=produce)
    producer.start()
    while producer.is_alive():
        drained_steps.extend(metrics.drain().get("x", {}).get("steps", []))
    producer.join()
    drained_steps.extend(metrics.drain().get("x", {}).get("steps", []))

    assert drained_steps == list(range(total))


def test_fractional_step_after_packed_points():
    metrics = MetricsLogger()
    for step in range(1500):
        metrics.log_scalar("x", 0.0, step)
    metrics.log_scalar("x", 0.0, 1499.5)
    metrics.log_scalar("x", 0.0)

    steps = metrics.drain()["x"]["steps"]

    assert steps[:1500] == list(range(1500))
    assert steps[1500:] == [1499.5, 1500.5]
    assert all(type(step) is int for step in steps[:1500])
