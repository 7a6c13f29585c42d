"""One experiment run under Sacred 0.8.7 and under this package, stores compared file for file.

The script ``sacred_examples/full_run.py`` imports from ``jupyter_sacred``; its Sacred
twin is the same text with the imports pointed at ``sacred``. Each engine runs it
with its own folder store, from the command line, in a completed, a failed and an
interrupted variant.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent / "sacred_examples"
# Differ by nature between two runs: ids, times, paths, hosts, the digest of the edited source.
VOLATILE_RUN_KEYS = {"start_time", "stop_time", "heartbeat", "host", "resources", "experiment", "fail_trace"}
# Our meta also records the beat interval, a key Sacred's meta does not have.
OUR_META_ONLY = {"beat_interval", "config_modifications"}
UPDATES = ["--capture=sys", "with", "big", "seed=7", "lr=0.2", "opt.name=adam", "opt.momentum=0.5"]
VARIANTS = {"ok": [], "fail": ["mode=fail"], "interrupt": ["mode=interrupt"]}


def sacred_twin(text: str) -> str:
    """Return the script with its jupyter_sacred imports pointed at Sacred, nothing else changed."""
    lines = []
    for line in text.splitlines(keepends=True):
        if line.startswith(("from jupyter_sacred", "import jupyter_sacred")):
            line = line.replace("jupyter_sacred", "sacred", 1)
        lines.append(line)
    return "".join(lines)


def run_example(workdir: Path, engine: str, script_name: str, *args: str, env: dict | None = None):
    """Run an example under ``engine`` ("ours" or "sacred") in ``workdir``; return the completed process."""
    text = (EXAMPLES / script_name).read_text()
    workdir.mkdir(parents=True, exist_ok=True)
    for extra in EXAMPLES.iterdir():
        if extra.suffix != ".py":
            (workdir / extra.name).write_bytes(extra.read_bytes())
    script = workdir / script_name
    script.write_text(sacred_twin(text) if engine == "sacred" else text)
    return subprocess.run(
        [sys.executable, str(script), *args], cwd=workdir, capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    root = tmp_path_factory.mktemp("oracle")
    result = {}
    for variant, extra in VARIANTS.items():
        for engine in ("sacred", "ours"):
            workdir = root / variant / engine
            done = run_example(workdir, engine, "full_run.py", "-F", "store", *UPDATES, *extra,
                               env={"EXAMPLE_MARK": "marked"})
            result[variant, engine] = (workdir / "store" / "1", done)
    return result


WRAPPER = """
import runpy, sys
from sacred.observers import FileStorageObserver
ex = runpy.run_path("full_run.py", run_name="full_run")["ex"]
ex.observers.append(FileStorageObserver("sacred_store"))
ex.run_commandline(["full_run.py", *sys.argv[1:]])
"""


@pytest.fixture(scope="module")
def sacred_observer_store(tmp_path_factory):
    """Our engine runs full_run.py with Sacred's FileStorageObserver added; return its run folder."""
    workdir = tmp_path_factory.mktemp("sacred_observer")
    run_example(workdir, "ours", "full_run.py", "--help")
    (workdir / "wrapper.py").write_text(WRAPPER)
    done = subprocess.run([sys.executable, "wrapper.py", "-F", "store", *UPDATES], cwd=workdir,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "EXAMPLE_MARK": "marked"})
    assert done.returncode == 0, done.stderr
    return workdir / "sacred_store" / "1"


def test_sacred_observer_in_our_run(stores, sacred_observer_store):
    theirs_folder = stores["ok", "sacred"][0]
    assert sorted(path.name for path in sacred_observer_store.iterdir()) == sorted(
        path.name for path in theirs_folder.iterdir())
    for name in ("config.json", "info.json", "cout.txt"):
        assert load(sacred_observer_store, name) == load(theirs_folder, name), name
    ours, theirs = load(sacred_observer_store, "run.json"), load(theirs_folder, "run.json")
    assert set(ours) == set(theirs)
    for key in set(theirs) - VOLATILE_RUN_KEYS - {"meta"}:
        assert ours[key] == theirs[key], key
    assert ours["meta"]["config_updates"] == theirs["meta"]["config_updates"]
    assert ours["meta"]["options"] == theirs["meta"]["options"]
    their_metrics, our_metrics = load(theirs_folder, "metrics.json"), load(sacred_observer_store, "metrics.json")
    assert {name: series["values"] for name, series in our_metrics.items()} == {
        name: series["values"] for name, series in their_metrics.items()}


