"""Config, info and results that JSON cannot hold as they are: stored as Sacred stores them,
or refused naming the key; nesting too deep for the encoders is cut at a marker."""

from __future__ import annotations

import json
import logging
import math
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_sacred import Experiment
from jupyter_sacred.config import ConfigError
from jupyter_sacred.observers.file import FileObserver
from jupyter_sacred.records import load_runs, read_run
from jupyter_sacred.serialize import MAX_DEPTH, TRUNCATED_MARKER
from reliability_helpers import odd_values

HELPER = Path(odd_values.__file__)


def stored_value(store: Path, outcome: dict):
    folder = store / str(outcome["run_id"])
    if outcome["place"] == "config":
        return json.loads((folder / "config.json").read_text())["value"]
    if outcome["place"] == "info":
        return json.loads((folder / "info.json").read_text())["value"]
    return json.loads((folder / "run.json").read_text())["result"]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Each odd value in config, info and result, run by Sacred 0.8.7 and by us."""
    base = tmp_path_factory.mktemp("odd")
    results = {}
    for engine in ("sacred", "ours"):
        out = base / f"{engine}.json"
        done = subprocess.run(
            [sys.executable, str(HELPER), engine, str(base / engine), str(out)],
            cwd=base, capture_output=True, text=True, timeout=300,
            env={"PYTHONPATH": str(HELPER.parent.parent), "PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 0, done.stderr[-3000:]
        results[engine] = (base / engine, json.loads(out.read_text()))
    return results


@pytest.mark.slow
def test_odd_values_stored_as_sacred_stores_them(outcomes):
    sacred_store, sacred = outcomes["sacred"]
    our_store, ours = outcomes["ours"]
    assert [(o["case"], o["place"]) for o in sacred] == [(o["case"], o["place"]) for o in ours]
    compared = 0
    for theirs, mine in zip(sacred, ours):
        label = f"{mine['case']} in {mine['place']}"
        if theirs["error"] is not None:
            # Sacred refuses it; we refuse it too, naming the key.
            assert mine["error"] is not None, label
            assert mine["error"].startswith("ConfigKeyError"), mine["error"]
            assert "value" in mine["error"], mine["error"]
            continue
        assert mine["error"] is None, (label, mine["error"])
        expected = json.dumps(stored_value(sacred_store, theirs), sort_keys=True)
        assert json.dumps(stored_value(our_store, mine), sort_keys=True) == expected, label
        compared += 1
    print(f"odd values compared with Sacred: {compared}, refused by both: {len(ours) - compared}")
    assert compared >= 90


def test_odd_values_read_back(outcomes):
    store, ours = outcomes["ours"]
    runs = load_runs(store)
    assert set(runs["status"]) == {"COMPLETED"}
    by_case = {(o["case"], o["place"]): o["run_id"] for o in ours}
    record = read_run(store, by_case[("nan", "info")])
    assert math.isnan(record["info"]["value"]["x"])
    assert read_run(store, by_case[("set", "info")])["info"]["value"]["s"] == {1, 2, 3}
    assert read_run(store, by_case[("infinities", "result")])["result"] == {"pos": math.inf, "neg": -math.inf}


def nested(depth: int, leaf=1):
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


def depth_of(value) -> int:
    depth = 0
    while isinstance(value, dict):
        value, depth = value["a"], depth + 1
    return depth


@pytest.mark.parametrize("depth", [150, 3000])
def test_deep_info_and_result_cut_at_marker(tmp_path, caplog, depth):
    store = tmp_path / "runs"
    ex = Experiment("deep", observers=[FileObserver(store)], save_git_info=False)

    @ex.main
    def main(_run):
        _run.info["deep"] = nested(depth)
        return nested(depth, leaf=(1, 2))

    caplog.set_level(logging.WARNING)
    run = ex.run(options={"--beat-interval": 0.01})

    assert run.status == "COMPLETED"
    record = read_run(store, run._id)
    for value in (record["info"]["deep"], record["result"]):
        stored = depth_of(value)
        if stored == depth:  # shallow enough for jsonpickle: stored whole
            continue
        # Cut MAX_DEPTH levels below the top of the stored file (the value or the dict holding it).
        assert MAX_DEPTH - 1 <= stored <= MAX_DEPTH
        leaf = value
        for _ in range(stored):
            leaf = leaf["a"]
        assert leaf == TRUNCATED_MARKER
    if depth > 1000:
        assert any("stored truncated" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.name == "jupyter_sacred._dispatch"]


def test_deep_config_refused_naming_path():
    ex = Experiment("deep", save_git_info=False)
    ex.add_config(model=nested(3000))
    ex.main(lambda: None)
    with pytest.raises(ConfigError, match=r"'model\.a\.a.*' is nested deeper than 100 levels"):
        ex.run(options={"--unobserved": True})
