"""The Python API used in odd ways: odd metric steps, nested runs, calls after a run ended."""

from __future__ import annotations

import math
import threading

import pytest

from jupyter_sacred import Experiment
from jupyter_sacred.metrics import MetricsLogger
from jupyter_sacred.observers.file import FileObserver
from jupyter_sacred.records import read_run


@pytest.mark.parametrize("step", [math.nan, math.inf, -math.inf])
def test_non_finite_step_raises(step):
    # A NaN or infinite step has no place in the step order, and every later
    # automatic step would inherit it.
    metrics = MetricsLogger()
    with pytest.raises(ValueError, match="step .* is not a finite number"):
        metrics.log_scalar("x", 1.0, step)
    metrics.log_scalar("x", 2.0)

    assert metrics.drain()["x"]["steps"] == [0]


def test_backward_steps_kept_as_logged():
    metrics = MetricsLogger()
    for step in (5, 3, 1):
        metrics.log_scalar("x", float(step), step)
    metrics.log_scalar("x", 0.0)

    assert metrics.drain()["x"]["steps"] == [5, 3, 1, 2]


def nesting_experiment(store):
    """Return an experiment whose main function starts a second run of itself, once."""
    ex = Experiment("nested", observers=[FileObserver(store)], save_git_info=False)
    ex.add_config(depth=0)

    @ex.main
    def main(depth, _run):
        if depth == 0:
            inner = ex.run(config_updates={"depth": 1})
            return {"inner": inner._id, "current": ex.current_run._id}
        return "inner result"

    return ex


def test_nested_run_records_both(tmp_path):
    # Each run is recorded in its own folder although the two share one observer.
    outer = nesting_experiment(tmp_path / "runs").run()

    assert outer.result["current"] == outer._id
    assert read_run(tmp_path / "runs", outer._id)["status"] == "COMPLETED"
    inner = read_run(tmp_path / "runs", outer.result["inner"])
    assert inner["status"] == "COMPLETED"
    assert inner["result"] == "inner result"


def test_calls_after_end_raise(tmp_path):
    # Points and files sent to an ended run would be lost, or stored with a later run.
    ex = Experiment("ended", observers=[FileObserver(tmp_path / "runs")], save_git_info=False)
    (tmp_path / "late.txt").write_text("late")
    ex.main(lambda: None)
    first = ex.run()
    messages = []

    @ex.main
    def second_main():
        for call in (lambda: first.log_scalar("x", 1.0), lambda: first.add_artifact(tmp_path / "late.txt"),
                     lambda: first.add_resource(tmp_path / "late.txt")):
            with pytest.raises(RuntimeError, match=f"run {first._id} has ended") as raised:
                call()
            messages.append(str(raised.value))

    second = ex.run()

    assert len(messages) == 3
    assert read_run(tmp_path / "runs", second._id)["artifacts"] == []
    assert read_run(tmp_path / "runs", second._id)["resources"] == []
    assert read_run(tmp_path / "runs", first._id)["artifacts"] == []


def test_thread_logging_after_end_raises(tmp_path):
    ex = Experiment("late", observers=[FileObserver(tmp_path / "runs")], save_git_info=False)
    ex.main(lambda: None)
    run = ex.run()
    errors = []
    worker = threading.Thread(target=lambda: errors.append(_raised(run.log_scalar, "loss", 0.5)))
    worker.start()
    worker.join()

    assert "run 1 has ended (COMPLETED)" in errors[0]


def _raised(function, *args):
    try:
        function(*args)
    except RuntimeError as error:
        return str(error)
    return "nothing raised"


@pytest.mark.parametrize("method", ["add_artifact", "add_resource", "open_resource"])
def test_folder_as_file_named_folder(tmp_path, method):
    folder = tmp_path / "plots"
    folder.mkdir()
    ex = Experiment("folder", observers=[FileObserver(tmp_path / "runs")], save_git_info=False)
    ex.main(lambda _run: getattr(_run, method)(folder))

    with pytest.raises(IsADirectoryError, match="plots is a folder"):
        ex.run()


def test_empty_artifact_stored(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    ex = Experiment("empty", observers=[FileObserver(tmp_path / "runs")], save_git_info=False)
    ex.main(lambda _run: _run.add_artifact(tmp_path / "empty.txt"))
    run = ex.run()

    assert read_run(tmp_path / "runs", run._id)["artifacts"][0]["name"] == "empty.txt"
    assert (tmp_path / "runs" / str(run._id) / "empty.txt").read_bytes() == b""


def test_nested_run_keeps_captured_config(tmp_path):
    # A captured function called after a nested run ended reads the outer run's config again.
    ex = Experiment("captured", observers=[FileObserver(tmp_path / "runs")], save_git_info=False)
    ex.add_config(lr=1, depth=0)

    @ex.capture
    def learning_rate(lr):
        return lr

    @ex.main
    def main(depth):
        if depth == 0:
            inner = ex.run(config_updates={"lr": 2, "depth": 1})
            return inner.result, learning_rate()
        return learning_rate()

    assert ex.run().result == (2, 1)
