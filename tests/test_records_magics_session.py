"""``%runs`` without a store reads the store this notebook's runs go to (``%observe``)."""

from __future__ import annotations

import pymongo
import pytest
from IPython.core.error import UsageError

from tests.test_records_magics import _write


def test_runs_observed_file_store(shell, tmp_path):
    _write(tmp_path / "mystore", 1)
    _write(tmp_path / "mystore", 2)
    shell.run_line_magic("observe", "file mystore")
    assert shell.run_line_magic("runs", "")["id"].tolist() == [1, 2]


def test_runs_default_store_missing(shell, tmp_path):
    with pytest.raises(UsageError, match=f"no run store at '{tmp_path / 'runs'}' yet; run an %%experiment cell"):
        shell.run_line_magic("runs", "")


def test_runs_observe_none(shell):
    shell.run_line_magic("observe", "none")
    with pytest.raises(UsageError, match="no file or MongoDB store"):
        shell.run_line_magic("runs", "")


@pytest.mark.mongo
def test_runs_observed_mongo(shell, mongo_url, mongo_db_name):
    shell.run_line_magic("observe", f"mongo {mongo_url} --db {mongo_db_name}")
    client = pymongo.MongoClient(mongo_url, serverSelectionTimeoutMS=5000)
    client[mongo_db_name].runs.insert_one({"_id": 7, "status": "COMPLETED", "experiment": {"name": "exp"},
                                           "config": {"lr": 0.5}, "host": {}, "meta": {}})
    client.close()
    frame = shell.run_line_magic("runs", "")
    assert frame["id"].tolist() == [7]
    assert frame["config.lr"].tolist() == [0.5]
