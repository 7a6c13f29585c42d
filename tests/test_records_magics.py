"""``%runs`` in a real IPython shell, and compare() plots."""

from __future__ import annotations

import json

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from jupyter_sacred.notebook.records_magics import RecordsMagics
from jupyter_sacred.records import compare


@pytest.fixture
def shell():
    ip = InteractiveShell.instance()
    ip.register_magics(RecordsMagics(ip))
    yield ip
    InteractiveShell.clear_instance()


def _write(store, run_id, status="COMPLETED", name="exp", metric=None):
    folder = store / str(run_id)
    folder.mkdir(parents=True)
    run = {"status": status, "experiment": {"name": name}, "start_time": f"2025-03-14T09:0{run_id}:00.000000",
           "stop_time": f"2025-03-14T09:0{run_id}:30.000000", "heartbeat": None, "meta": {}, "host": {}}
    (folder / "run.json").write_text(json.dumps(run))
    (folder / "config.json").write_text(json.dumps({"lr": run_id / 10}))
    if metric:
        (folder / "metrics.json").write_text(json.dumps({"loss": {"steps": [0, 1], "values": metric, "timestamps": [None, None]}}))


def test_runs_magic_table(shell, tmp_path):
    _write(tmp_path, 1)
    _write(tmp_path, 2, status="FAILED", name="other")
    _write(tmp_path, 3)
    shell.user_ns["store"] = str(tmp_path)
    frame = shell.run_line_magic("runs", str(tmp_path))
    assert frame["id"].tolist() == [1, 2, 3]
    assert shell.run_line_magic("runs", f"{tmp_path} -s FAILED")["id"].tolist() == [2]
    assert shell.run_line_magic("runs", f"{tmp_path} -e exp -n 1")["id"].tolist() == [3]
    assert shell.run_line_magic("runs", "$store")["config.lr"].tolist() == [0.1, 0.2, 0.3]


def test_runs_magic_default_store(shell, tmp_path, monkeypatch):
    _write(tmp_path / "runs", 1)
    monkeypatch.chdir(tmp_path)
    assert shell.run_line_magic("runs", "")["id"].tolist() == [1]


def test_runs_magic_bad_input(shell, tmp_path):
    with pytest.raises(UsageError, match="no run store at .*missing.*; pass a run folder"):
        shell.run_line_magic("runs", str(tmp_path / "missing"))
    with pytest.raises(UsageError, match="at least 1"):
        shell.run_line_magic("runs", f"{tmp_path} -n 0")
    with pytest.raises(UsageError):
        shell.run_line_magic("runs", f"{tmp_path} --bogus")


def test_compare_plots_runs(tmp_path):
    _write(tmp_path, 1, metric=[1.0, 0.5])
    _write(tmp_path, 2, metric=[2.0, 1.5])
    _write(tmp_path, 3)
    figure = compare([1, 2, 3], "loss", store=tmp_path)
    axes = figure.axes[0]
    lines = {line.get_label(): list(line.get_ydata()) for line in axes.get_lines()}
    assert lines == {"run 1": [1.0, 0.5], "run 2": [2.0, 1.5]}
    assert "no data for run 3" in axes.get_title()
    assert axes.get_ylabel() == "loss"


def test_compare_displays_png(shell, tmp_path):
    _write(tmp_path, 1, metric=[1.0, 0.5])
    shell.user_ns["store"] = str(tmp_path)
    shell.run_cell("from jupyter_sacred.records import compare\nfigure = compare([1], 'loss', store)")
    data, _ = shell.display_formatter.format(shell.user_ns["figure"])
    assert data["image/png"].startswith(b"\x89PNG\r\n\x1a\n")
    assert shell.user_ns["figure"].axes[0].get_ylabel() == "loss"
