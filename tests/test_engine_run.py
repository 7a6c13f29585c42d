"""The run engine through the Experiment API: lifecycle, events, states and traces."""

from __future__ import annotations

import logging

import pytest

from jupyter_sacred import Experiment, SacredInterrupt, TimeoutInterrupt
from jupyter_sacred.observers import RunObserver


class RecordingObserver(RunObserver):
    """Records every event with its keyword arguments, in order."""

    def __init__(self, priority=0, returns=None):
        self.priority = priority
        self.returns = returns
        self.events = []

    def _record(self, name, **kwargs):
        self.events.append((name, kwargs))

    def started_event(self, **kwargs):
        self._record("started_event", **kwargs)
        return self.returns

    def queued_event(self, **kwargs):
        self._record("queued_event", **kwargs)
        return self.returns

    def heartbeat_event(self, **kwargs):
        self._record("heartbeat_event", **kwargs)

    def log_metrics(self, **kwargs):
        self._record("log_metrics", **kwargs)

    def completed_event(self, **kwargs):
        self._record("completed_event", **kwargs)

    def failed_event(self, **kwargs):
        self._record("failed_event", **kwargs)

    def interrupted_event(self, **kwargs):
        self._record("interrupted_event", **kwargs)

    def artifact_event(self, **kwargs):
        self._record("artifact_event", **kwargs)

    def resource_event(self, **kwargs):
        self._record("resource_event", **kwargs)

    def join(self):
        self.events.append(("join", {}))

    def names(self):
        return [name for name, _ in self.events]


def make_experiment(tmp_path, *observers):
    ex = Experiment("engine_test", observers=list(observers), base_dir=tmp_path, save_git_info=False)

    @ex.config
    def cfg():
        lr = 0.5  # learning rate
        epochs = 3

    return ex


def test_completed_run_event_order(tmp_path):
    observer = RecordingObserver(returns=7)
    ex = make_experiment(tmp_path, observer)

    @ex.main
    def main(lr, epochs, _run):
        for epoch in range(epochs):
            _run.log_scalar("loss", lr / (epoch + 1))
        return lr * epochs

    run = ex.run(config_updates={"epochs": 2})

    assert run.status == "COMPLETED"
    assert run.result == 1.0
    assert run._id == 7
    names = observer.names()
    assert names[0] == "started_event"
    assert names[-2:] == ["completed_event", "join"]
    assert "heartbeat_event" in names
    beats = [kwargs for name, kwargs in observer.events if name == "log_metrics"]
    logged = [kwargs["metrics_by_name"]["loss"] for kwargs in beats if kwargs["metrics_by_name"]]
    assert [value for chunk in logged for value in chunk["values"]] == [0.5, 0.25]
    assert [step for chunk in logged for step in chunk["steps"]] == [0, 1]


def test_started_event_arguments(tmp_path):
    observer = RecordingObserver()
    ex = make_experiment(tmp_path, observer)
    ex.main(lambda: None)

    ex.run(meta_info={"purpose": "test"}, options={"--comment": "hello"})

    _, started = observer.events[0]
    assert set(started) == {"ex_info", "command", "host_info", "start_time", "config", "meta_info", "_id"}
    assert started["config"]["lr"] == 0.5
    assert isinstance(started["config"]["seed"], int)
    assert started["meta_info"]["comment"] == "hello"
    assert started["meta_info"]["purpose"] == "test"
    assert started["meta_info"]["options"]["--comment"] == "hello"
    assert started["ex_info"]["name"] == "engine_test"
    assert started["start_time"].tzinfo is None


def test_first_returned_id_wins(tmp_path):
    high = RecordingObserver(priority=30, returns=None)
    middle = RecordingObserver(priority=20, returns="a")
    low = RecordingObserver(priority=10, returns="b")
    ex = make_experiment(tmp_path, low, high, middle)
    ex.main(lambda: None)

    run = ex.run()

    assert run._id == "a"
    assert high.events[0][1]["_id"] is None
    assert middle.events[0][1]["_id"] is None
    assert low.events[0][1]["_id"] == "a"


def test_failed_run_records_trace(tmp_path):
    observer = RecordingObserver()
    ex = make_experiment(tmp_path, observer)

    @ex.main
    def main():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        ex.run()

    name, kwargs = observer.events[-2]
    assert name == "failed_event"
    trace = kwargs["fail_trace"]
    assert isinstance(trace, list)
    assert trace[-1] == "ValueError: boom\n"
    assert "jupyter_sacred/run.py" not in "".join(trace)