def load(folder: Path, name: str):
    text = (folder / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text


@pytest.mark.parametrize("variant", VARIANTS)
def test_oracle_exit_codes(stores, variant):
    (_, theirs), (_, ours) = stores[variant, "sacred"], stores[variant, "ours"]
    assert ours.returncode == theirs.returncode, ours.stderr
    assert ours.stdout == theirs.stdout  # the _seed values printed by a captured function


@pytest.mark.parametrize("variant", VARIANTS)
def test_oracle_run_json(stores, variant):
    ours = load(stores[variant, "ours"][0], "run.json")
    theirs = load(stores[variant, "sacred"][0], "run.json")
    assert set(ours) == set(theirs)
    for key in set(theirs) - VOLATILE_RUN_KEYS - {"meta"}:
        assert ours[key] == theirs[key], key
    assert set(ours["meta"]) - OUR_META_ONLY == set(theirs["meta"])
    for key in theirs["meta"]:
        assert ours["meta"][key] == theirs["meta"][key], key
    assert ours["host"]["ENV"] == theirs["host"]["ENV"] == {"EXAMPLE_MARK": "marked"}
    assert set(ours["host"]) == set(theirs["host"])
    for key in ("name", "mainfile", "base_dir"):
        assert ours["experiment"][key].replace("ours", "sacred") == theirs["experiment"][key], key
    own = {"sacred", "jupyter_sacred", "jupyter-sacred"}
    assert ([dep for dep in ours["experiment"]["dependencies"] if dep.split("==")[0] not in own]
            == [dep for dep in theirs["experiment"]["dependencies"] if dep.split("==")[0] not in own])
    assert [name for name, _ in ours["experiment"]["sources"]] == [name for name, _ in theirs["experiment"]["sources"]]
    assert [os.path.basename(name) for name, _ in ours["resources"]] == ["data.csv"]
    assert [os.path.basename(name) for name, _ in theirs["resources"]] == ["data.csv"]


def test_oracle_fail_trace(stores):
    ours = load(stores["fail", "ours"][0], "run.json")["fail_trace"]
    theirs = load(stores["fail", "sacred"][0], "run.json")["fail_trace"]
    # Sacred keeps the frame of its own captured-function wrapper; we hide engine frames.
    theirs = [line for line in theirs if "site-packages/sacred/" not in line]
    assert [line.replace("/ours/", "/sacred/") for line in ours] == theirs
    assert ours[-1] == "ValueError: the loss diverged\n"


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", ["config.json", "info.json"])
def test_oracle_config_and_info(stores, variant, name):
    ours = load(stores[variant, "ours"][0], name)
    assert ours == load(stores[variant, "sacred"][0], name)
    if name == "info.json":
        assert ours["weights"]["py/object"] == "numpy.ndarray"
        assert ours["shape"] == {"py/tuple": [2, 3]}


@pytest.mark.parametrize("variant", VARIANTS)
def test_oracle_metrics(stores, variant):
    ours = load(stores[variant, "ours"][0], "metrics.json")
    theirs = load(stores[variant, "sacred"][0], "metrics.json")
    assert set(ours) == set(theirs) == {"loss", "acc"}
    for name in theirs:
        assert ours[name]["steps"] == theirs[name]["steps"]
        assert ours[name]["values"] == theirs[name]["values"]
        assert len(ours[name]["timestamps"]) == len(theirs[name]["timestamps"])


@pytest.mark.parametrize("variant", VARIANTS)
def test_oracle_captured_output(stores, variant):
    ours = load(stores[variant, "ours"][0], "cout.txt")
    theirs = load(stores[variant, "sacred"][0], "cout.txt")
    if variant == "ok":
        assert ours == theirs
    else:
        # Sacred reads output only at beats and loses what comes after its last one
        # (here: all of it); we keep it.
        assert ours.startswith(theirs)
    printed = stores[variant, "ours"][1].stdout.splitlines()
    assert [line for line in ours.splitlines() if line in printed] == printed
    assert "rows 3" in ours.splitlines()


@pytest.mark.parametrize("variant", VARIANTS)
def test_oracle_artifact_and_resource(stores, variant):
    for engine in ("ours", "sacred"):
        folder = stores[variant, engine][0]
        assert load(folder, "run.json")["artifacts"] == ["model.txt"]
        assert (folder / "model.txt").read_text() == "layers [128, 64]\n"
        stored = [path for path in (folder.parent / "_resources").iterdir()]
        assert [path.name.split("_")[0] for path in stored] == ["data"]


def test_oracle_statuses(stores):
    statuses = {key: load(folder, "run.json")["status"] for key, (folder, _) in stores.items()}
    assert statuses == {(variant, engine): status for variant, status in
                        (("ok", "COMPLETED"), ("fail", "FAILED"), ("interrupt", "INTERRUPTED"))
                        for engine in ("sacred", "ours")}
