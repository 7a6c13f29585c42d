"""Credentials in a Mongo URL never reach a stored record, a file or a log line."""

from __future__ import annotations

import json
import logging
import re

import pymongo
import pytest

from jupyter_sacred import Experiment
from jupyter_sacred.errors import ObserverStartError
from jupyter_sacred.observers import mongo as mongo_module

# Built at run time so that this file, stored as a source of the run, does not contain it.
SECRET = "-".join(["s3cr3t", "Pa55", str(sum(range(10)))])


def url_with_secret(mongo_url: str, db_name: str) -> str:
    host = re.sub(r"^mongodb://", "", mongo_url).split("/")[0]
    return f"mongodb://alice:{SECRET}@{host}/{db_name}"


def script_experiment(tmp_path) -> Experiment:
    ex = Experiment("secret", save_git_info=False, base_dir=tmp_path)

    @ex.main
    def main(_run):
        _run.log_scalar("loss", 0.5)
        print("training")
        return 1

    return ex


def files_containing(folder, text: str) -> list:
    return [path for path in folder.rglob("*") if path.is_file() and text.encode() in path.read_bytes()]


class CredentialDroppingClient(pymongo.MongoClient):
    """nx-27017 has no authentication: connect without the credentials, keep everything else."""

    def __init__(self, host=None, *args, **kwargs):
        super().__init__(host.replace(f"alice:{SECRET}@", ""), *args, **kwargs)


def test_secret_not_stored_or_logged(tmp_path, mongo_url, mongo_db_name, monkeypatch, caplog, capsys):
    monkeypatch.setattr(mongo_module.pymongo, "MongoClient", CredentialDroppingClient)
    store = tmp_path / "runs"
    caplog.set_level(logging.DEBUG)
    url = url_with_secret(mongo_url, mongo_db_name)

    run = script_experiment(tmp_path).run_commandline(["train.py", "-m", url, "-F", str(store), "--capture", "sys"])

    assert run.status == "COMPLETED"
    client = pymongo.MongoClient(mongo_url, serverSelectionTimeoutMS=3000, socketTimeoutMS=10000)
    try:
        database = client[mongo_db_name]
        documents = [doc for name in ("runs", "metrics") for doc in database[name].find()]
    finally:
        client.close()
    assert any(doc.get("status") == "COMPLETED" for doc in documents)  # the run did reach the server
    assert SECRET not in json.dumps(documents, default=str)
    assert files_containing(store, SECRET) == []
    assert SECRET not in caplog.text
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err


def test_failed_login_names_no_secret(tmp_path, mongo_url, mongo_db_name, caplog, capsys):
    # nx-27017 cannot authenticate, so the observer fails to start: the error must still be safe to show.
    store = tmp_path / "runs"
    caplog.set_level(logging.DEBUG)
    url = url_with_secret(mongo_url, mongo_db_name)

    with pytest.raises(SystemExit):  # the script's command line reports the error and exits
        script_experiment(tmp_path).run_commandline(["train.py", "-F", str(store), "-m", url])
    with pytest.raises(ObserverStartError) as raised:
        script_experiment(tmp_path).run(options={"--mongo_db": url, "--file_storage": str(store)})

    assert "alice:***@" not in str(raised.value)
    assert "***@" in str(raised.value)
    assert SECRET not in str(raised.value)
    assert store.exists() is False or files_containing(store, SECRET) == []
    assert SECRET not in caplog.text
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
