"""An observer that raises must not stop the run or the other observers."""

from __future__ import annotations

import json
import logging

import pytest

from jupyter_sacred import Experiment
from jupyter_sacred.errors import ObserverStartError
from jupyter_sacred.observers.base import RunObserver
from jupyter_sacred.observers.file import FileObserver
from jupyter_sacred.records import load_metrics, load_runs

EVENTS = ("heartbeat_event", "completed_event", "interrupted_event", "failed_event",
          "resource_event", "artifact_event", "log_metrics", "join")


class Broken(RunObserver):
    """Raises in every event except ``started_event`` (unless ``fail_start``)."""

    def __init__(self, label: str, priority: int = 0, fail_start: bool = False) -> None:
        self.label = label
        self.priority = priority
        self.fail_start = fail_start
        self.calls: list[str] = []

    def __repr__(self) -> str:
        return f"Broken({self.label!r})"

    def started_event(self, **kwargs):
        self.calls.append("started_event")
        if self.fail_start:
            raise ConnectionError(f"{self.label} cannot reach its store")
        return None

    def __getattribute__(self, name):
        if name in EVENTS:
            def fail(*args, **kwargs):
                object.__getattribute__(self, "calls").append(name)
                raise RuntimeError(f"{object.__getattribute__(self, 'label')} broke in {name}")
            return fail
        return object.__getattribute__(self, name)


def experiment(tmp_path, observers) -> Experiment:
    ex = Experiment("faulty", observers=observers, save_git_info=False)
    artifact = tmp_path / "model.txt"
    artifact.write_text("weights")

    @ex.main
    def main(_run):
        for step in range(5):
            _run.log_scalar("loss", 1.0 / (step + 1))
        _run.add_artifact(artifact)
        _run.add_resource(artifact)
        _run.info["done"] = True
        return 42

    return ex


def dispatch_errors(caplog, observer) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "jupyter_sacred._dispatch" and repr(observer) in r.getMessage()]


def test_broken_observers_do_not_stop_run(tmp_path, caplog):
    store = tmp_path / "runs"
    first, last = Broken("first", priority=100), Broken("last", priority=-100)
    ex = experiment(tmp_path, [first, FileObserver(store), last])
    caplog.set_level(logging.INFO)

    run = ex.run(options={"--beat-interval": 0.01})

    assert run.status == "COMPLETED"
    assert run.result == 42
    # The file observer between the two broken ones stored everything.
    assert load_runs(store)["status"].tolist() == ["COMPLETED"]
    assert load_metrics(store)["value"].tolist() == [1.0 / (step + 1) for step in range(5)]
    folder = store / str(run._id)
    assert json.loads((folder / "run.json").read_text())["artifacts"] == ["model.txt"]
    assert json.loads((folder / "info.json").read_text()) == {"done": True}
    for observer in (first, last):
        errors = dispatch_errors(caplog, observer)
        dropped = [r for r in errors if "gets no more events" in r.getMessage()]
        assert len(dropped) == 1, [r.getMessage() for r in errors]
        assert f"of run {run._id}" in dropped[0].getMessage()
        assert all(r.levelno == logging.ERROR and r.exc_info for r in errors)
        # After the first failure only the end of the run and join reach it.
        assert observer.calls[0] == "started_event"
        assert observer.calls[-2:] == ["completed_event", "join"]
        assert len(observer.calls) == 4
    summary = [r for r in caplog.records if "these observers failed" in r.getMessage()]
    assert len(summary) == 1
    assert "first" in summary[0].getMessage()
    assert "last" in summary[0].getMessage()


@pytest.mark.parametrize("priority", [100, -100])
def test_failed_start_is_fatal_and_named(tmp_path, caplog, priority):
    store = tmp_path / "runs"
    broken = Broken("offline", priority=priority, fail_start=True)
    ex = experiment(tmp_path, [FileObserver(store), broken])

    caplog.set_level(logging.INFO)
    with pytest.raises(ObserverStartError) as raised:
        ex.run()

    message = str(raised.value)
    assert "Broken('offline')" in message
    assert "cannot reach its store" in message
    assert "ex.observers" in message  # says how to fix it
    assert isinstance(raised.value.__cause__, ConnectionError)
    # Observers that did not start get no beat, end or join, so nothing else is logged.
    assert broken.calls == ["started_event"]
    assert not [r for r in caplog.records if r.name == "jupyter_sacred._dispatch"]
    stored = load_runs(store) if store.exists() else None
    if stored is not None and len(stored):
        # The file observer started before the broken one: the run is stored as FAILED.
        assert stored["status"].tolist() == ["FAILED"]
