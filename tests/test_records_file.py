"""Folder stores: filters, DEAD on read, broken folders, safe decoding, live metrics."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import jsonpickle
import pytest

from jupyter_sacred import _storage
from jupyter_sacred.records import (
    InvalidFilterError,
    RunNotFoundError,
    StoreNotFoundError,
    load_metrics,
    load_runs,
    metrics_wide,
    read_run,
)


def write_run(store: Path, run_id: int, *, status="COMPLETED", start=None, heartbeat=None, name="exp",
              config=None, result=None, meta=None, info=None) -> Path:
    """Write one run folder the way Sacred's file observer lays it out."""
    start = start or dt.datetime(2025, 3, 14, 9, 0) + dt.timedelta(minutes=run_id)
    folder = store / str(run_id)
    folder.mkdir(parents=True)
    run = {
        "command": "main", "experiment": {"name": name, "repositories": [], "sources": []},
        "host": {"hostname": "node7"}, "meta": meta or {"command": "main", "options": {}},
        "status": status, "start_time": _storage.format_time(start), "resources": [], "artifacts": [],
        "heartbeat": _storage.format_time(heartbeat) if heartbeat else None, "result": result,
    }
    if status not in ("RUNNING", "QUEUED"):
        run["stop_time"] = _storage.format_time(start + dt.timedelta(seconds=30))
    (folder / "run.json").write_text(json.dumps(run))
    (folder / "config.json").write_text(json.dumps(config if config is not None else {"lr": 0.1}))
    if info is not None:
        (folder / "info.json").write_text(json.dumps(info))
    return folder


def test_load_runs_filters(tmp_path):
    write_run(tmp_path, 1, name="a", config={"lr": 0.1, "opt": {"name": "sgd"}})
    write_run(tmp_path, 2, name="b", status="FAILED", config={"lr": 0.01, "opt": {"name": "adam"}})
    write_run(tmp_path, 3, name="a", config={"lr": 0.001, "opt": {"name": "adam"}})
    assert load_runs(tmp_path, status="failed")["id"].tolist() == [2]
    assert load_runs(tmp_path, experiment=["a"])["id"].tolist() == [1, 3]
    assert load_runs(tmp_path, since="2025-03-14T09:02", until=dt.datetime(2025, 3, 14, 9, 3))["id"].tolist() == [2]
    assert load_runs(tmp_path, query={"config.opt.name": "adam", "config.lr": {"$lt": 0.005}})["id"].tolist() == [3]
    assert load_runs(tmp_path, query={"$or": [{"status": "FAILED"}, {"config.lr": 0.1}]})["id"].tolist() == [1, 2]


def test_load_runs_columns(tmp_path):
    write_run(tmp_path, 1, config={"lr": 0.1, "opt": {"name": "sgd", "beta": [0.9, 0.99]}}, result={"acc": 0.9},
              meta={"command": "main", "comment": "baseline", "options": {}})
    write_run(tmp_path, 2, result=0.5)
    frame = load_runs(tmp_path)
    assert frame.loc[0, "config.opt.beta"] == [0.9, 0.99]
    assert frame.loc[0, "result.acc"] == 0.9
    assert frame.loc[1, "result"] == 0.5
    assert frame.loc[0, "comment"] == "baseline"
    assert frame.loc[0, "duration"] == dt.timedelta(seconds=30)
    assert str(frame["start_time"].dtype).startswith("datetime64")


def test_load_runs_empty_store(tmp_path):
    frame = load_runs(tmp_path)
    assert frame.empty
    assert "status" in frame.columns


def test_dead_derived_not_written(tmp_path):
    now = _storage.utcnow()
    stale = write_run(tmp_path, 1, status="RUNNING", start=now - dt.timedelta(hours=1), heartbeat=now - dt.timedelta(minutes=5))
    write_run(tmp_path, 2, status="RUNNING", start=now - dt.timedelta(hours=1), heartbeat=now - dt.timedelta(seconds=5))
    write_run(tmp_path, 3, status="RUNNING", start=now - dt.timedelta(minutes=10))
    write_run(tmp_path, 4, status="RUNNING", start=now - dt.timedelta(seconds=10))
    before = (stale / "run.json").read_bytes()
    frame = load_runs(tmp_path).set_index("id")
    assert frame["status"].to_dict() == {1: "DEAD", 2: "RUNNING", 3: "DEAD", 4: "RUNNING"}
    assert load_runs(tmp_path, status="DEAD")["id"].tolist() == [1, 3]
    assert load_runs(tmp_path, status="RUNNING")["id"].tolist() == [2, 4]
    assert load_runs(tmp_path, dead_after=3600 * 2)["status"].tolist() == ["RUNNING"] * 4
    assert (stale / "run.json").read_bytes() == before


def test_dead_uses_beat_interval(tmp_path):
    now = _storage.utcnow()
    slow = {"command": "main", "options": {"--beat-interval": "100"}}
    ours = {"command": "main", "options": {"--beat-interval": None}, "beat_interval": 60.0}
    write_run(tmp_path, 1, status="RUNNING", heartbeat=now - dt.timedelta(seconds=200), meta=slow)
    write_run(tmp_path, 2, status="RUNNING", heartbeat=now - dt.timedelta(seconds=200), meta=ours)
    write_run(tmp_path, 3, status="RUNNING", heartbeat=now - dt.timedelta(seconds=200))
    assert load_runs(tmp_path)["status"].tolist() == ["RUNNING", "DEAD", "DEAD"]


