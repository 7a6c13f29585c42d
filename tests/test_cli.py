"""``jupyter sacred`` command line: ls, show, metrics, export, and usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from jupyter_sacred.cli import format_duration, main
from jupyter_sacred.records import load_runs


@pytest.fixture
def store(tmp_path):
    for run_id, status in [(1, "COMPLETED"), (2, "FAILED")]:
        folder = tmp_path / "runs" / str(run_id)
        folder.mkdir(parents=True)
        run = {"status": status, "experiment": {"name": "exp"}, "start_time": f"2025-03-14T09:0{run_id}:00.000000",
               "stop_time": f"2025-03-14T09:0{run_id}:30.000000", "heartbeat": None, "host": {"hostname": "node7"},
               "meta": {"comment": f"note {run_id}"}, "result": {"acc": run_id / 10}, "artifacts": ["model.txt"]}
        (folder / "run.json").write_text(json.dumps(run))
        (folder / "config.json").write_text(json.dumps({"lr": run_id / 100, "opt": {"name": "sgd"}, "tags": ["a", "b"]}))
        (folder / "model.txt").write_text("weights")
        (folder / "cout.txt").write_text("epoch 1\nepoch 2\n")
        metrics = {"loss": {"steps": [0, 1], "values": [1.0, 0.5], "timestamps": ["2025-03-14T09:00:01", "2025-03-14T09:00:02"]}}
        (folder / "metrics.json").write_text(json.dumps(metrics))
    return tmp_path / "runs"


def test_ls_lists_runs(store, capsys):
    assert main(["ls", str(store), "--status", "FAILED", "--config"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "config.lr" in lines[0]
    assert len(lines) == 2
    assert lines[1].split()[:3] == ["2", "exp", "FAILED"]


def test_show_run(store, capsys):
    assert main(["show", str(store), "1"]) == 0
    out = capsys.readouterr().out
    assert "run 1  exp  COMPLETED" in out
    assert "  lr = 0.01" in out
    assert str(store / "1" / "model.txt") in out
    assert out.endswith("epoch 1\nepoch 2\n")
    assert main(["show", str(store), "1", "--json", "--tail", "8"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["captured_out"] == "epoch 2\n"
    assert record["config"]["opt"] == {"name": "sgd"}


def test_metrics_wide(store, capsys):
    assert main(["metrics", str(store), "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["loss"]
    assert lines[-1].split() == ["1", "0.5"]


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_export_file(store, tmp_path, suffix, capsys):
    output = tmp_path / f"runs.{suffix}"
    assert main(["export", str(store), "-o", str(output)]) == 0
    frame = pd.read_csv(output) if suffix == "csv" else pd.read_parquet(output)
    assert frame["id"].tolist() == [1, 2]
    assert frame["config.lr"].tolist() == load_runs(store)["config.lr"].tolist()
    assert "wrote 2 runs" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["ls", "/no/such/store"], "No run store at '/no/such/store'"),
        (["show", "{store}", "9"], "no run '9' in '{store}'; list the ids with: jupyter sacred ls {store}"),
        (["metrics", "{store}", "9"], "no run '9'"),
        (["export", "{store}", "-o", "runs.xlsx"], "name the file .csv, .parquet or .pq"),
        (["ls", "{store}", "--since", "yesterday"], "Invalid since='yesterday'"),
    ],
)
def test_usage_errors(store, argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([arg.format(store=store) for arg in argv])
    assert exit_info.value.code == 2
    assert message.format(store=store) in capsys.readouterr().err


def test_jupyter_subcommand(store):
    jupyter = Path(sys.executable).parent / "jupyter"
    done = subprocess.run([str(jupyter), "sacred", "ls", str(store)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "COMPLETED" in done.stdout
    bad = subprocess.run([str(jupyter), "sacred", "ls"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert "STORE" in bad.stderr


def _write_run(store, run_id, config, result, stop="09:00:00.003945"):
    folder = store / str(run_id)
    folder.mkdir(parents=True)
    run = {"status": "COMPLETED", "experiment": {"name": "exp"}, "start_time": "2025-03-14T09:00:00.000000",
           "stop_time": f"2025-03-14T{stop}", "heartbeat": None, "host": {}, "meta": {}, "result": result}
    (folder / "run.json").write_text(json.dumps(run))
    (folder / "config.json").write_text(json.dumps(config))


def test_export_parquet_mixed_types(tmp_path, capsys):
    store = tmp_path / "mystore"
    runs = [({"lr": 0.1, "n": 1}, 3), ({"lr": "", "n": 2}, "str"), ({"lr": 0.3, "n": 3}, [1, 2])]
    for run_id, (config, result) in enumerate(runs, 1):
        _write_run(store, run_id, config, result)
    output = tmp_path / "runs.parquet"
    assert main(["export", str(store), "-o", str(output)]) == 0
    frame = pd.read_parquet(output)
    assert [json.loads(text) for text in frame["config.lr"]] == [config["lr"] for config, _ in runs]
    assert [json.loads(text) for text in frame["result"]] == [result for _, result in runs]
    assert frame["config.n"].tolist() == [1, 2, 3]
    assert pd.api.types.is_integer_dtype(frame["config.n"])


def test_export_unwritable(store, tmp_path, capsys):
    output = tmp_path / "missing-folder" / "runs.parquet"
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(store), "-o", str(output)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith(f"jupyter sacred export: error: cannot write '{output}'")
    assert len(err.splitlines()) == 1


def test_ls_duration(tmp_path, capsys):
    _write_run(tmp_path / "runs", 1, {}, None)
    assert main(["ls", str(tmp_path / "runs")]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[5] == "0:00:00.004"  # after date and time


@pytest.mark.parametrize(
    "duration, text",
    [(pd.Timedelta(days=1, hours=2, seconds=3.5), "26:00:03.500"), (pd.Timedelta(milliseconds=59_999.6), "0:01:00.000"),
     (pd.NaT, "")],
)
def test_duration_format(duration, text):
    assert format_duration(duration) == text


def test_ls_help(capsys):
    with pytest.raises(SystemExit):
        main(["ls", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "DEAD (a RUNNING run whose heartbeat stopped" in help_text
    assert "one column per entry (config.<dotted.key>)" in help_text


def test_ls_mongo_unreachable(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["ls", "mongodb://127.0.0.1:1/x?serverSelectionTimeoutMS=200"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("jupyter sacred ls: error: cannot reach MongoDB at 127.0.0.1:1: ")
    assert "Connection refused" in err
    assert len(err.splitlines()) == 1