@pytest.mark.parametrize(
    ("error", "status"),
    [(KeyboardInterrupt(), "INTERRUPTED"), (TimeoutInterrupt(), "TIMEOUT"), (SacredInterrupt(), "INTERRUPTED")],
)
def test_interrupt_statuses(tmp_path, error, status):
    observer = RecordingObserver()
    ex = make_experiment(tmp_path, observer)

    @ex.main
    def main():
        raise error

    with pytest.raises(type(error)):
        ex.run()

    name, kwargs = observer.events[-2]
    assert name == "interrupted_event"
    assert kwargs["status"] == status


def test_custom_interrupt_status(tmp_path):
    class Diverged(SacredInterrupt):
        STATUS = "DIVERGED"

    observer = RecordingObserver()
    ex = make_experiment(tmp_path, observer)

    @ex.main
    def main():
        raise Diverged()

    with pytest.raises(Diverged):
        run = ex.run()
    assert observer.events[-2][1]["status"] == "DIVERGED"


def test_failing_observer_does_not_stop_run(tmp_path, caplog):
    class Broken(RunObserver):
        def heartbeat_event(self, **kwargs):
            raise OSError("disk gone")

        def __repr__(self):
            return "Broken()"

    healthy = RecordingObserver()
    ex = make_experiment(tmp_path, Broken(), healthy)
    ex.main(lambda: 3)

    with caplog.at_level(logging.ERROR):
        run = ex.run(options={"--beat-interval": 0.01})

    assert run.status == "COMPLETED"
    assert healthy.names()[-2] == "completed_event"
    failures = [record for record in caplog.records if "Broken()" in record.getMessage()]
    assert len(failures) == 1
    assert "heartbeat_event" in failures[0].getMessage()


def test_queue_only_run(tmp_path):
    observer = RecordingObserver(returns=1)
    ex = make_experiment(tmp_path, observer)
    called = []
    ex.main(lambda: called.append(1))

    run = ex.run(options={"--queue": True})

    assert run.status == "QUEUED"
    assert called == []
    assert observer.names() == ["queued_event"]
    assert observer.events[0][1]["meta_info"]["queue_time"] is not None


def test_unobserved_run_sends_nothing(tmp_path):
    observer = RecordingObserver()
    ex = make_experiment(tmp_path, observer)
    ex.main(lambda: 1)

    run = ex.run(options={"--unobserved": True})

    assert run.result == 1
    assert observer.events == []


def test_implicit_steps_follow_explicit(tmp_path):
    observer = RecordingObserver()
    ex = make_experiment(tmp_path, observer)

    @ex.main
    def main(_run):
        _run.log_scalar("acc", 0.1)
        _run.log_scalar("acc", 0.2, step=10)
        _run.log_scalar("acc", 0.3)

    ex.run()

    chunks = [kw["metrics_by_name"]["acc"] for name, kw in observer.events
              if name == "log_metrics" and kw["metrics_by_name"]]
    assert [step for chunk in chunks for step in chunk["steps"]] == [0, 10, 11]


def test_experiment_helpers_need_a_run(tmp_path):
    ex = make_experiment(tmp_path)
    from jupyter_sacred.errors import NoCurrentRunError

    with pytest.raises(NoCurrentRunError):
        ex.log_scalar("x", 1)


def test_ex_log_scalar_and_info_during_run(tmp_path):
    observer = RecordingObserver()
    ex = make_experiment(tmp_path, observer)

    @ex.main
    def main():
        ex.log_scalar("loss", 1.5)
        ex.info["note"] = "seen"

    run = ex.run()

    assert run.info == {"note": "seen"}
    beats = [kw for name, kw in observer.events if name == "heartbeat_event"]
    assert beats[-1]["info"] == {"note": "seen"}
    assert ex.current_run is None


def test_run_starts_only_once(tmp_path):
    ex = make_experiment(tmp_path)
    ex.main(lambda: None)
    run = ex.create_run()
    run()
    with pytest.raises(RuntimeError, match="only be started once"):
        run()


def test_capture_injects_config(tmp_path):
    ex = make_experiment(tmp_path)

    @ex.capture
    def scaled(value, lr):
        return value * lr

    @ex.main
    def main():
        return scaled(4)

    assert ex.run().result == 2.0
    assert ex.run(config_updates={"lr": 2}).result == 8
