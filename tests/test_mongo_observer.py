"""MongoObserver behaviour beyond Sacred's: deltas, dedup, sanitising, redaction, ids, specs."""

from __future__ import annotations

import logging

import gridfs
import pymongo
import pytest
from sacred.observers import MongoObserver as SacredMongoObserver

from jupyter_sacred.observers._mongo_spec import MongoSpecError
from jupyter_sacred.observers.mongo import MongoObserver, MongoObserverError
from tests.fixtures_mongo import drive_run

pytestmark = pytest.mark.mongo


@pytest.fixture
def nx_db(mongo_url, mongo_db_name):
    client = pymongo.MongoClient(mongo_url)
    yield client[mongo_db_name]
    client.close()


@pytest.fixture
def observer(mongo_url, mongo_db_name, tmp_path):
    return MongoObserver(mongo_url, db_name=mongo_db_name, failure_dir=tmp_path / "failed")


def start(observer, sample_run, _id=None):
    return observer.started_event(
        ex_info=sample_run["ex_info"], command="main", host_info=sample_run["host_info"],
        start_time=sample_run["start"], config=sample_run["config"], meta_info=sample_run["meta_info"], _id=_id,
    )


class RecordingCollection:
    """A runs collection wrapper that records every update document."""

    def __init__(self, collection):
        self._collection = collection
        self.updates = []

    def update_one(self, filter, update, **kwargs):
        self.updates.append(update)
        return self._collection.update_one(filter, update, **kwargs)

    def __getattr__(self, name):
        return getattr(self._collection, name)


def test_heartbeat_sends_changed_fields(mongomock_client, sample_run):
    observer = MongoObserver(client=mongomock_client)
    start(observer, sample_run)
    observer.runs = RecordingCollection(observer.runs)
    info = {"step": 1}

    observer.heartbeat_event(info=info, captured_out="a\n", beat_time=sample_run["times"][0], result=None)
    observer.heartbeat_event(info=info, captured_out="a\n", beat_time=sample_run["times"][1], result=None)
    info["step"] = 2
    observer.heartbeat_event(info=info, captured_out="a\n", beat_time=sample_run["times"][2], result=None)

    first, second, third = (set(update["$set"]) for update in observer.runs.updates)
    assert first == {"_id", "heartbeat", "info", "captured_out", "result"}
    assert second == {"_id", "heartbeat"}
    assert third == {"_id", "heartbeat", "info"}
    stored = mongomock_client.sacred.runs.find_one({"_id": observer.run_id})
    assert stored["info"] == {"step": 2}


def test_run_ids_past_ten_on_nx(observer, nx_db, sample_run):
    ids = [start(observer, sample_run) for _ in range(13)]

    assert ids == list(range(1, 14))
    assert sorted(doc["_id"] for doc in nx_db.runs.find({}, {"_id": 1})) == ids


def test_run_ids_continue_after_sacred(mongo_url, mongo_db_name, observer, sample_run):
    sacred_observer = SacredMongoObserver(url=mongo_url, db_name=mongo_db_name)
    sacred_ids = [drive_run(sacred_observer, sample_run) for _ in range(3)]

    assert start(observer, sample_run) == max(sacred_ids) + 1
    assert start(observer, sample_run) == max(sacred_ids) + 2


def test_given_id_taken_fails(observer, sample_run):
    start(observer, sample_run, _id=7)

    with pytest.raises(MongoObserverError, match="already exists"):
        start(observer, sample_run, _id=7)


def test_queued_run_started_later(observer, nx_db, sample_run):
    queued_id = observer.queued_event(
        ex_info=sample_run["ex_info"], command="main", host_info=sample_run["host_info"],
        queue_time=sample_run["start"], config=sample_run["config"], meta_info=sample_run["meta_info"], _id=None,
    )
    assert nx_db.runs.find_one({"_id": queued_id})["status"] == "QUEUED"

    assert drive_run(observer, sample_run, _id=queued_id) == queued_id
    run = nx_db.runs.find_one({"_id": queued_id})
    assert run["status"] == "COMPLETED"
    assert run["format"] == "MongoObserver-0.7.0"


