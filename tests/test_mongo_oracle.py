"""Our MongoObserver against Sacred 0.8.7's: the same events must give the same documents."""

from __future__ import annotations

import datetime as dt
import json

import gridfs
import pymongo
import pytest
from bson import ObjectId
from sacred.observers import MongoObserver as SacredMongoObserver

from jupyter_sacred.observers.mongo import MongoObserver
from tests.fixtures_mongo import drive_run

pytestmark = pytest.mark.mongo


def normalise(value):
    """Replace ObjectIds (file and metric ids differ between writers) with a placeholder."""
    if isinstance(value, ObjectId):
        return "<ObjectId>"
    if isinstance(value, dict):
        if set(value) == {"name", "id"} and ObjectId.is_valid(value["id"]):
            return {"name": value["name"], "id": "<ObjectId>"}
        return {key: normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, str) and value.startswith('{"$date":'):
        # nx-27017 0.8.1 stores datetimes that Sacred $push-es onto an existing
        # metric document as JSON strings; a real MongoDB keeps them as dates.
        return dt.datetime.fromisoformat(json.loads(value)["$date"])
    return value


def stored(database, run_id):
    run = database.runs.find_one({"_id": run_id})
    metrics = {doc["name"]: doc for doc in database.metrics.find({"run_id": run_id})}
    artifact = database.fs.files.find_one({"filename": f"artifact://runs/{run_id}/model.txt"})
    return run, metrics, artifact


def write_both(sacred_db, our_observer, our_db, sample_run, sacred_observer, status="COMPLETED"):
    sacred_id = drive_run(sacred_observer, sample_run, status=status)
    our_id = drive_run(our_observer, sample_run, status=status)
    return stored(sacred_db, sacred_id), stored(our_db, our_id)


@pytest.fixture(params=["nx", "mongomock"])
def two_stores(request, sample_run, tmp_path):
    """(Sacred's observer, its database, our observer, our database) on nx-27017 or mongomock."""
    if request.param == "nx":
        url = request.getfixturevalue("mongo_url")
        name = request.getfixturevalue("mongo_db_name")
        client = pymongo.MongoClient(url)
        sacred_observer = SacredMongoObserver(url=url, db_name=name + "_sacred")
        ours = MongoObserver(url, db_name=name, failure_dir=tmp_path / "failed")
        yield sacred_observer, client[name + "_sacred"], ours, client[name]
        client.close()
    else:
        client = request.getfixturevalue("mongomock_client")
        sacred_db, our_db = client["sacred_oracle"], client["ours"]
        sacred_observer = SacredMongoObserver.create_from(
            sacred_db.runs, gridfs.GridFS(sacred_db), metrics_collection=sacred_db.metrics
        )
        yield sacred_observer, sacred_db, MongoObserver(client=client, db_name="ours"), our_db


@pytest.mark.parametrize("status", ["COMPLETED", "FAILED", "INTERRUPTED"])
def test_oracle_run_document(two_stores, sample_run, status):
    sacred_observer, sacred_db, ours, our_db = two_stores
    (sacred_run, _, _), (our_run, _, _) = write_both(sacred_db, ours, our_db, sample_run, sacred_observer, status)

    assert sorted(our_run) == sorted(sacred_run)
    for key in sacred_run:
        assert normalise(our_run[key]) == normalise(sacred_run[key]), key


def test_oracle_metrics_documents(two_stores, sample_run):
    sacred_observer, sacred_db, ours, our_db = two_stores
    (sacred_run, sacred_metrics, _), (our_run, our_metrics, _) = write_both(
        sacred_db, ours, our_db, sample_run, sacred_observer
    )

    assert sorted(our_metrics) == sorted(sacred_metrics) == ["acc", "loss"]
    for name, sacred_doc in sacred_metrics.items():
        assert normalise(our_metrics[name]) == normalise(sacred_doc), name
    links = {link["name"]: link["id"] for link in our_run["info"]["metrics"]}
    assert links == {name: str(doc["_id"]) for name, doc in our_metrics.items()}


def test_oracle_artifact_file(two_stores, sample_run):
    sacred_observer, sacred_db, ours, our_db = two_stores
    (_, _, sacred_file), (our_run, _, our_file) = write_both(sacred_db, ours, our_db, sample_run, sacred_observer)

    for key in ("filename", "metadata", "length", "chunkSize"):
        assert our_file.get(key) == sacred_file.get(key), key
    # nx-27017 0.8.1 drops contentType from fs.files; mongomock keeps it.
    assert our_file.get("contentType") == sacred_file.get("contentType")
    content = gridfs.GridFS(our_db).get(our_run["artifacts"][0]["file_id"]).read()
    assert content == b"weights=1,2,3\n"


def test_oracle_queued_document(two_stores, sample_run):
    sacred_observer, sacred_db, ours, our_db = two_stores
    queued = dict(
        ex_info=sample_run["ex_info"], command="main", host_info=sample_run["host_info"],
        queue_time=sample_run["start"], config=sample_run["config"],
        meta_info={**sample_run["meta_info"], "queue_time": sample_run["start"]}, _id=None,
    )
    sacred_id = sacred_observer.queued_event(**queued)
    our_id = ours.queued_event(**queued)

    sacred_run = sacred_db.runs.find_one({"_id": sacred_id})
    our_run = our_db.runs.find_one({"_id": our_id})
    assert our_id == sacred_id == 1
    assert normalise(our_run) == normalise(sacred_run)