def test_broken_runs_one_warning(tmp_path, caplog):
    write_run(tmp_path, 1)
    (write_run(tmp_path, 2) / "run.json").write_text('{"status": "COMPL')
    (tmp_path / "3").mkdir()
    (write_run(tmp_path, 4) / "config.json").write_text("{nope")
    (tmp_path / "_sources").mkdir()
    (tmp_path / "_resources").mkdir()
    (tmp_path / "notes").mkdir()
    with caplog.at_level(logging.WARNING, logger="jupyter_sacred.records"):
        frame = load_runs(tmp_path)
    assert frame["id"].tolist() == [1]
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "ids 2, 3, 4" in warnings[0].getMessage()


PAYLOAD_KEYS = ["result", "config", "info"]


@pytest.mark.parametrize("where", PAYLOAD_KEYS)
def test_payload_never_runs(tmp_path, where):
    target = tmp_path / f"pwned-{where}"
    payload = {"py/reduce": [{"py/function": "builtins.open"}, {"py/tuple": [str(target), "w"]}]}
    # The payload is real: jsonpickle would create the file.
    proof = tmp_path / "proof"
    jsonpickle.decode(json.dumps({"py/reduce": [{"py/function": "builtins.open"}, {"py/tuple": [str(proof), "w"]}]})).close()
    assert proof.exists()

    store = tmp_path / "store"
    fields = {"result": {"x": payload}, "config": {"x": payload, "lr": 0.1}, "info": {"x": payload}}
    write_run(store, 1, **{where: fields[where]})
    frame = load_runs(store)
    record = read_run(store, 1)
    metrics = load_metrics(store)
    assert not target.exists()
    assert record[where]["x"] == payload
    if where != "info":
        assert frame.loc[0, f"{where}.x.py/reduce"] == payload["py/reduce"]
    assert metrics.empty


def test_safe_values_decoded(tmp_path):
    info = {"arr": {"py/object": "numpy.ndarray", "dtype": "int64", "values": [1, 2]},
            "when": {"py/object": "datetime.datetime", "__reduce__": [{"py/type": "datetime.datetime"}, ["B+kDDgkaNQj/4Q=="]]},
            "pair": {"py/tuple": [1, 2]}, "blob": {"py/b64": "YWJj"}, "obj": {"py/object": "os.PathLike"}}
    write_run(tmp_path, 1, info=info, result={"py/object": "numpy.float64", "dtype": "float64", "value": 1.5})
    record = read_run(tmp_path, 1)
    assert record["info"]["arr"].tolist() == [1, 2]
    assert record["info"]["when"] == dt.datetime(2025, 3, 14, 9, 26, 53, 589793)
    assert record["info"]["pair"] == (1, 2)
    assert record["info"]["blob"] == b"abc"
    assert record["info"]["obj"] == {"py/object": "os.PathLike"}
    assert load_runs(tmp_path).loc[0, "result"] == 1.5


def test_metrics_merge_journal(tmp_path):
    folder = write_run(tmp_path, 1, status="RUNNING", heartbeat=_storage.utcnow())
    stamps = [_storage.format_time(dt.datetime(2025, 3, 14, 9, 0, second)) for second in range(4)]
    metrics = {"loss": {"steps": [0, 1], "values": [1.0, 0.5], "timestamps": stamps[:2]}}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    with open(folder / _storage.METRICS_JOURNAL, "w") as journal:
        journal.write(_storage.journal_line("loss", 1, [1, 2, 3], [0.5, 0.25, 0.125], stamps[1:]))
        journal.write(_storage.journal_line("acc", 0, [0], [0.7], stamps[:1]))
        journal.write('{"name": "acc", "offs')  # a torn last line, being written
    frame = load_metrics(tmp_path)
    assert frame[frame["name"] == "loss"]["value"].tolist() == [1.0, 0.5, 0.25, 0.125]
    assert frame[frame["name"] == "acc"]["step"].tolist() == [0]
    assert frame["timestamp"].iloc[0] == dt.datetime(2025, 3, 14, 9, 0, 0)
    assert load_metrics(tmp_path, run_ids=1, names="acc")["value"].tolist() == [0.7]
    assert read_run(tmp_path, 1)["metrics"] == ["acc", "loss"]
    wide = metrics_wide(frame)
    assert wide.loc[(1, 3), "loss"] == 0.125
    assert list(wide.columns) == ["acc", "loss"]


def test_read_run_record(tmp_path):
    folder = write_run(tmp_path, 1, config={"lr": 0.1})
    run = json.loads((folder / "run.json").read_text())
    run["artifacts"] = ["model.txt"]
    run["experiment"]["repositories"] = [{"commit": "abc", "dirty": True, "url": "u"}] * 2
    (folder / "run.json").write_text(json.dumps(run))
    (folder / "model.txt").write_text("weights")
    (folder / "cout.txt").write_text("é" * 10 + "tail\n")
    record = read_run(tmp_path, "1", tail_bytes=7)
    assert record["id"] == 1
    assert record["config"] == {"lr": 0.1}
    assert Path(record["artifacts"][0]["path"]).read_text() == "weights"
    assert record["captured_out"] == "étail\n"
    assert record["captured_out_bytes"] == 25
    assert record["git"] == {"commit": "abc", "dirty": True, "repositories": [{"commit": "abc", "dirty": True, "url": "u"}]}


def test_read_run_errors(tmp_path):
    write_run(tmp_path, 1)
    with pytest.raises(RunNotFoundError, match="No run '../1'"):
        read_run(tmp_path, "../1")
    with pytest.raises(RunNotFoundError):
        read_run(tmp_path, 7)
    with pytest.raises(StoreNotFoundError, match="mongodb://"):
        load_runs(tmp_path / "missing")
    with pytest.raises(InvalidFilterError, match="dead_after"):
        load_runs(tmp_path, dead_after="soon")
    with pytest.raises(InvalidFilterError, match=r"\$near"):
        load_runs(tmp_path, query={"config.lr": {"$near": 1}})
