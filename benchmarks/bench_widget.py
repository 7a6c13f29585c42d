"""Measure how much the live run widget slows a loop that logs scalars in an ``%%experiment`` cell.

Usage: python benchmarks/bench_widget.py [--points N] [--repeat K] [--beat-interval SECONDS] [--dir DIR]

Generates a notebook whose ``%%experiment`` cells each time a loop of N
``_run.log_scalar`` calls with ``time.perf_counter`` inside the kernel, and
executes it with nbclient in one real ipykernel. Cells with the widget and
with ``--no-widget`` alternate, K of each, after one warm-up cell of each, so
both see the same kernel state and machine load. It prints the loop times
and the ratio of widget to no-widget times three ways: of the medians, the
median over back-to-back pairs, and of the fastest cells. It also prints the
share of loop time the widget itself spent reading points and drawing. On a
busy machine the spread between cells of one kind can exceed the difference.
"""

from __future__ import annotations

import argparse
import ast
import json
import statistics
import tempfile
import time

LOOP = """%%experiment bench {flag} -b {beat}
import time
started = time.perf_counter()
for i in range({points}):
    _run.log_scalar("train.loss", 1.0 / (i + 1))
loop_seconds = time.perf_counter() - started
# The widget's own account of the wall time it spent reading points and drawing.
widgets = [listener.__self__ for listener in _run._listeners
           if type(getattr(listener, "__self__", None)).__name__ == "RunWidget"]
(loop_seconds, widgets[0]._busy_seconds if widgets else 0.0)
"""


def build_notebook(points: int, repeat: int, beat: float):
    import nbformat

    cells = [nbformat.v4.new_code_cell("%load_ext jupyter_sacred"),
             nbformat.v4.new_code_cell("%%config\nseed = 1")]
    kinds = []
    for index in range(repeat + 1):  # the first pair warms up imports and caches
        for flag in ("", "--no-widget") if index % 2 == 0 else ("--no-widget", ""):
            cells.append(nbformat.v4.new_code_cell(LOOP.format(flag=flag, beat=beat, points=points)))
            kinds.append(("widget" if not flag else "no widget", index == 0))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = cells
    return notebook, kinds


def cell_times(cell) -> tuple[float, float]:
    """Return (loop seconds, seconds the widget spent reading and drawing) of a benchmark cell."""
    for output in cell.outputs:
        if output.get("output_type") == "execute_result":
            return ast.literal_eval(output["data"]["text/plain"])
    raise RuntimeError(f"the benchmark cell produced no result: {json.dumps(cell.outputs)[:500]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="log_scalar calls per cell")
    parser.add_argument("--repeat", type=int, default=5, help="timed cells of each kind")
    parser.add_argument("--beat-interval", type=float, default=10.0, help="heartbeat interval in seconds")
    parser.add_argument("--dir", default=None, help="working folder of the kernel (the store goes there)")
    args = parser.parse_args()

    import nbclient

    notebook, kinds = build_notebook(args.points, args.repeat, args.beat_interval)
    with tempfile.TemporaryDirectory(prefix="bench_widget_") as scratch:
        folder = args.dir or scratch
        started = time.perf_counter()
        client = nbclient.NotebookClient(notebook, timeout=1800, kernel_name="python3",
                                         resources={"metadata": {"path": folder}})
        client.execute()
        wall = time.perf_counter() - started

    times: dict[str, list[float]] = {"widget": [], "no widget": []}
    busy: list[float] = []
    for cell, (kind, warm_up) in zip(notebook.cells[2:], kinds):
        if not warm_up:
            loop, widget_seconds = cell_times(cell)
            times[kind].append(loop)
            if kind == "widget":
                busy.append(widget_seconds / loop)
    print(f"{args.points} log_scalar calls per cell, {args.repeat} cells of each kind, "
          f"beat interval {args.beat_interval} s, notebook wall time {wall:.1f} s")
    for kind, values in times.items():
        print(f"  {kind:>9}: " + " ".join(f"{value:.3f}" for value in values)
              + f"   median {statistics.median(values):.3f} s")
    ratio = statistics.median(times["widget"]) / statistics.median(times["no widget"])
    print(f"  ratio widget / no widget (medians): {ratio:.4f} ({(ratio - 1) * 100:+.1f} %)")
    # Cells of one pair ran back to back, so they shared the machine's load.
    pair_ratios = [with_widget / without for with_widget, without in zip(times["widget"], times["no widget"])]
    paired = statistics.median(pair_ratios)
    print(f"  median of paired ratios: {paired:.4f} ({(paired - 1) * 100:+.1f} %)")
    fastest = min(times["widget"]) / min(times["no widget"])
    print(f"  ratio of the fastest cells: {fastest:.4f} ({(fastest - 1) * 100:+.1f} %)")
    print(f"  widget reading and drawing, share of loop time: max {max(busy) * 100:.2f} %, "
          f"median {statistics.median(busy) * 100:.2f} %")


if __name__ == "__main__":
    main()
