"""Metric series reduced for charts keep their extremes, ends and order."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from jupyter_sacred.server._reduce import reduce_series

values_lists = st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=1, max_size=3000)


@given(values=values_lists, max_points=st.integers(min_value=4, max_value=500))
def test_reduce_keeps_extremes_and_ends(values, max_points):
    steps = list(range(len(values)))
    finite = [(step, value) for step, value in zip(steps, values) if math.isfinite(value)]

    kept_steps, kept_values = reduce_series(steps, values, max_points)

    assert len(kept_values) <= max_points
    assert kept_steps == sorted(set(kept_steps))
    assert all(values[step] == value for step, value in zip(kept_steps, kept_values))
    if finite:
        assert kept_steps[0] == finite[0][0]
        assert kept_steps[-1] == finite[-1][0]
        assert min(kept_values) == min(value for _, value in finite)
        assert max(kept_values) == max(value for _, value in finite)
    else:
        assert kept_steps == []


def test_reduce_short_series_unchanged():
    assert reduce_series([0, 5, 7], [1.0, 3.0, 2.0], 10) == ([0, 5, 7], [1.0, 3.0, 2.0])
