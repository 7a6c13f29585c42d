"""SETTINGS read at run start, the notebook's setting traits, beats, and how values are encoded."""

from __future__ import annotations

import datetime
import json
import time
from fractions import Fraction

import numpy as np
import pytest

from conftest import run_cell
from jupyter_sacred import SETTINGS, Experiment
from jupyter_sacred.observers import FileObserver, RunObserver


class BeatCounter(RunObserver):
    def __init__(self):
        self.started = None
        self.beats = []

    def started_event(self, start_time, **kwargs):
        self.started = time.monotonic()

    def heartbeat_event(self, info, captured_out, beat_time, result):
        self.beats.append((time.monotonic(), dict(info), captured_out, result))


def make(tmp_path, *observers):
    return Experiment("settings", observers=[FileObserver(tmp_path / "runs"), *observers], base_dir=tmp_path,
                      save_git_info=False)


def stored(tmp_path, run_id=1, name="run.json"):
    text = (tmp_path / "runs" / str(run_id) / name).read_text()
    return json.loads(text) if name.endswith(".json") else text


def test_settings_read_when_run_starts(tmp_path, monkeypatch):
    ex = make(tmp_path)
    ex.main(lambda: print("shown"))
    monkeypatch.setitem(SETTINGS, "DEFAULT_BEAT_INTERVAL", 0.5)
    monkeypatch.setitem(SETTINGS, "CAPTURE_MODE", "no")
    first = ex.run()
    monkeypatch.setitem(SETTINGS, "DEFAULT_BEAT_INTERVAL", 2.0)
    monkeypatch.setitem(SETTINGS, "CAPTURE_MODE", "sys")
    second = ex.run()
    assert (first.beat_interval, first.capture_mode) == (0.5, "no")
    assert (second.beat_interval, second.capture_mode) == (2.0, "sys")
    assert stored(tmp_path, 1, "cout.txt") == ""
    assert "shown" in stored(tmp_path, 2, "cout.txt")


def test_default_beat_interval_is_sacreds():
    from sacred import SETTINGS as SACRED_SETTINGS

    assert SETTINGS.DEFAULT_BEAT_INTERVAL == SACRED_SETTINGS.DEFAULT_BEAT_INTERVAL == 10.0


def test_beats_publish_live_info_output_and_result(tmp_path):
    counter = BeatCounter()
    ex = make(tmp_path, counter)

    def main(_run):
        for step in range(4):
            _run.info["step"] = step
            _run.result = step
            print("step", step)
            time.sleep(0.1)
        return "done"

    ex.main(main)
    ex.run(options={"--beat-interval": 0.05, "--capture": "sys"})
    # We beat right after the start (Sacred waits a full interval first), then at the interval.
    assert counter.beats[0][0] - counter.started < 0.05
    assert len(counter.beats) >= 5
    middle = [beat for beat in counter.beats if beat[1].get("step") == 2]
    assert middle and all(beat[3] in (1, 2) for beat in middle) and "step 1" in middle[-1][2]
    assert stored(tmp_path)["result"] == "done"


def test_encoding_matches_sacred(tmp_path):
    import sacred
    from sacred.observers import FileStorageObserver

    when = datetime.datetime(2024, 5, 1, 12, 30)

    def main(_run):
        _run.info.update(when=when, pair=(1, 2), ratio=Fraction(1, 3), count=np.int64(7),
                         grid=np.arange(4).reshape(2, 2), mean=np.float32(0.5), tags={"a"})
        return {"when": when, "best": np.float64(0.25)}

    folders = {}
    for engine in ("ours", "sacred"):
        folder = tmp_path / engine
        if engine == "ours":
            ex = make(folder)
        else:
            ex = sacred.Experiment("settings", save_git_info=False, interactive=True)
            ex.observers.append(FileStorageObserver(str(folder / "runs")))
        ex.add_config(shape=(3, 4), stamp=when, scale=np.float64(1.5))
        ex.main(main)
        ex.run(config_updates={"seed": 1})
        folders[engine] = folder / "runs" / "1"
    for name in ("info.json", "config.json"):
        assert json.loads((folders["ours"] / name).read_text()) == json.loads((folders["sacred"] / name).read_text())
    ours = json.loads((folders["ours"] / "run.json").read_text())
    theirs = json.loads((folders["sacred"] / "run.json").read_text())
    assert ours["result"] == theirs["result"]
    assert ours["result"]["when"]["py/object"] == "datetime.datetime"


@pytest.fixture
def magics(shell):
    return shell._jupyter_sacred_magics[0]


def test_notebook_traits_reach_the_run(shell, magics, run_folder, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_MARK", "nb")
    run_cell(shell, "%config SacredMagics.captured_env = ['NOTEBOOK_MARK']")
    run_cell(shell, "%config SacredMagics.beat_interval = 0.25")
    run_cell(shell, "%config SacredMagics.capture_mode = 'no'")
    assert magics.beat_interval == 0.25
    assert magics.capture_mode == "no"
    run_cell(shell, "%%experiment\nprint('not captured')\n")

    entry = run_folder(1)
    assert entry["host"]["ENV"] == {"NOTEBOOK_MARK": "nb"}
    assert entry["meta"]["beat_interval"] == 0.25
    assert run_folder(1, "cout.txt") == ""
    assert SETTINGS.HOST_INFO.CAPTURED_ENV == []  # the trait applies to the notebook's runs only
