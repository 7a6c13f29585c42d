"""Large captured output, many metric names, and metric values of every kind."""

from __future__ import annotations

import decimal
import json
import math

import numpy as np
import pytest

from jupyter_sacred import Experiment
from jupyter_sacred.metrics import MetricsLogger
from jupyter_sacred.observers.file import FileObserver
from jupyter_sacred.records import load_metrics, read_run

MANY_NAMES = 20_000


class TensorLike:
    """What torch and tensorflow scalars offer: ``.item()``."""

    def __init__(self, value: float) -> None:
        self.value = value

    def item(self) -> float:
        return self.value


def run_logging(tmp_path, body, beat: float = 0.05):
    store = tmp_path / "runs"
    ex = Experiment("limits", observers=[FileObserver(store)], save_git_info=False)
    ex.main(lambda _run: body(_run))
    return store, ex.run(options={"--beat-interval": beat, "--capture": "sys"})


ACCEPTED = [
    ("float", 0.5, 0.5),
    ("int", 3, 3.0),
    ("bool", True, 1.0),
    ("numpy_float32", np.float32(1.5), 1.5),
    ("numpy_int64", np.int64(7), 7.0),
    ("numpy_bool", np.bool_(False), 0.0),
    ("zero_d_array", np.array(2.5), 2.5),
    ("decimal", decimal.Decimal("0.25"), 0.25),
    ("tensor_like", TensorLike(4.0), 4.0),
    ("big_int", 10**30, 1e30),
]


def test_number_likes_stored_as_floats(tmp_path):
    def body(run):
        for name, value, _ in ACCEPTED:
            run.log_scalar(name, value)
        run.log_scalar("nan", float("nan"))
        run.log_scalar("inf", float("inf"))
        run.log_scalar("minus_inf", -math.inf)

    store, run = run_logging(tmp_path, body)
    assert run.status == "COMPLETED"
    stored = load_metrics(store).set_index("name")["value"]
    for name, _, expected in ACCEPTED:
        assert stored[name] == expected, name
    assert math.isnan(stored["nan"])
    assert stored["inf"] == math.inf
    assert stored["minus_inf"] == -math.inf
    # NaN and infinities are written as JSON's NaN/Infinity extensions, as Sacred writes them.
    text = (store / str(run._id) / "metrics.json").read_text()
    assert "NaN" in text
    assert "-Infinity" in text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "value must be a number, got str 'abc'"),
        ("1.5", "value must be a number, got str '1.5'"),
        (None, "value must be a number, got NoneType None"),
        (1j, "value must be a number, got complex"),
        ([1.0], "value must be a number, got list"),
        (np.arange(3), "value must be a single number, got ndarray"),
        (TensorLike([1, 2]), "value must be a number, got list"),
    ],
)
def test_non_numbers_raise_typeerror_naming_metric(value, message):
    metrics = MetricsLogger()
    with pytest.raises(TypeError, match=r"^metric 'x': ") as raised:
        metrics.log_scalar("x", value)
    assert message in str(raised.value)
    assert metrics.drain() == {}


@pytest.mark.parametrize(
    ("step", "error", "message"),
    [
        ("3", TypeError, "step must be a number"),
        (2**63, ValueError, "outside the 64-bit integer range"),
        (-(2**63) - 1, ValueError, "outside the 64-bit integer range"),
    ],
)
def test_bad_steps_refused_at_the_call(step, error, message):
    metrics = MetricsLogger()
    with pytest.raises(error, match=message):
        metrics.log_scalar("x", 1.0, step)


def test_value_too_large_for_float_refused():
    with pytest.raises(ValueError, match="too large for a 64-bit float"):
        MetricsLogger().log_scalar("x", 10**400)


def test_huge_float_step_keeps_other_points(tmp_path):
    # An integral float beyond int64 is kept as a float step instead of breaking the beat.
    store, run = run_logging(tmp_path, lambda run: [run.log_scalar("x", 1.0, 1e300), run.log_scalar("x", 2.0, 5)])
    assert run.status == "COMPLETED"
    assert load_metrics(store)["value"].tolist() == [2.0, 1.0]


def test_failed_log_scalar_fails_run_with_clear_trace(tmp_path):
    ex = Experiment("limits", observers=[FileObserver(tmp_path / "runs")], save_git_info=False)

    @ex.main
    def main(_run):
        _run.log_scalar("good", 1.0)
        _run.log_scalar("loss", "abc")

    with pytest.raises(TypeError, match="metric 'loss'"):
        ex.run()
    record = read_run(tmp_path / "runs", 1)
    assert record["status"] == "FAILED"
    assert "metric 'loss': value must be a number" in record["fail_trace"][-1]
    assert record["metrics"] == ["good"]


def test_output_beyond_16_mb_stored_whole(tmp_path):
    line = "0123456789abcdef" * 64 + "\n"  # 1025 bytes
    lines = (17 << 20) // len(line)

    def body(run):
        for _ in range(lines // 4096):
            print(line * 4096, end="")

    store, run = run_logging(tmp_path, body, beat=0.2)
    assert run.status == "COMPLETED"
    size = (store / str(run._id) / "cout.txt").stat().st_size
    assert size == len(run.captured_out) > 16 << 20
    record = read_run(store, run._id, tail_bytes=len(line))
    assert record["captured_out_bytes"] == size
    assert record["captured_out"] == line


@pytest.mark.slow
def test_many_metric_names_all_stored(tmp_path):
    def body(run):
        for index in range(MANY_NAMES):
            run.log_scalar(f"metric_{index}", float(index))

    store, run = run_logging(tmp_path, body, beat=0.5)
    assert run.status == "COMPLETED"
    stored = json.loads((store / str(run._id) / "metrics.json").read_text())
    assert len(stored) == MANY_NAMES
    points = load_metrics(store)
    assert len(points) == MANY_NAMES
    assert (points["name"].str.slice(7).astype(int) == points["value"]).all()
