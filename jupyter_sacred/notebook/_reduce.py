"""Incremental reduction of a metric series to a bounded number of points that keeps its extremes."""

from __future__ import annotations

from typing import Sequence

import numpy as np

DEFAULT_BUCKETS = 256


class MinMaxReducer:
    """A metric series reduced to at most ``2 * buckets + 2`` points, fed in chunks.

    The points seen so far are cut by position into ``buckets`` buckets of
    ``width`` consecutive points. Each bucket keeps its minimum and its
    maximum, so spikes survive. The first and the last point are kept too.
    When a chunk does not fit, neighbouring buckets are merged pairwise and
    the width doubles, so merging a chunk costs in proportion to the chunk
    and the bucket count, never to the length of the series. Non-finite
    values (NaN, infinities) are counted but not kept, since a plot cannot
    show them.
    """

    def __init__(self, buckets: int = DEFAULT_BUCKETS) -> None:
        if buckets < 2 or buckets % 2:
            raise ValueError(f"buckets must be an even number >= 2, got {buckets!r}")
        self.buckets = buckets
        self.width = 1
        self.count = 0
        # Per bucket: position, step and value of its minimum and its maximum.
        # An empty bucket has position -1.
        self._low_index = np.full(buckets, -1, dtype=np.int64)
        self._low_step = np.zeros(buckets)
        self._low_value = np.zeros(buckets)
        self._high_index = np.full(buckets, -1, dtype=np.int64)
        self._high_step = np.zeros(buckets)
        self._high_value = np.zeros(buckets)
        self._first: tuple[int, float, float] | None = None
        self._last: tuple[int, float, float] | None = None

    def __len__(self) -> int:
        return self.count

    def add(self, steps: Sequence | np.ndarray, values: Sequence | np.ndarray) -> None:
        """Merge the next points of the series, in logging order."""
        step_array = np.asarray(steps)
        value_array = np.asarray(values, dtype=float)
        if step_array.shape != value_array.shape or step_array.ndim != 1:
            raise ValueError(
                f"steps and values must be 1-d and of equal length, got {step_array.shape} and {value_array.shape}"
            )
        total = len(value_array)
        if total == 0:
            return
        while self.count + total > self.buckets * self.width:
            self._merge_pairs()
        start = self.count
        self.count += total

        # Fast path: argmin and argmax return the first NaN of a row if there is
        # one, and an infinity is a row's extreme, so all-finite picks mean the
        # whole chunk is finite and no separate isfinite pass is needed.
        picks = self._pick(start, value_array, value_array)
        if not (np.isfinite(picks[0][1]).all() and np.isfinite(picks[1][1]).all()
                and np.isfinite(value_array[0]) and np.isfinite(value_array[-1])):
            finite = np.isfinite(value_array)
            if not finite.any():
                return
            picks = self._pick(start, np.where(finite, value_array, np.inf), np.where(finite, value_array, -np.inf))
            first, last = int(finite.argmax()), total - 1 - int(finite[::-1].argmax())
        else:
            first, last = 0, total - 1
        if self._first is None:
            self._first = (start + first, float(step_array[first]), float(value_array[first]))
        self._last = (start + last, float(step_array[last]), float(value_array[last]))
        for (at, candidates, buckets), low in zip(picks, (True, False)):
            self._keep(buckets, start, at, step_array, candidates, low)

    def _pick(self, start: int, low_source: np.ndarray, high_source: np.ndarray) -> list[tuple]:
        """Return, for minima and maxima, (chunk positions, values, bucket numbers) of each piece's rows."""
        # The chunk is reduced in up to three aligned pieces: the rest of the
        # bucket that is partly filled, whole buckets (a reshape, no copy), the tail.
        width = self.width
        total = len(low_source)
        head = min(total, (-start) % width)
        body = (total - head) // width * width
        low_parts, high_parts, buckets = [], [], []
        for begin, stop in ((0, head), (head, head + body), (head + body, total)):
            if stop <= begin:
                continue
            rows = max(1, (stop - begin) // width)
            row_width = (stop - begin) // rows
            row_base = begin + np.arange(rows) * row_width
            low_parts.append(row_base + low_source[begin:stop].reshape(rows, row_width).argmin(axis=1))
            high_parts.append(row_base + high_source[begin:stop].reshape(rows, row_width).argmax(axis=1))
            buckets.append((start + begin) // width + np.arange(rows))
        low_at, high_at, bucket_numbers = (np.concatenate(parts) for parts in (low_parts, high_parts, buckets))
        return [(low_at, low_source[low_at], bucket_numbers), (high_at, high_source[high_at], bucket_numbers)]

    def _keep(self, buckets: np.ndarray, start: int, at: np.ndarray, steps: np.ndarray,
              candidates: np.ndarray, low: bool) -> None:
        index, step, value = (
            (self._low_index, self._low_step, self._low_value) if low
            else (self._high_index, self._high_step, self._high_value)
        )
        current = value[buckets]
        better = np.isfinite(candidates) & (
            (index[buckets] < 0) | ((candidates < current) if low else (candidates > current))
        )
        if not better.any():
            return
        chosen, targets = at[better], buckets[better]
        index[targets] = start + chosen
        step[targets] = steps[chosen]
        value[targets] = candidates[better]

    def _merge_pairs(self) -> None:
        half = self.buckets // 2
        for index, step, value, pick_low in (
            (self._low_index, self._low_step, self._low_value, True),
            (self._high_index, self._high_step, self._high_value, False),
        ):
            left, right = slice(0, None, 2), slice(1, None, 2)
            left_value, right_value = value[left].copy(), value[right].copy()
            left_empty, right_empty = index[left] < 0, index[right] < 0
            right_wins = ~right_empty & (left_empty | ((right_value < left_value) if pick_low
                                                       else (right_value > left_value)))
            merged_index = np.where(right_wins, index[right], index[left])
            merged_step = np.where(right_wins, step[right], step[left])
            merged_value = np.where(right_wins, right_value, left_value)
            index[:half], step[:half], value[:half] = merged_index, merged_step, merged_value
            index[half:], step[half:], value[half:] = -1, 0.0, 0.0
        self.width *= 2

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the kept (steps, values) in logging order."""
        index = np.concatenate([self._low_index, self._high_index])
        step = np.concatenate([self._low_step, self._high_step])
        value = np.concatenate([self._low_value, self._high_value])
        for extra in (self._first, self._last):
            if extra is not None:
                index = np.append(index, extra[0])
                step = np.append(step, extra[1])
                value = np.append(value, extra[2])
        kept = index >= 0
        index, step, value = index[kept], step[kept], value[kept]
        _, unique_at = np.unique(index, return_index=True)  # sorted by position, duplicates removed
        return step[unique_at], value[unique_at]

    @property
    def last(self) -> tuple[float, float] | None:
        """The last finite (step, value), or None."""
        return None if self._last is None else (self._last[1], self._last[2])