def test_resources_uploaded_once(observer, nx_db, sample_run):
    first = drive_run(observer, sample_run)
    second = drive_run(observer, sample_run)

    fs = gridfs.GridFS(nx_db)
    resource_files = list(fs.find({"filename": sample_run["resource"]}))
    source_files = list(fs.find({"filename": sample_run["ex_info"]["base_dir"] + "/train.py"}))
    assert len(resource_files) == 1
    assert resource_files[0].read() == b"x,y\n1,2\n"
    assert len(source_files) == 1
    runs = [nx_db.runs.find_one({"_id": run_id}) for run_id in (first, second)]
    assert runs[0]["resources"] == runs[1]["resources"] == [[sample_run["resource"], resource_files[0].metadata["md5"]]]
    assert runs[0]["experiment"]["sources"] == runs[1]["experiment"]["sources"]


def test_info_keys_sanitised(observer, nx_db, sample_run, caplog):
    run_id = start(observer, sample_run)

    with caplog.at_level(logging.WARNING, logger="jupyter_sacred"):
        info = {"lr.final": 0.1, "$where": 1, "nested": {"a.b": 2}}
        observer.heartbeat_event(info=info, captured_out="", beat_time=sample_run["times"][0], result={"x.y": 1})
        observer.heartbeat_event(info=info, captured_out="", beat_time=sample_run["times"][1], result={"x.y": 1})

    run = nx_db.runs.find_one({"_id": run_id})
    assert run["info"] == {"lr,final": 0.1, "@where": 1, "nested": {"a,b": 2}}
    assert run["result"] == {"x,y": 1}
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "'lr.final'" in warnings[0]
    assert "'nested.a.b'" in warnings[0]
    assert "'x.y'" in warnings[1]


def test_credentials_never_stored(tmp_path, mongomock_client, sample_run, caplog):
    secret_url = "mongodb://ana:s3cret@127.0.0.1:1/sacred"
    unreachable = MongoObserver(secret_url, timeout=0.5, failure_dir=tmp_path)
    assert "s3cret" not in repr(unreachable)
    with caplog.at_level(logging.DEBUG), pytest.raises(MongoObserverError) as raised:
        start(unreachable, sample_run)
    assert "s3cret" not in str(raised.value)

    observer = MongoObserver(client=mongomock_client)
    meta = {**sample_run["meta_info"], "options": {"--mongo_db": secret_url}}
    run_id = observer.started_event(
        ex_info=sample_run["ex_info"], command="main", host_info={"ENV": {"DB": secret_url}},
        start_time=sample_run["start"], config={}, meta_info=meta, _id=None,
    )
    observer.heartbeat_event(info={}, captured_out=f"using {secret_url}\n", beat_time=sample_run["start"], result=None)
    run = mongomock_client.sacred.runs.find_one({"_id": run_id})
    assert "s3cret" not in repr(run)
    assert run["meta"]["options"]["--mongo_db"] == "mongodb://***@127.0.0.1:1/sacred"
    assert "s3cret" not in caplog.text


def test_artifact_content_type_guessed(mongomock_client, sample_run, tmp_path, caplog, capsys):
    observer = MongoObserver(client=mongomock_client)
    run_id = start(observer, sample_run)
    image = tmp_path / "plot.png"
    image.write_bytes(b"\x89PNG")
    unknown = tmp_path / "model.pt"
    unknown.write_bytes(b"\x00")

    with caplog.at_level(logging.INFO, logger="jupyter_sacred"):
        observer.artifact_event(name="plot.png", filename=str(image))
        observer.artifact_event(name="model.pt", filename=str(unknown))
        observer.artifact_event(name="given.bin", filename=str(unknown), content_type="application/x-torch")

    files = mongomock_client.sacred.fs.files
    assert files.find_one({"filename": f"artifact://runs/{run_id}/plot.png"})["contentType"] == "image/png"
    assert files.find_one({"filename": f"artifact://runs/{run_id}/model.pt"})["contentType"] is None
    assert files.find_one({"filename": f"artifact://runs/{run_id}/given.bin"})["contentType"] == "application/x-torch"
    assert "plot.png" in caplog.text
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("sacred", {"db_name": "sacred"}),
        ("127.0.0.1:27017", {"url": "127.0.0.1:27017"}),
        ("localhost:27017:runs_db.my_runs!-5", {"url": "localhost:27017", "db_name": "runs_db", "collection": "my_runs", "priority": -5}),
        ("mongodb://u:p@127.0.0.1:27017/team?authSource=admin!40", {"url": "mongodb://u:p@127.0.0.1:27017/team?authSource=admin", "db_name": "team", "priority": 40}),
    ],
)
def test_url_spec_forms(spec, expected, monkeypatch):
    created = {}
    monkeypatch.setattr(MongoObserver, "__init__", lambda self, **kwargs: created.update(kwargs))

    MongoObserver.from_url_spec(spec)

    assert created == expected


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("", "empty"),
        ("not a spec", "none of the accepted forms"),
        ("db_x.runs:12", "overwriting"),
        ("localhost:70000:db", "out of range"),
        ("mongodb://ana:s3cret@host:port/db", "non-digit"),
    ],
)
def test_url_spec_errors(spec, reason):
    with pytest.raises(MongoSpecError, match=reason) as raised:
        MongoObserver.from_url_spec(spec)
    assert "s3cret" not in str(raised.value)


