"""Each switch that SECURITY.md documents keeps its part of the record out of the store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cell

SCRIPT = Path(__file__).parent / "reliability_helpers" / "private_script.py"
TOKEN = "-".join(["tok3n", str(sum(range(7)))])  # not written literally, so no source file holds it


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A git repository holding the script, with an origin URL that carries a token."""
    folder = tmp_path_factory.mktemp("repo")
    shutil.copy(SCRIPT, folder / "train.py")
    (folder / "local_module.py").write_text("VALUE = 1\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "init"],
                 ["remote", "add", "origin", f"https://bob:{TOKEN}@example.invalid/repo.git"]):
        subprocess.run(git + args, cwd=folder, check=True, capture_output=True)
    return folder


def run_script(repo: Path, tmp_path: Path, *switches: str) -> tuple[dict, Path]:
    store = tmp_path / "runs"
    env = {**os.environ, "PRIVACY_LISTED": "listed-value", "PRIVACY_UNLISTED": "unlisted-value"}
    done = subprocess.run([sys.executable, "train.py", str(store), *switches], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    folder = store / "1"
    return json.loads((folder / "run.json").read_text()), folder


def test_defaults_record_host_git_sources(repo, tmp_path):
    run, folder = run_script(repo, tmp_path)
    host, experiment = run["host"], run["experiment"]
    assert host["hostname"]
    assert host["os"]
    assert host["python_version"]
    assert host["cpu"]
    assert host["ENV"] == {}  # no variable unless listed
    assert experiment["repositories"][0]["commit"]
    assert "local_module.py" in [name for name, _ in experiment["sources"]]
    assert "printed by the run" in (folder / "cout.txt").read_text()


def test_git_url_token_never_stored(repo, tmp_path):
    run, folder = run_script(repo, tmp_path)
    [repository] = run["experiment"]["repositories"]
    assert repository["url"] == "https://example.invalid/repo.git"
    assert not [p for p in folder.parent.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]


def test_save_git_info_false(repo, tmp_path):
    run, _ = run_script(repo, tmp_path, "no-git")
    assert run["experiment"]["repositories"] == []
    assert "git" not in json.dumps(run["experiment"]).lower().replace("save_git_info", "")


def test_discover_sources_none(repo, tmp_path):
    # As in Sacred, the main file is always a source; "none" stops discovering the others.
    run, folder = run_script(repo, tmp_path, "no-sources")
    assert [name for name, _ in run["experiment"]["sources"]] == ["train.py"]
    assert [p.name.split("_")[0] for p in (folder.parent / "_sources").iterdir()] == ["train"]


def test_copy_sources_false(repo, tmp_path):
    run, folder = run_script(repo, tmp_path, "no-sources", "no-copy")
    assert not (folder.parent / "_sources").exists()
    assert [name for name, _ in run["experiment"]["sources"]] == ["train.py"]


def test_discover_dependencies_none(repo, tmp_path):
    found = run_script(repo, tmp_path)[0]["experiment"]["dependencies"]
    run, _ = run_script(repo, tmp_path / "off", "no-deps")
    # As in Sacred, numpy is listed whenever it is installed.
    assert [name.split("==")[0] for name in run["experiment"]["dependencies"]] == ["numpy"]
    assert any(name.startswith("jsonpickle==") for name in found)


def test_cpu_and_gpu_info_off(repo, tmp_path):
    run, _ = run_script(repo, tmp_path, "no-cpu", "no-gpu")
    assert run["host"]["cpu"] is None
    assert run["host"].get("gpus") is None


def test_env_only_listed_variables(repo, tmp_path):
    run, folder = run_script(repo, tmp_path, "env")
    assert run["host"]["ENV"] == {"PRIVACY_LISTED": "listed-value"}
    assert not [p for p in folder.rglob("*") if p.is_file() and b"unlisted-value" in p.read_bytes()]


def test_capture_no_stores_no_output(repo, tmp_path):
    _, folder = run_script(repo, tmp_path, "no-capture")
    assert (folder / "cout.txt").read_text() == ""


def test_notebook_capture_mode_no(shell, tmp_path):
    run_cell(shell, "%config SacredMagics.capture_mode = 'no'")
    assert run_cell(shell, "%%experiment private --no-widget\nprint('printed in the cell')\n").success
    assert (tmp_path / "runs" / "1" / "cout.txt").read_text() == ""


def test_notebook_captured_env(shell, tmp_path, monkeypatch):
    monkeypatch.setenv("PRIVACY_LISTED", "listed-value")
    monkeypatch.setenv("PRIVACY_UNLISTED", "unlisted-value")
    run_cell(shell, "%config SacredMagics.captured_env = ['PRIVACY_LISTED']")
    assert run_cell(shell, "%%experiment private --no-widget\n1\n").success
    run = json.loads((tmp_path / "runs" / "1" / "run.json").read_text())
    assert run["host"]["ENV"] == {"PRIVACY_LISTED": "listed-value"}
    run_cell(shell, "%config SacredMagics.captured_env = []")


def test_observe_none_stores_nothing(shell, tmp_path):
    run_cell(shell, "%observe none")
    assert run_cell(shell, "%%experiment private --no-widget\nprint('hi')\n1\n").success
    assert not (tmp_path / "runs").exists()


def test_unobserved_flag_stores_nothing(shell, tmp_path):
    assert run_cell(shell, "%%experiment private -u --no-widget\n1\n").success
    assert not (tmp_path / "runs").exists()
    assert run_cell(shell, "%%experiment private --no-widget\n1\n").success
    assert (tmp_path / "runs" / "1" / "run.json").exists()


def test_notebook_run_stores_cells(shell, tmp_path):
    # Documented in SECURITY.md: a notebook run stores the code of the executed cells.
    run_cell(shell, "secret_looking = 'typed in a cell'")
    assert run_cell(shell, "%%experiment private --no-widget\n1\n").success
    stored = b"".join(p.read_bytes() for p in (tmp_path / "runs").rglob("*") if p.is_file())
    assert b"typed in a cell" in stored


def test_notebook_sources_switch_off(shell, tmp_path):
    # Documented in SECURITY.md: SacredMagics.save_notebook_sources = False keeps cell code out of the store.
    run_cell(shell, "%config SacredMagics.save_notebook_sources = False")
    run_cell(shell, "secret_looking = 'typed in a cell'")
    assert run_cell(shell, "%%experiment private --no-widget\n1\n").success
    run_cell(shell, "%config SacredMagics.save_notebook_sources = True")

    stored = b"".join(p.read_bytes() for p in (tmp_path / "runs").rglob("*") if p.is_file())
    assert b"typed in a cell" not in stored
    assert (tmp_path / "runs" / "1" / "run.json").exists()
