"""SIGKILL a running experiment at random moments: the store stays readable and loses no flushed metric."""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from jupyter_sacred import _storage
from jupyter_sacred.records import load_metrics, load_runs, read_run
from reliability_helpers import crash_child

KILLS = 100
LANES = 2
MAX_DELAY = 0.3
HELPER = Path(crash_child.__file__)
# Figures of the last run, for docs/reliability.md (printed with -s).
FIGURES: collections.Counter = collections.Counter()


class Zygote:
    """The helper process that forks one experiment child per request."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HELPER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, cwd=cwd, env={**os.environ, "PYTHONPATH": str(HELPER.parent.parent)},
        )

    def ask(self, line: str) -> str:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        self.ask("quit")
        self.process.wait(timeout=10)


def read_marker(path: Path) -> dict:
    """The child's progress: run id, last flushed counts, stored artifacts, completion."""
    state = {"started": None, "flushed": {}, "artifacts": {}, "completed": False}
    if not path.exists():
        return state
    for line in path.read_text().splitlines():
        words = line.split()
        if words[0] == "started":
            state["started"] = words[1]
        elif words[0] == "flushed":
            state["flushed"] = {words[i]: int(words[i + 1]) for i in range(1, len(words), 2)}
        elif words[0] == "artifact":
            state["artifacts"][words[1]] = int(words[2])
        elif words[0] == "completed":
            state["completed"] = True
    return state


def check_store(store: Path, marker: dict) -> str:
    """Assert what a killed run must leave behind; return the phase the kill landed in."""
    for path in store.rglob("*.json"):
        json.loads(path.read_bytes())  # every stored JSON file parses
    if marker["started"] is None:
        # Killed before started_event returned: whatever exists must not break the reader.
        frame = load_runs(store, dead_after=0) if store.exists() else None
        assert frame is None or len(frame) <= 1
        return "start"
    run_id = int(marker["started"])
    frame = load_runs(store, dead_after=0)
    assert list(frame["id"]) == [run_id]
    status = frame["status"].iloc[0]
    assert status == ("COMPLETED" if marker["completed"] else status)
    assert status in ("DEAD", "COMPLETED"), status
    record = read_run(store, run_id, dead_after=0)
    assert record["status"] == status

    metrics = load_metrics(store)
    for name in crash_child.METRIC_NAMES:
        points = metrics[metrics["name"] == name]
        steps = points["step"].tolist()
        assert steps == list(range(len(steps))), f"{name}: merged steps are not a prefix"
        assert points["value"].tolist() == [crash_child.expected_value(name, s) for s in steps]
        assert len(steps) >= marker["flushed"].get(name, 0), f"{name}: a flushed point is missing"
        if marker["completed"]:
            assert len(steps) == crash_child.STEPS
    folder = store / str(run_id)
    stored = json.loads((folder / _storage.METRICS_JSON).read_bytes())
    for name, series in stored.items():
        merged = metrics[metrics["name"] == name]
        assert series["steps"] == merged["step"].tolist()[: len(series["steps"])]
    run_doc = json.loads((folder / _storage.RUN_JSON).read_bytes())
    for name in run_doc["artifacts"]:
        assert (folder / name).stat().st_size == crash_child.ARTIFACT_BYTES
    for name, size in marker["artifacts"].items():
        assert (folder / name).stat().st_size == size
    if marker["completed"]:
        return "after completion"
    return "running" if marker["flushed"] else "first beat"


def run_lane(tmp_path: Path, lane: int, seeds: list[int], failures: list) -> None:
    zygote = Zygote(tmp_path)
    rng = random.Random(lane)
    try:
        for seed in seeds:
            base = tmp_path / f"kill{seed}"
            base.mkdir()
            store, marker = base / "runs", base / "marker.txt"
            pid = int(zygote.ask(f"run {store} {marker} {seed}"))
            time.sleep(rng.uniform(0, MAX_DELAY))
            os.kill(pid, signal.SIGKILL)
            zygote.ask(f"wait {pid}")
            try:
                FIGURES[check_store(store, read_marker(marker))] += 1
            except Exception as error:  # collected so one lane's failure does not hang the other
                failures.append((seed, repr(error)))
    finally:
        zygote.close()


@pytest.mark.slow
def test_sigkill_at_random_moments(tmp_path):
    seeds = list(range(KILLS))
    failures: list = []
    lanes = [
        threading.Thread(target=run_lane, args=(tmp_path, lane, seeds[lane::LANES], failures))
        for lane in range(LANES)
    ]
    for lane in lanes:
        lane.start()
    for lane in lanes:
        lane.join()
    print(f"kills by phase: {dict(FIGURES)}")
    assert not failures, failures[:5]
    assert sum(FIGURES.values()) == KILLS
    # The delays cover the whole run: some kills before the first beat, some mid-run.
    assert FIGURES["running"] > 0
