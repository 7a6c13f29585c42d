"""The widget's metric reduction: bounded size, extremes kept, and the feed's exactly-once delivery."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_sacred.metrics import MetricsLogger
from jupyter_sacred.notebook._feed import MetricFeed
from jupyter_sacred.notebook._reduce import MinMaxReducer


def feed_in_chunks(reducer: MinMaxReducer, steps, values, sizes) -> None:
    position = 0
    for size in sizes:
        reducer.add(steps[position:position + size], values[position:position + size])
        position += size
    reducer.add(steps[position:], values[position:])


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=3000),
    sizes=st.lists(st.integers(min_value=1, max_value=400), max_size=20),
    buckets=st.sampled_from([2, 8, 32]),
)
def test_reducer_keeps_extremes_bounded(values, sizes, buckets):
    values = np.asarray(values)
    steps = np.arange(len(values)) * 3
    reducer = MinMaxReducer(buckets)
    feed_in_chunks(reducer, steps, values, sizes)

    kept_steps, kept_values = reducer.points()
    finite = np.isfinite(values)
    assert len(kept_values) <= 2 * buckets + 2
    assert len(reducer) == len(values)
    assert np.all(np.diff(kept_steps) > 0)
    if not finite.any():
        assert len(kept_values) == 0
        return
    assert kept_values.min() == values[finite].min()
    assert kept_values.max() == values[finite].max()
    assert kept_steps[0] == steps[finite][0]
    assert kept_steps[-1] == steps[finite][-1]
    assert reducer.last == (steps[finite][-1], values[finite][-1])
    # Every kept point is a real point of the series, at its own step.
    lookup = dict(zip(steps.tolist(), values.tolist()))
    assert all(lookup[step] == value for step, value in zip(kept_steps.tolist(), kept_values.tolist()))


def test_reducer_keeps_each_bucket_extremes():
    rng = np.random.default_rng(7)
    values = rng.normal(size=10_000)
    reducer = MinMaxReducer(16)
    feed_in_chunks(reducer, np.arange(10_000), values, [1, 2, 999, 4000, 13])

    _, kept = reducer.points()
    width = reducer.width
    assert 16 * width >= 10_000 > 8 * width
    for start in range(0, 10_000, width):
        bucket = values[start:start + width]
        assert bucket.min() in kept
        assert bucket.max() in kept


def test_reducer_spike_survives_long_series():
    values = np.zeros(1_000_000)
    values[654_321] = 50.0
    values[123_456] = -50.0
    reducer = MinMaxReducer()
    for start in range(0, len(values), 100_000):
        reducer.add(np.arange(start, start + 100_000), values[start:start + 100_000])

    steps, kept = reducer.points()
    assert len(kept) <= 2 * reducer.buckets + 2
    assert steps[kept.argmax()] == 654_321
    assert steps[kept.argmin()] == 123_456


def test_reducer_fractional_steps():
    reducer = MinMaxReducer(4)
    reducer.add([0.5, 1.5, 2.25], [3.0, 1.0, 2.0])

    steps, values = reducer.points()
    assert steps.tolist() == [0.5, 1.5, 2.25]
    assert values.tolist() == [3.0, 1.0, 2.0]


def test_reducer_rejects_odd_buckets():
    with pytest.raises(ValueError, match="even number"):
        MinMaxReducer(5)


def test_reducer_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="equal length"):
        MinMaxReducer().add([1, 2], [1.0])


def test_feed_exactly_once_with_concurrent_drains():
    # The feed reads points both from drained chunks and by peeking. A buffer
    # large enough to keep every point shows each point exactly once, in order.
    metrics = MetricsLogger()
    feed = MetricFeed(metrics, buckets=200_000)
    stop = threading.Event()

    def keep_calling(function):
        while not stop.is_set():
            function()

    threads = [threading.Thread(target=keep_calling, args=(metrics.drain,)),
               threading.Thread(target=keep_calling, args=(feed.update,))]
    for thread in threads:
        thread.start()
    for index in range(60_000):
        metrics.log_scalar("loss", float(index))
        if index % 3 == 0:
            metrics.log_scalar("acc", -index, step=index)
    stop.set()
    for thread in threads:
        thread.join()
    metrics.drain()
    feed.update()

    series = feed.series()
    assert series["loss"][1].tolist() == [float(index) for index in range(60_000)]
    assert series["acc"][0].tolist() == list(range(0, 60_000, 3))
    assert series["acc"][1].tolist() == [-index for index in range(0, 60_000, 3)]


def test_feed_counts_pending_points():
    metrics = MetricsLogger()
    feed = MetricFeed(metrics)
    for index in range(5000):
        metrics.log_scalar("loss", index)
    assert feed.pending_points() == 5000

    changed = feed.update()
    assert changed == {"loss"}
    assert feed.pending_points() == 0
    assert feed.update() == set()
    assert feed.last_points() == {"loss": (4999.0, 4999.0)}
