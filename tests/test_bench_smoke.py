"""The benchmarks run, and no figure is grossly past its goal (CI machines are noisy: 3 × the goal)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def bench_runner():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location("bench_runner", BENCHMARKS / "run.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_runner"] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("bench_runner", None)
        sys.path.remove(str(BENCHMARKS))


@pytest.mark.slow
def test_bench_smoke_within_three_times_goals(bench_runner):
    figures = bench_runner.measure("smoke")

    assert {fig.label.split(" ")[0] for fig in figures} >= {"log_scalar(name,", "memory", "flush", "empty"}
    failed = bench_runner.failures(figures, tolerance=3.0)
    assert not failed, bench_runner.table(failed)


def test_bench_table_shows_every_figure(bench_runner):
    figure = bench_runner.Figure("flush", "ms", 10.0, 1.0, 0.1, 0.2)

    text = bench_runner.table([figure])

    assert "flush" in text
    assert "0.100" in text
    assert "≤ 0.2" in text
    assert "yes" in text
    assert bench_runner.failures([figure]) == []
    assert bench_runner.failures([bench_runner.Figure("x", "ms", 1.0, 2.0, 2.0, 0.2)], 3.0) != []
