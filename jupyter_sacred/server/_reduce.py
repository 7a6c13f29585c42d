"""Reduce a metric series to a bounded number of points that keeps its extremes."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def reduce_series(steps: Sequence, values: Sequence, max_points: int) -> tuple[list, list]:
    """Return at most ``max_points`` (step, value) pairs drawn from the series, in order.

    Non-finite values are dropped. A longer series is cut into equal buckets by
    index, and each bucket gives its minimum and its maximum, so spikes survive.
    The first and last finite points are always kept.
    """
    try:
        values_array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):  # a damaged store: what is not a number counts as non-finite
        values_array = np.array([_as_float(value) for value in values], dtype=float)
    steps_array = np.asarray(steps, dtype=object)
    finite = np.isfinite(values_array)
    if not finite.all():
        values_array = values_array[finite]
        steps_array = steps_array[finite]

    count = len(values_array)
    max_points = max(max_points, 4)
    if count <= max_points:
        return steps_array.tolist(), values_array.tolist()

    buckets = (max_points - 2) // 2
    edges = np.linspace(1, count - 1, buckets + 1).astype(int)
    keep = [0]
    for start, stop in zip(edges[:-1], edges[1:]):
        if stop <= start:
            continue
        chunk = values_array[start:stop]
        low = start + int(np.argmin(chunk))
        high = start + int(np.argmax(chunk))
        keep.extend(sorted({low, high}))
    keep.append(count - 1)

    index = np.asarray(keep)
    return steps_array[index].tolist(), values_array[index].tolist()


def _as_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
