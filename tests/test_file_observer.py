"""The folder store against Sacred 0.8.7's FileStorageObserver, file for file."""

from __future__ import annotations

import json
import os
import re
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    '''
    import sys
    ENGINE = sys.argv[1]
    STORE = sys.argv[2]
    if ENGINE == "sacred":
        from sacred import Experiment
        from sacred.observers import FileStorageObserver as Observer
    else:
        from jupyter_sacred import Experiment
        from jupyter_sacred.observers import FileObserver as Observer

    ex = Experiment("oracle", save_git_info=False)
    ex.observers.append(Observer(STORE))

    @ex.config
    def cfg():
        lr = 0.1  # learning rate
        layers = [32, 16]
        opt = {"name": "sgd", "momentum": 0.9}

    @ex.named_config
    def big():
        layers = [128, 64]

    @ex.main
    def main(lr, layers, _run):
        for step in range(5):
            _run.log_scalar("train.loss", lr / (step + 1))
        _run.log_scalar("acc", 0.5, step=10)
        _run.log_scalar("acc", 0.75)
        _run.info["shape"] = [2, 3]
        print("epoch done")
        with open("model.txt", "w") as handle:
            handle.write("weights")
        _run.add_artifact("model.txt")
        _run.add_resource(__file__)
        return {"acc": 0.75, "layers": len(layers)}

    if __name__ == "__main__":
        # sys capture: Sacred's fd capture can lose the last lines of a run.
        run = ex.run(named_configs=["big"], config_updates={"lr": 0.2, "seed": 42}, options={"--capture": "sys"})
        print("status", run.status)
    '''
)

VOLATILE = {"start_time", "stop_time", "heartbeat", "host", "resources"}
TIME_PATTERN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")


