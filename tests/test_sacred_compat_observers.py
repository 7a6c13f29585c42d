"""Sacred 0.8.7's own observers in our Experiment, and how observer failures are handled."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from jupyter_sacred import Experiment
from jupyter_sacred.errors import ObserverStartError
from jupyter_sacred.observers import FileObserver, RunObserver


def make_experiment(tmp_path, *observers):
    ex = Experiment("observed", observers=list(observers), base_dir=tmp_path, save_git_info=False)
    ex.add_config(lr=0.1, layers=[8, 4])
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")

    @ex.main
    def main(lr, _run):
        for step in range(3):
            _run.log_scalar("loss", lr / (step + 1))
        _run.log_scalar("acc", 0.9, 5)
        _run.info["weights"] = np.arange(3.0)
        print("trained")
        model = tmp_path / "model.txt"
        model.write_text("weights")
        _run.add_artifact(model, metadata={"epoch": 1})
        with _run.open_resource(data) as handle:
            handle.read()
        return (lr, np.float64(0.9))

    return ex


def read(folder, name):
    text = (folder / name).read_text()
    return json.loads(text) if name.endswith(".json") else text


def test_sacred_file_observer_writes_complete_run(tmp_path):
    from sacred.observers import FileStorageObserver

    ex = make_experiment(tmp_path, FileStorageObserver(str(tmp_path / "sacred")), FileObserver(tmp_path / "ours"))
    run = ex.run(options={"--capture": "sys"})

    theirs, ours = tmp_path / "sacred" / "1", tmp_path / "ours" / "1"
    assert run.status == "COMPLETED"
    assert sorted(p.name for p in theirs.iterdir()) == ["config.json", "cout.txt", "info.json", "metrics.json",
                                                        "model.txt", "run.json"]
    for name in ("config.json", "info.json", "metrics.json", "cout.txt"):
        assert read(theirs, name) == read(ours, name), name
    their_run, our_run = read(theirs, "run.json"), read(ours, "run.json")
    assert their_run["status"] == "COMPLETED"
    assert their_run["result"] == our_run["result"] == {"py/tuple": [0.1, {"py/object": "numpy.float64",
                                                                          "dtype": "float64", "value": 0.9}]}
    for key in ("artifacts", "command", "meta", "host", "experiment"):
        assert their_run[key] == our_run[key], key
    assert read(theirs, "metrics.json")["loss"]["values"] == [0.1, 0.05, 0.1 / 3]
    assert "trained" in read(theirs, "cout.txt")


def test_sacred_mongo_observer_on_mongomock(tmp_path, mongomock_client):
    import gridfs
    from sacred.observers import MongoObserver

    database = mongomock_client["sacred_in_ours"]
    observer = MongoObserver.create_from(database.runs, gridfs.GridFS(database), metrics_collection=database.metrics)
    ex = make_experiment(tmp_path, observer)
    run = ex.run(options={"--capture": "sys"})

    stored = database.runs.find_one({"_id": run._id})
    assert stored["status"] == "COMPLETED"
    assert stored["config"]["layers"] == [8, 4]
    assert stored["info"]["weights"]["py/object"] == "numpy.ndarray"
    assert "trained" in stored["captured_out"]
    assert [artifact["name"] for artifact in stored["artifacts"]] == ["model.txt"]
    assert len(stored["resources"]) == 1
    loss = database.metrics.find_one({"run_id": run._id, "name": "loss"})
    assert loss["steps"] == [0, 1, 2]


def test_sacred_tinydb_observer(tmp_path):
    pytest.importorskip("tinydb")
    pytest.importorskip("hashfs")
    pytest.importorskip("tinydb_serialization")
    from sacred.observers import TinyDbObserver, TinyDbReader

    ex = make_experiment(tmp_path, TinyDbObserver(str(tmp_path / "tiny")))
    run = ex.run(options={"--capture": "sys"})

    stored = TinyDbReader(str(tmp_path / "tiny")).fetch_metadata(exp_name="observed")
    assert [entry["status"] for entry in stored] == ["COMPLETED"]
    assert stored[0]["config"]["lr"] == 0.1
    assert "trained" in stored[0]["captured_out"]
    assert run.status == "COMPLETED"


class FailingObserver(RunObserver):
    def __init__(self, event):
        self.event = event
        self.calls = 0

    def __getattribute__(self, name):
        if name.endswith("_event") and name == object.__getattribute__(self, "event"):
            def fail(**kwargs):
                self.calls += 1
                raise OSError("store unreachable")
            return fail
        return object.__getattribute__(self, name)

    def __repr__(self):
        return "FailingObserver()"


def test_failing_observer_logged_once(tmp_path, caplog):
    broken = FailingObserver("heartbeat_event")
    ex = make_experiment(tmp_path, broken, FileObserver(tmp_path / "ours"))
    ex.main(lambda _run: [_run.log_scalar("x", step) for step in range(50)] and None)

    with caplog.at_level(logging.ERROR):
        run = ex.run(options={"--beat-interval": 0.01})

    assert run.status == "COMPLETED"
    assert broken.calls == 1
    assert sum("FailingObserver()" in record.getMessage() for record in caplog.records) == 1
    assert read(tmp_path / "ours" / "1", "run.json")["status"] == "COMPLETED"


def test_failing_started_event_is_fatal(tmp_path):
    ex = make_experiment(tmp_path, FailingObserver("started_event"))

    with pytest.raises(ObserverStartError, match="FailingObserver.*store unreachable"):
        ex.run()


def test_keys_mongodb_refuses_in_info_are_reported(tmp_path, mongomock_client, caplog):
    from jupyter_sacred.observers.mongo import MongoObserver

    ex = make_experiment(tmp_path, MongoObserver(client=mongomock_client, db_name="keys"))
    ex.main(lambda _run: _run.info.update({"a.b": 1, "$c": 2}) or {"d.e": 3})

    with caplog.at_level(logging.WARNING):
        run = ex.run(options={"--beat-interval": 0.05})

    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "'a.b'" in messages
    assert "'$c'" in messages
    assert "'d.e'" in messages
    stored = mongomock_client["keys"].runs.find_one({"_id": run._id})
    assert stored["status"] == "COMPLETED"
    assert len(stored["info"]) == 2
    assert len(stored["result"]) == 1