def test_url_spec_connects(mongo_url, mongo_db_name, nx_db, sample_run):
    host_port = mongo_url.removeprefix("mongodb://")
    observer = MongoObserver.from_url_spec(f"{host_port}:{mongo_db_name}!12")

    assert observer.priority == 12
    run_id = drive_run(observer, sample_run)
    assert nx_db.runs.find_one({"_id": run_id})["status"] == "COMPLETED"


def test_reserved_collection_rejected():
    with pytest.raises(ValueError, match="reserved"):
        MongoObserver(client=object(), collection="fs.files")


def test_missing_artifact_skipped(mongomock_client, sample_run, tmp_path, caplog):
    observer = MongoObserver(client=mongomock_client)
    run_id = start(observer, sample_run)

    with caplog.at_level(logging.ERROR, logger="jupyter_sacred"):
        observer.artifact_event(name="gone.txt", filename=str(tmp_path / "gone.txt"))
        observer.completed_event(stop_time=sample_run["times"][0], result=None)

    run = mongomock_client.sacred.runs.find_one({"_id": run_id})
    assert run["status"] == "COMPLETED"
    assert run["artifacts"] == []
    assert "gone.txt" in caplog.text


def test_nan_metric_on_nx(observer, nx_db, sample_run, caplog):
    run_id = start(observer, sample_run)
    times = sample_run["times"]
    info: dict = {}

    with caplog.at_level(logging.WARNING, logger="jupyter_sacred"):
        observer.log_metrics({"loss": {"steps": [0, 1], "values": [1.0, float("nan")], "timestamps": times[:2]}}, info)
        observer.log_metrics({"loss": {"steps": [2], "values": [0.5], "timestamps": times[2:3]}}, info)

    metric = nx_db.metrics.find_one({"run_id": run_id, "name": "loss"})
    assert metric["steps"] == [0, 1, 2]
    assert metric["values"][0] == 1.0
    assert metric["values"][2] == 0.5
    # A real MongoDB stores NaN; nx-27017 0.8.1 rejects it, so the observer stores null there.
    nan_stored = metric["values"][1]
    assert nan_stored is None or nan_stored != nan_stored
    assert metric["timestamps"] == times[:3]
    assert info["metrics"] == [{"name": "loss", "id": str(metric["_id"])}]


@pytest.mark.parametrize(
    "spec, text",
    [
        ("notaurl", "MongoObserver(url='localhost:27017', db_name='notaurl', runs='runs')"),
        ("127.0.0.1:1:db.coll", "MongoObserver(url='127.0.0.1:1', db_name='db', runs='coll')"),
        ("mongodb://user:s3cret@127.0.0.1:1/db", "MongoObserver(url='mongodb://***@127.0.0.1:1', db_name='db', runs='runs')"),
    ],
)
def test_repr_names_spec_parts(spec, text):
    assert repr(MongoObserver.from_url_spec(spec)) == text


def test_check_connection(observer, tmp_path):
    assert observer.check_connection(timeout=5) is None
    unreachable = MongoObserver.from_url_spec("mongodb://127.0.0.1:1/db", failure_dir=tmp_path)
    warning = unreachable.check_connection(timeout=0.3)
    assert warning.startswith("cannot reach MongoDB at 127.0.0.1:1 within 0.3 s: ")
    assert str(tmp_path) in warning