def run_both(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "exp.py"
    script.write_text(SCRIPT)
    stores = {}
    for engine in ("sacred", "ours"):
        workdir = tmp_path / engine
        workdir.mkdir()
        stores[engine] = workdir / "store"
        done = subprocess.run(
            [sys.executable, str(script), engine, str(stores[engine])],
            cwd=workdir, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
    return stores


def load(store, name):
    with open(os.path.join(store, "1", name), encoding="utf-8") as handle:
        return json.load(handle) if name.endswith(".json") else handle.read()


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    return run_both(tmp_path_factory.mktemp("oracle"))


def test_same_files_in_run_folder(stores):
    sacred_files = set(os.listdir(stores["sacred"] / "1"))
    our_files = {name for name in os.listdir(stores["ours"] / "1") if not name.startswith(".")}
    # Sacred writes info.json only when info is non-empty; this run's info is not empty.
    assert our_files == sacred_files


def test_run_json_matches_sacred(stores):
    theirs = load(stores["sacred"], "run.json")
    ours = load(stores["ours"], "run.json")
    assert set(ours) == set(theirs)
    for key in set(theirs) - VOLATILE - {"experiment", "meta"}:
        assert ours[key] == theirs[key], key
    assert ours["meta"]["config_updates"] == theirs["meta"]["config_updates"]
    assert ours["meta"]["named_configs"] == theirs["meta"]["named_configs"]
    assert ours["meta"]["command"] == theirs["meta"]["command"]
    assert set(ours["host"]) == set(theirs["host"])
    assert ours["experiment"]["name"] == theirs["experiment"]["name"]
    assert ours["experiment"]["mainfile"] == theirs["experiment"]["mainfile"]
    assert [name for name, _ in ours["experiment"]["sources"]] == [name for name, _ in theirs["experiment"]["sources"]]
    assert [len(entry) for entry in ours["resources"]] == [len(entry) for entry in theirs["resources"]]


def test_times_have_six_digit_fractions(stores):
    ours = load(stores["ours"], "run.json")
    for key in ("start_time", "stop_time", "heartbeat"):
        assert TIME_PATTERN.match(ours[key]), ours[key]


def test_config_json_matches_sacred(stores):
    assert load(stores["ours"], "config.json") == load(stores["sacred"], "config.json")


def test_metrics_json_matches_sacred(stores):
    theirs = load(stores["sacred"], "metrics.json")
    ours = load(stores["ours"], "metrics.json")
    assert set(ours) == set(theirs)
    for name in theirs:
        assert ours[name]["steps"] == theirs[name]["steps"]
        assert ours[name]["values"] == theirs[name]["values"]
        assert len(ours[name]["timestamps"]) == len(theirs[name]["timestamps"])
        assert all(TIME_PATTERN.match(stamp) for stamp in ours[name]["timestamps"])


def test_info_and_cout_match_sacred(stores):
    assert load(stores["ours"], "info.json") == load(stores["sacred"], "info.json")
    assert load(stores["ours"], "cout.txt") == load(stores["sacred"], "cout.txt")
    assert "epoch done" in load(stores["ours"], "cout.txt")


def test_sources_and_artifact_stored(stores):
    ours = load(stores["ours"], "run.json")
    for _name, stored in ours["experiment"]["sources"]:
        assert (stores["ours"] / stored).is_file()
    assert ours["artifacts"] == ["model.txt"]
    assert (stores["ours"] / "1" / "model.txt").read_text() == "weights"
    resource_copy = ours["resources"][0][1]
    assert os.path.isfile(resource_copy)


def test_info_json_written_when_info_empty(tmp_path):
    from jupyter_sacred import Experiment
    from jupyter_sacred.observers import FileObserver

    ex = Experiment("empty", observers=[FileObserver(tmp_path / "store")], base_dir=tmp_path, save_git_info=False)
    ex.main(lambda: None)
    ex.run()

    folder = tmp_path / "store" / "1"
    assert json.loads((folder / "info.json").read_text()) == {}
    assert json.loads((folder / "metrics.json").read_text()) == {}
    assert (folder / "cout.txt").exists()


def test_concurrent_ids_are_distinct(tmp_path):
    from jupyter_sacred.observers import FileObserver

    observers = [FileObserver(tmp_path / "store") for _ in range(20)]
    ids = [obs.started_event({"name": "x", "base_dir": str(tmp_path), "sources": []}, "main", {}, _now(), {}, {}, None)
           for obs in observers]
    assert sorted(ids, key=int) == [str(number) for number in range(1, 21)]


def test_artifact_name_cannot_escape(tmp_path):
    from jupyter_sacred import Experiment
    from jupyter_sacred.errors import ArtifactNameError
    from jupyter_sacred.observers import FileObserver

    ex = Experiment("escape", observers=[FileObserver(tmp_path / "store")], base_dir=tmp_path, save_git_info=False)
    payload = tmp_path / "payload.txt"
    payload.write_text("x")
    for bad in ("../evil.txt", "/etc/evil", "run.json", "a\x00b", "metrics.json"):
        with pytest.raises(ArtifactNameError):
            ex.main(lambda _run, bad=bad: _run.add_artifact(payload, name=bad))
            ex.run()
    assert not (tmp_path / "store" / "evil.txt").exists()


def _now():
    from jupyter_sacred._storage import utcnow

    return utcnow()


def test_config_modifications_stored_in_meta(tmp_path):
    from jupyter_sacred import Experiment
    from jupyter_sacred.notebook._snapshot import snapshot_of_record
    from jupyter_sacred.observers import FileObserver
    from jupyter_sacred.records import read_run

    ex = Experiment("mods", observers=[FileObserver(tmp_path / "store")], base_dir=tmp_path, save_git_info=False)
    ex.add_config({"lr": 0.1, "opt": {"name": "sgd"}, "epochs": 3})

    @ex.main
    def main(lr, opt, epochs):
        return lr

    ex.run(config_updates={"lr": 0.5, "opt": {"name": "adam", "nesterov": True}, "epochs": "three"})

    stored = json.loads((tmp_path / "store" / "1" / "run.json").read_text())["meta"]["config_modifications"]
    assert stored["added"] == ["opt.nesterov"]
    assert "lr" in stored["modified"]
    assert "opt.name" in stored["modified"]
    assert stored["typechanged"] == {"epochs": ["int", "str"]}
    snapshot = snapshot_of_record(read_run(tmp_path / "store", 1), tmp_path / "store")
    assert snapshot.added == frozenset({"opt.nesterov"})
    assert snapshot.typechanged == {"epochs": ("int", "str")}
