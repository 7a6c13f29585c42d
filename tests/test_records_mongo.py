"""MongoDB stores read over the wire from a real nx-27017 server."""

from __future__ import annotations

import datetime as dt

import pytest

from fixtures_mongo import mongo_db_name, mongo_url  # noqa: F401  (pytest fixtures)
from jupyter_sacred.records import load_metrics, load_runs, read_run

pytestmark = pytest.mark.mongo


def _insert_runs(url: str, db_name: str) -> None:
    import pymongo

    client = pymongo.MongoClient(url, serverSelectionTimeoutMS=5000)
    db = client[db_name]
    start = dt.datetime(2025, 3, 14, 9, 0)
    for run_id, status, name in [(1, "COMPLETED", "a"), (2, "FAILED", "b"), (3, "RUNNING", "a")]:
        db.runs.insert_one({
            "_id": run_id, "format": "MongoObserver-0.7.0", "status": status, "command": "main",
            "experiment": {"name": name, "repositories": [{"commit": "abc", "dirty": False, "url": "u"}]},
            "start_time": start + dt.timedelta(minutes=run_id), "heartbeat": start + dt.timedelta(minutes=run_id),
            "config": {"lr": run_id / 10, "opt": {"name": "sgd"}}, "result": {"acc": run_id / 100},
            "host": {"hostname": "node7"}, "meta": {"command": "main", "options": {"--comment": "c"}},
            "info": {}, "captured_out": "hello\n", "artifacts": [], "resources": [],
        })
        db.metrics.insert_one({"run_id": run_id, "name": "loss", "steps": [0, 1], "values": [1.0, run_id / 2],
                               "timestamps": [start, start]})
    client.close()


def test_nx_load_runs(mongo_url, mongo_db_name):  # noqa: F811
    _insert_runs(mongo_url, mongo_db_name)
    url = f"{mongo_url.rstrip('/')}/{mongo_db_name}"
    frame = load_runs(url)
    assert frame["id"].tolist() == [1, 2, 3]
    assert frame["status"].tolist() == ["COMPLETED", "FAILED", "DEAD"]
    assert frame["config.opt.name"].tolist() == ["sgd"] * 3
    assert load_runs(url, status="DEAD")["id"].tolist() == [3]
    assert load_runs(url, experiment="a", since="2025-03-14T09:02")["id"].tolist() == [3]
    assert load_runs(url, query={"config.lr": {"$gte": 0.2}})["id"].tolist() == [2, 3]
    assert load_metrics(url, run_ids=[2])["value"].tolist() == [1.0, 1.0]
    record = read_run(url, "2")
    assert record["captured_out"] == "hello\n"
    assert record["metrics"] == ["loss"]
