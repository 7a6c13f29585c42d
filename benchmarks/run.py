"""Measure the cost of tracking, Sacred 0.8.7 against jupyter_sacred, side by side.

Usage: python benchmarks/run.py [--quick] [--check] [--tolerance X] [--json PATH] [--others]

Prints one table: each figure for Sacred, for us, the ratio and its goal,
with the machine (CPU model, cores) and Python version. Both libraries run in
this process, interleaved, so they share the machine's load; ratios are
therefore steadier than the absolute times on a busy machine.

--quick    smaller sizes (a few seconds in all), for CI and ``make bench-quick``
--check    exit with status 1 when a ratio exceeds its goal times the tolerance
           (default tolerance: 1 for a full run, 3 with --quick, since short
           runs on shared CI machines are noisy)
--others   afterwards run bench_load_runs.py and bench_widget.py if present
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import engine_cases as cases  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass
class Figure:
    label: str
    unit: str
    sacred: float | None
    ours: float
    ratio: float | None  # compared with the goal; None for figures without a goal
    goal: float | None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.goal is None or self.ratio is None or self.ratio <= self.goal


SIZES = {
    "full": {"calls": 200_000, "repeat": 5, "memory_points": 100_000, "new": 100_000,
            "small_history": 100_000, "large_history": 2_000_000, "flush_repeat": 3, "empty_runs": 40},
    "quick": {"calls": 20_000, "repeat": 3, "memory_points": 20_000, "new": 10_000,
           "small_history": 10_000, "large_history": 200_000, "flush_repeat": 3, "empty_runs": 5},
    # tests/test_bench_smoke.py: a few seconds, for a gross regression only
    "smoke": {"calls": 20_000, "repeat": 1, "memory_points": 10_000, "new": 10_000,
              "small_history": 10_000, "large_history": 100_000, "flush_repeat": 3, "empty_runs": 3},
}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import sacred

    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; "
            f"Sacred {sacred.__version__}; {platform.platform()}")


def _ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs else float("inf")


def measure(mode: str, progress: Callable[[str], None] = lambda what: None) -> list[Figure]:
    """Measure every figure with the sizes of ``mode`` ("full", "quick" or "smoke")."""
    size = SIZES[mode]
    figures = []
    for with_step, label in ((False, "log_scalar(name, value)"), (True, "log_scalar(name, value, step)")):
        progress(label)
        sacred, ours = cases.measure_log_scalar(size["calls"], size["repeat"], with_step)
        figures.append(Figure(label, "µs/call", sacred * 1e6, ours * 1e6, _ratio(ours, sacred), 0.25,
                              f"{size['calls']:,} calls, median of {size['repeat']}"))

    progress("memory")
    sacred, ours = cases.measure_memory(size["memory_points"])
    figures.append(Figure("memory per buffered point", "bytes", sacred, ours, _ratio(ours, sacred), 0.25,
                          f"tracemalloc, {size['memory_points']:,} points"))

    new, small, large = size["new"], size["small_history"], size["large_history"]
    progress("flush, small history")
    sacred_small, ours_small = cases.measure_flush(small, new, size["flush_repeat"])
    figures.append(Figure(f"flush {new:,} new points, {small:,} held", "ms", sacred_small * 1e3,
                          ours_small * 1e3, _ratio(ours_small, sacred_small), 0.2,
                          "drain + log_metrics of a file observer"))
    progress("flush, large history")
    sacred_large = cases.sacred_flush_seconds(large, new)
    flat_small, flat_large = cases.measure_flatness(small, large, new, size["flush_repeat"])
    figures.append(Figure(f"flush {new:,} new points, {large:,} held", "ms", sacred_large * 1e3,
                          flat_large * 1e3, _ratio(flat_large, flat_small), 1.3,
                          f"ratio: ours here / ours with {small:,} held ({flat_small * 1e3:.1f} ms), "
                          "best of 5 beats each, measured in turn"))
    for history in (small, large):
        progress(f"rebuild {history}")
        rebuild = cases.our_rebuild_seconds(history, chunk=new)
        figures.append(Figure(f"metrics.json rebuild, {history:,} held", "ms", None, rebuild * 1e3, None, None,
                              "background thread, every 3 beats, ≤25% duty"))

    progress("empty runs")
    empty = cases.measure_empty_runs(size["empty_runs"])
    figures.append(Figure("empty run, file observer (API)", "ms", empty["sacred_run"] * 1e3,
                          empty["our_run"] * 1e3, empty["run_ratio"], 1.0,
                          f"warm, median of {size['empty_runs']}; ratio: median of the per-round ratios"))
    figures.append(Figure("empty %%experiment cell (ours) vs Sacred's empty run", "ms",
                          empty["sacred_run"] * 1e3, empty["our_cell"] * 1e3, empty["cell_ratio"], 4.0,
                          "IPython InteractiveShell, provenance included, no widget"))
    return figures


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"


def table(figures: list[Figure]) -> str:
    rows = [("figure", "unit", "Sacred 0.8.7", "jupyter_sacred", "ratio", "goal", "ok")]
    for fig in figures:
        rows.append((fig.label, fig.unit, _number(fig.sacred), _number(fig.ours),
                     "—" if fig.ratio is None else f"{fig.ratio:.3f}",
                     "—" if fig.goal is None else f"≤ {fig.goal:g}", "yes" if fig.ok else "NO"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def failures(figures: list[Figure], tolerance: float = 1.0) -> list[Figure]:
    """Return the figures whose ratio exceeds ``tolerance`` times their goal."""
    return [fig for fig in figures if fig.goal is not None and fig.ratio is not None
            and fig.ratio > fig.goal * tolerance]


def run_others() -> None:
    for name in ("bench_load_runs.py", "bench_widget.py"):
        path = os.path.join(HERE, name)
        if os.path.exists(path):
            print(f"\n== {name}", flush=True)
            subprocess.run([sys.executable, path], check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds in all")
    parser.add_argument("--check", action="store_true", help="fail when a ratio exceeds goal × tolerance")
    parser.add_argument("--tolerance", type=float, default=None, help="default 1, or 3 with --quick")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--others", action="store_true", help="also run the other benchmarks")
    args = parser.parse_args(argv)
    tolerance = args.tolerance
    if tolerance is None:
        tolerance = 3.0 if args.quick else 1.0

    print(machine(), flush=True)
    figures = measure("quick" if args.quick else "full", lambda what: print(f"  measuring {what} ...", file=sys.stderr, flush=True))
    print(table(figures))
    for fig in figures:
        if fig.note:
            print(f"  {fig.label}: {fig.note}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"machine": machine(), "quick": args.quick, "figures": [asdict(f) for f in figures]},
                      handle, indent=2)
    if args.others:
        run_others()
    failed = failures(figures, tolerance)
    if args.check and failed:
        for fig in failed:
            print(f"FAILED: {fig.label}: ratio {fig.ratio:.3f} > goal {fig.goal:g} × {tolerance:g}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
