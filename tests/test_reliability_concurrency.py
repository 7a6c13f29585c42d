"""Processes and IPython shells writing into one folder store at the same time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_sacred.records import load_metrics, load_runs
from reliability_helpers import many_runs

PROCESSES = 8
RUNS_EACH = 50
HELPERS = Path(many_runs.__file__).parent


def helper_env() -> dict:
    return {**os.environ, "PYTHONPATH": str(HELPERS.parent)}


@pytest.mark.slow
def test_eight_processes_race_one_store(tmp_path):
    store = tmp_path / "runs"
    writers = [
        subprocess.Popen(
            [sys.executable, str(HELPERS / "many_runs.py"), str(store), str(RUNS_EACH), f"p{number}"],
            cwd=tmp_path, env=helper_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        for number in range(PROCESSES)
    ]
    (tmp_path / "runs.go").touch()
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()[-2000:]

    runs = load_runs(store)
    assert len(runs) == PROCESSES * RUNS_EACH
    assert runs["id"].is_unique
    assert set(runs["status"]) == {"COMPLETED"}
    written = {(row["config.tag"], row["config.index"]) for _, row in runs.iterrows()}
    assert written == {(f"p{n}", i) for n in range(PROCESSES) for i in range(RUNS_EACH)}
    metrics = load_metrics(store)
    for run_id, row in runs.set_index("id").iterrows():
        # Every file in a run folder belongs to the run whose config names it.
        folder = store / str(run_id)
        tag, index = row["config.tag"], row["config.index"]
        assert json.loads((folder / "info.json").read_text()) == {"writer": tag}
        assert (folder / "cout.txt").read_text() == f"{tag} {index}\n"
        assert row["result"] == f"{tag}:{index}"
        points = metrics[metrics["run_id"] == run_id]
        assert points["name"].tolist() == [f"from_{tag}"]
        assert points["value"].tolist() == [index]


KERNEL_RUNS = 4
KERNEL_STEPS = 300


def kernel_cells(store: Path, tag: str) -> list[str]:
    experiment = (
        f"%%experiment race -b 0.01 --no-widget\n"
        "import time\n"
        f"for step in range({KERNEL_STEPS}):\n"
        "    _run.log_scalar('loss', step * scale, step)\n"
        "    _run.info['kernel'] = tag\n"
        "    if step % 50 == 0:\n"
        "        print(tag, step)\n"
        "        time.sleep(0.01)\n"
        "tag\n"
    )
    return [
        "%load_ext jupyter_sacred",
        f"%observe file {store}",
        f"%%config\ntag = {tag!r}\nscale = {1.0 if tag == 'k0' else -1.0}\n",
    ] + [experiment] * KERNEL_RUNS


@pytest.mark.slow
def test_two_kernels_keep_runs_apart(tmp_path):
    from jupyter_client.manager import start_new_kernel

    store = tmp_path / "runs"
    kernels = [start_new_kernel(kernel_name="python3", cwd=str(tmp_path)) for _ in range(2)]
    try:
        pending = {}
        for number, (_, client) in enumerate(kernels):
            # Queue every cell at once: both kernels run their experiments at the same time.
            pending[number] = [client.execute(cell) for cell in kernel_cells(store, f"k{number}")]
        for number, (_, client) in enumerate(kernels):
            for msg_id in pending[number]:
                reply = client.get_shell_msg(timeout=120)
                assert reply["parent_header"]["msg_id"] in pending[number]
                assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        for manager, client in kernels:
            client.stop_channels()
            manager.shutdown_kernel(now=True)

    runs = load_runs(store).set_index("id")
    assert len(runs) == 2 * KERNEL_RUNS
    assert set(runs["status"]) == {"COMPLETED"}
    metrics = load_metrics(store)
    for run_id, row in runs.iterrows():
        tag = row["config.tag"]
        sign = 1.0 if tag == "k0" else -1.0
        points = metrics[metrics["run_id"] == run_id]
        assert points["step"].tolist() == list(range(KERNEL_STEPS))
        assert points["value"].tolist() == [step * sign for step in range(KERNEL_STEPS)]
        folder = store / str(run_id)
        assert json.loads((folder / "info.json").read_text())["kernel"] == tag
        lines = (folder / "cout.txt").read_text().split()
        assert set(lines[::2]) == {tag}
        assert json.loads((folder / "run.json").read_text())["heartbeat"] is not None
