"""Checklist items of Sacred's run recording, each checked against a stored run or Sacred 0.8.7."""

from __future__ import annotations

import json
import os
import random

import numpy as np
import pytest

import jupyter_sacred
from jupyter_sacred import SETTINGS, Experiment, SacredInterrupt, TimeoutInterrupt
from jupyter_sacred.observers import FileObserver


def make(tmp_path, engine="ours", **kwargs):
    if engine == "sacred":
        import sacred

        ex = sacred.Experiment("feature", save_git_info=False, interactive=True, **kwargs)
        ex.observers.append(sacred.observers.FileStorageObserver(str(tmp_path / "sacred")))
    else:
        ex = jupyter_sacred.Experiment("feature", save_git_info=False, base_dir=tmp_path, **kwargs)
        ex.observers.append(FileObserver(tmp_path / "ours"))
    return ex


def stored(tmp_path, engine="ours", run_id=1, name="run.json"):
    text = (tmp_path / engine / str(run_id) / name).read_text()
    return json.loads(text) if name.endswith(".json") else text


def draw():
    return random.random(), float(np.random.rand())


@pytest.mark.parametrize("engine", ["ours", "sacred"])
def test_seed_seeds_random_and_numpy(tmp_path, engine):
    ex = make(tmp_path, engine)
    ex.main(lambda: draw())
    first = ex.run(config_updates={"seed": 11}).result
    second = ex.run(config_updates={"seed": 11}).result
    assert first == second
    assert stored(tmp_path, engine, 2)["result"]["py/tuple"] == list(first)


def test_seeded_draws_match_sacred(tmp_path):
    results = {}
    for engine in ("ours", "sacred"):
        ex = make(tmp_path, engine)

        @ex.capture
        def noise(_rnd, _seed):
            return int(_rnd.integers(1000)), _seed

        ex.main(lambda: (draw(), noise(), noise()))
        results[engine] = ex.run(config_updates={"seed": 5}).result
    assert results["ours"] == results["sacred"]


