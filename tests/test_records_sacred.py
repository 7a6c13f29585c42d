"""Stores written by Sacred 0.8.7 itself read back with the same columns as ours."""

from __future__ import annotations

import subprocess
from pathlib import Path

import mongomock
import mongomock.gridfs
import numpy as np
import pandas as pd
import pytest
from sacred import Experiment
from sacred.observers import FileStorageObserver, MongoObserver

from jupyter_sacred import Experiment as OurExperiment
from jupyter_sacred.observers.file import FileObserver
from jupyter_sacred.records import load_metrics, load_runs, read_run

MONGO_URL = "mongodb://localhost:27017/sacred_oracle"


def _make_experiment(name: str, factory=Experiment):
    ex = factory(name)

    @ex.config
    def cfg():
        lr = 0.1
        opt = {"name": "sgd", "momentum": 0.9}
        layers = [1, 2]

    @ex.main
    def main(_run, lr, fail=False):
        for step in range(3):
            _run.log_scalar("loss", lr / (step + 1), step)
        _run.info["weights"] = np.arange(20.0)
        if fail:
            raise ValueError("planned failure")
        return {"acc": lr * 3, "shape": (2, 3)}

    return ex


@pytest.fixture(scope="module")
def sacred_runs(tmp_path_factory):
    """Sacred runs written at once to a folder store and to mongomock; yields (folder, runs)."""
    folder = tmp_path_factory.mktemp("sacred") / "runs"
    with mongomock.patch(servers=(("localhost", 27017),)):
        mongomock.gridfs.enable_gridfs_integration()
        runs = []
        for name, updates, options in [
            ("oracle", {"lr": 0.2}, {"--comment": "first"}),
            ("oracle", {}, {}),
            ("other", {"fail": True}, {}),
        ]:
            ex = _make_experiment(name)
            ex.observers.append(MongoObserver(url=MONGO_URL.rsplit("/", 1)[0], db_name="sacred_oracle"))
            ex.observers.append(FileStorageObserver(str(folder)))
            try:
                runs.append(ex.run(config_updates=updates, options=options))
            except ValueError:
                runs.append(None)
        yield folder, runs


def test_sacred_folder_values(sacred_runs):
    folder, runs = sacred_runs
    frame = load_runs(folder).set_index("id")
    first = runs[0]
    row = frame.loc[int(first._id)]
    assert row["experiment"] == "oracle"
    assert row["status"] == "COMPLETED"
    assert row["comment"] == "first"
    assert row["config.lr"] == first.config["lr"]
    assert row["config.opt.name"] == first.config["opt"]["name"]
    assert row["config.seed"] == first.config["seed"]
    assert row["config.layers"] == first.config["layers"]
    assert row["result.acc"] == first.result["acc"]
    assert row["result.shape"] == first.result["shape"]
    assert row["hostname"] == first.host_info["hostname"]
    assert row["duration"] == row["stop_time"] - row["start_time"]
    assert frame.loc[3, "status"] == "FAILED"


def test_sacred_folder_git(sacred_runs):
    folder, runs = sacred_runs
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True)
    repositories = runs[0].experiment_info["repositories"]
    frame = load_runs(folder).set_index("id")
    if not repositories:
        pytest.skip("the test file is not in a git work tree")
    assert frame.loc[1, "git_commit"] == head.stdout.strip()
    assert frame.loc[1, "git_dirty"] == any(repo["dirty"] for repo in repositories)


def test_sacred_mongo_same_columns(sacred_runs):
    folder, _ = sacred_runs
    from_folder = load_runs(folder)
    from_mongo = load_runs(MONGO_URL)
    assert list(from_mongo.columns) == list(from_folder.columns)
    assert list(from_mongo["id"]) == list(from_folder["id"])
    for column in ["experiment", "status", "comment", "hostname", "git_commit", "config.lr", "config.seed", "result.acc"]:
        pd.testing.assert_series_equal(from_mongo[column], from_folder[column], check_dtype=False)
    # BSON dates keep milliseconds only.
    delta = (from_mongo["start_time"] - from_folder["start_time"]).abs()
    assert (delta < pd.Timedelta(milliseconds=1)).all()


def test_sacred_mongo_filters(sacred_runs):
    assert load_runs(MONGO_URL, status="FAILED")["id"].tolist() == [3]
    assert load_runs(MONGO_URL, experiment="oracle")["id"].tolist() == [1, 2]
    assert load_runs(MONGO_URL, query={"config.lr": 0.2})["id"].tolist() == [1]
    start = load_runs(MONGO_URL)["start_time"][1]
    assert load_runs(MONGO_URL, since=start.to_pydatetime())["id"].tolist() == [2, 3]


def test_sacred_metrics_agree(sacred_runs):
    folder, _ = sacred_runs
    from_folder = load_metrics(folder)
    from_mongo = load_metrics(MONGO_URL)
    columns = ["run_id", "name", "step", "value"]
    pd.testing.assert_frame_equal(from_folder[columns], from_mongo[columns])
    assert from_folder[from_folder["run_id"] == 1]["value"].tolist() == [0.2, 0.1, 0.2 / 3]


def test_sacred_read_run(sacred_runs):
    folder, runs = sacred_runs
    record = read_run(folder, 1)
    assert record["config"] == runs[0].config
    assert record["result"] == runs[0].result
    np.testing.assert_array_equal(record["info"]["weights"], np.arange(20.0))
    assert record["metrics"] == ["loss"]
    assert Path(record["sources"][0]["path"]).is_file()
    from_mongo = read_run(MONGO_URL, 1)
    assert from_mongo["config"] == runs[0].config
    np.testing.assert_array_equal(from_mongo["info"]["weights"], np.arange(20.0))
    assert from_mongo["metrics"] == ["loss"]
    assert read_run(MONGO_URL, 3)["status"] == "FAILED"


def test_ours_matches_sacred_columns(sacred_runs, tmp_path):
    folder, _ = sacred_runs
    ours = _make_experiment("oracle", OurExperiment)
    ours.observers.append(FileObserver(str(tmp_path)))
    ours.run(config_updates={"lr": 0.2}, options={"--comment": "first"})
    from_ours = load_runs(tmp_path)
    from_sacred = load_runs(folder, experiment="oracle")
    assert list(from_ours.columns) == list(from_sacred.columns)
    assert from_ours.loc[0, "config.lr"] == 0.2
    assert from_ours.loc[0, "comment"] == "first"
    metrics = load_metrics(tmp_path)
    assert metrics["value"].tolist() == [0.2, 0.1, 0.2 / 3]


def test_ours_tuple_result(tmp_path):
    ours = _make_experiment("oracle", OurExperiment)
    ours.observers.append(FileObserver(str(tmp_path)))
    ours.run()
    assert load_runs(tmp_path).loc[0, "result.shape"] == (2, 3)