@pytest.mark.parametrize("command", ["print_config", "print_named_configs", "save_config"])
def test_builtin_commands_through_run(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    outputs = {}
    for engine in ("ours", "sacred"):
        ex = make(tmp_path, engine)

        @ex.config
        def cfg():
            lr = 0.1  # learning rate
            opt = {"name": "sgd"}

        ex.add_named_config("fast", {"lr": 1.0})
        ex.main(lambda lr: lr)
        capsys.readouterr()
        run = ex.run(command_name=command, config_updates={"lr": 0.5, "seed": 3})
        outputs[engine] = capsys.readouterr().out
        if command == "save_config":
            outputs[engine] = (tmp_path / "config.json").read_text()
        assert run.status == "COMPLETED"
        assert not (tmp_path / engine).exists()  # built-in commands are unobserved
    assert outputs["ours"] == outputs["sacred"]
    assert "0.5" in outputs["ours"] or "fast" in outputs["ours"]


def test_print_dependencies_through_run(tmp_path, capsys):
    ex = make(tmp_path)
    ex.add_package_dependency("numpy", np.__version__)
    ex.main(lambda: None)
    ex.run(command_name="print_dependencies")
    out = capsys.readouterr().out
    assert out.startswith("Dependencies:\n")
    assert f"  numpy                == {np.__version__}" in out.splitlines()


def test_config_modifications(tmp_path):
    found = {}
    for engine in ("ours", "sacred"):
        ex = make(tmp_path, engine)

        @ex.config
        def cfg():
            lr = 0.1  # learning rate
            depth = 3

        ex.main(lambda lr, depth: None)
        mods = ex.run(config_updates={"lr": 0.2, "depth": 2.5, "extra": 1}, options={"--force": True}).config_modifications
        found[engine] = (set(mods.modified), set(mods.added), dict(mods.typechanged))
    assert found["ours"] == found["sacred"]
    assert found["ours"][2] == {"depth": (int, float)}


def test_suspicious_change_is_logged(tmp_path, caplog):
    ex = make(tmp_path)
    ex.add_config(lr=1)
    ex.main(lambda lr: None)
    ex.run(config_updates={"lr": "high"})
    assert any("Changed type of config entry" in record.getMessage() for record in caplog.records)


def test_several_scopes_apply_in_order(tmp_path):
    ex = make(tmp_path)
    ex.add_config({"a": 1, "b": {"c": 2}})

    @ex.config
    def second(a):
        a2 = a * 2

    ex.add_config(a2=10)
    ex.add_named_config("n", {"b": {"c": 5}})
    ex.main(lambda: None)
    ex.run(named_configs=["n"], config_updates={"b.d": 1})
    assert stored(tmp_path, name="config.json") == {"a": 1, "a2": 10, "b": {"c": 5, "d": 1},
                                                    "seed": stored(tmp_path, name="config.json")["seed"]}


def test_host_info_gatherer_and_env(tmp_path, monkeypatch):
    monkeypatch.setenv("FEATURE_MARK", "on")
    monkeypatch.setitem(SETTINGS.HOST_INFO, "CAPTURED_ENV", ["FEATURE_MARK"])

    @jupyter_sacred.host_info_gatherer("answer")
    def answer():
        return 42

    ex = make(tmp_path, additional_host_info=[answer])
    ex.main(lambda: None)
    ex.run()
    host = stored(tmp_path)["host"]
    assert host["answer"] == 42
    assert host["ENV"] == {"FEATURE_MARK": "on"}
    assert {"cpu", "hostname", "os", "python_version", "answer", "ENV"} <= set(host)


@pytest.mark.parametrize("mode", ["sys", "fd", "no"])
def test_capture_modes(tmp_path, mode):
    ex = make(tmp_path)
    # fd capture takes what reaches file descriptor 1; under pytest print() does not.
    ex.main(lambda: os.write(1, b"visible\n") and None if mode == "fd" else print("visible"))
    run = ex.run(options={"--capture": mode})
    cout = stored(tmp_path, name="cout.txt")
    assert ("visible" in cout) == (mode != "no")
    assert run.captured_out == cout


@pytest.mark.parametrize("how", ["argument", "attribute"])
def test_captured_out_filter(tmp_path, how):
    from jupyter_sacred.utils import apply_backspaces_and_linefeeds

    ex = make(tmp_path, **({"captured_out_filter": apply_backspaces_and_linefeeds} if how == "argument" else {}))
    if how == "attribute":
        ex.captured_out_filter = apply_backspaces_and_linefeeds
    ex.main(lambda: print("10%\r50%\r100%\nab\bc"))
    run = ex.run(options={"--capture": "sys"})
    assert stored(tmp_path, name="cout.txt") == run.captured_out
    assert "100%\nac\n" in run.captured_out
    assert "10%" not in run.captured_out


def test_filter_that_turns_capture_off(tmp_path):
    ex = make(tmp_path, captured_out_filter=lambda text: "")
    ex.main(lambda: print("secret"))
    run = ex.run(options={"--capture": "sys", "--beat-interval": 0.01})
    assert run.captured_out == ""
    assert stored(tmp_path, name="cout.txt") == ""


@pytest.mark.parametrize(("error", "status"), [
    (KeyboardInterrupt(), "INTERRUPTED"), (TimeoutInterrupt(), "TIMEOUT"),
    (type("Diverged", (SacredInterrupt,), {"STATUS": "DIVERGED"})(), "DIVERGED"), (ValueError("x"), "FAILED"),
])
def test_end_statuses_stored(tmp_path, error, status):
    ex = make(tmp_path)

    def main():
        raise error

    ex.main(main)
    with pytest.raises(type(error)):
        ex.run()
    assert stored(tmp_path)["status"] == status


def test_options_with_and_without_dashes(tmp_path):
    ex = make(tmp_path)
    ex.main(lambda: None)
    run = ex.run(options={"beat_interval": 0.5, "--comment": "first", "priority": 3},
                 meta_info={"owner": "me"}, info={"preset": 1})
    meta = stored(tmp_path)["meta"]
    assert run.beat_interval == 0.5
    assert meta["comment"] == "first"
    assert meta["priority"] == 3.0
    assert meta["owner"] == "me"
    assert meta["options"]["--beat-interval"] == 0.5
    assert stored(tmp_path, name="info.json") == {"preset": 1}


def test_queue_only_run(tmp_path):
    ex = make(tmp_path)
    ex.main(lambda: pytest.fail("a queued run must not execute"))
    run = ex.run(options={"--queue": True})
    entry = stored(tmp_path)
    assert run.status == entry["status"] == "QUEUED"
    assert "queue_time" in entry["meta"]


def test_unobserved_option(tmp_path):
    ex = make(tmp_path)
    ex.main(lambda: 1)
    assert ex.run(options={"unobserved": True}).result == 1
    assert not (tmp_path / "ours").exists()


def test_intermediate_result_and_info_with_beats(tmp_path):
    import time

    ex = make(tmp_path)

    def main(_run):
        _run.result = 0.5
        _run.info["epoch"] = np.int64(3)
        time.sleep(0.3)
        raise KeyboardInterrupt

    ex.main(main)
    with pytest.raises(KeyboardInterrupt):
        ex.run(options={"--beat-interval": 0.05})
    entry = stored(tmp_path)
    assert entry["result"] == 0.5
    assert stored(tmp_path, name="info.json")["epoch"]["py/object"] == "numpy.int64"


def test_metrics_on_run_and_experiment(tmp_path):
    ex = make(tmp_path)

    def main(_run):
        ex.log_scalar("a", 1.0)
        _run.log_scalar("a", 2.0)
        _run.log_scalar("a", 3.0, 10)
        ex.log_scalar("a", 4.0)

    ex.main(main)
    ex.run()
    metrics = stored(tmp_path, name="metrics.json")
    assert metrics["a"]["steps"] == [0, 1, 10, 11]
    assert metrics["a"]["values"] == [1.0, 2.0, 3.0, 4.0]


def test_resource_stored_once_by_md5(tmp_path):
    data = tmp_path / "data.txt"
    data.write_text("rows")
    ex = make(tmp_path)
    ex.main(lambda _run: (_run.add_resource(data), ex.open_resource(data).close()) and None)
    ex.run()
    ex.run()
    assert len(list((tmp_path / "ours" / "_resources").iterdir())) == 1
    assert stored(tmp_path, run_id=2)["resources"][0][0] == str(data)


def test_artifact_content_type_guessed(tmp_path):
    class Recorder(jupyter_sacred.observers.RunObserver):
        def artifact_event(self, name, filename, metadata=None, content_type=None):
            self.seen = (name, metadata, content_type)

    recorder = Recorder()
    plot = tmp_path / "plot.png"
    plot.write_bytes(b"\x89PNG\r\n\x1a\n")
    ex = make(tmp_path)
    ex.observers.append(recorder)
    ex.main(lambda _run: _run.add_artifact(plot, name="p.png", metadata={"dpi": 72}))
    ex.run()
    assert recorder.seen == ("p.png", {"dpi": 72}, "image/png")
    assert stored(tmp_path)["artifacts"] == ["p.png"]


def test_experiment_info_sources_and_dependencies(tmp_path):
    extra = tmp_path / "helper.py"
    extra.write_text("X = 1\n")
    ex = make(tmp_path)
    ex.add_source_file(extra)
    ex.add_package_dependency("numpy", np.__version__)
    ex.main(lambda: None)
    ex.run()
    experiment = stored(tmp_path)["experiment"]
    assert experiment["name"] == "feature"
    assert "helper.py" in [name for name, _ in experiment["sources"]]
    assert f"numpy=={np.__version__}" in experiment["dependencies"]
    assert experiment["repositories"] == []


@pytest.mark.parametrize("key", ["a.b", "$x"])
def test_keys_mongodb_refuses_are_reported(tmp_path, key):
    ex = make(tmp_path)
    ex.add_config({key: 1})
    ex.main(lambda: None)
    with pytest.raises(Exception, match=r"\$|\.|MongoDB|Mongo"):
        ex.run()


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_config_from_files(tmp_path, suffix):
    base, named = tmp_path / f"base{suffix}", tmp_path / f"named{suffix}"
    if suffix == ".json":
        base.write_text(json.dumps({"lr": 0.1, "shape": {"py/tuple": [2, 3]}, "opt": {"name": "sgd"}}))
        named.write_text(json.dumps({"lr": 0.5}))
    else:
        base.write_text("lr: 0.1\nshape: [2, 3]\nopt:\n  name: sgd\n")
        named.write_text("lr: 0.5\n")
    configs = {}
    for engine in ("ours", "sacred"):
        ex = make(tmp_path, engine)
        ex.add_config(str(base))
        ex.add_named_config("fast", str(named))
        ex.main(lambda lr, shape: None)
        ex.run(named_configs=["fast"], config_updates={"seed": 1})
        configs[engine] = stored(tmp_path, engine, name="config.json")
    assert configs["ours"] == configs["sacred"]
    assert configs["ours"]["lr"] == 0.5


@pytest.mark.parametrize(("options", "warned"), [({}, True), ({"--debug": True}, False)])
def test_missing_observers_warning(tmp_path, caplog, options, warned):
    ex = jupyter_sacred.Experiment("lonely", base_dir=tmp_path, save_git_info=False)
    ex.main(lambda: None)
    ex.run(options=options)
    assert any("No observers have been added" in record.getMessage() for record in caplog.records) == warned
