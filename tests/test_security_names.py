"""Artifact and resource names cannot write outside the run folder or over its record files."""

from __future__ import annotations

import os

import pytest

from jupyter_sacred import Experiment, _storage
from jupyter_sacred.errors import ArtifactNameError
from jupyter_sacred.observers.file import FileObserver

BAD_NAMES = [
    "../escaped.txt",
    "../../escaped.txt",
    "sub/../../escaped.txt",
    "..\\escaped.txt",
    "sub\\..\\..\\escaped.txt",
    "/tmp/escaped.txt",
    "\\escaped.txt",
    "nul\x00byte.txt",
    ".",
    "..",
    "",
    "a//b",
] + sorted(_storage.RECORD_FILES)
CONTENT = "artifact content 7f3a"


@pytest.fixture
def payload(tmp_path):
    path = tmp_path / "payload.txt"
    path.write_text(CONTENT)
    return path


def leaked_files(root) -> list:
    """Files named like the payload anywhere under ``root`` outside run folders."""
    return [p for p in root.rglob("escaped.txt")]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_add_artifact_refuses_name(tmp_path, payload, name):
    store = tmp_path / "work" / "runs"
    ex = Experiment("names", observers=[FileObserver(store)], save_git_info=False)
    ex.main(lambda _run: _run.add_artifact(payload, name))

    with pytest.raises(ArtifactNameError) as raised:
        ex.run()

    assert repr(name) in str(raised.value)
    assert "name=" in str(raised.value)
    assert leaked_files(tmp_path) == []
    record_files = {path.name: path.read_bytes() for path in (store / "1").iterdir()}
    assert record_files.get("run.json", b"").count(b'"FAILED"') == 1
    assert CONTENT.encode() not in b"".join(record_files.values())


def started_observer(store) -> FileObserver:
    observer = FileObserver(store)
    observer.started_event(ex_info={"name": "x", "base_dir": str(store), "sources": []}, command="main",
                           host_info={}, start_time=_storage.utcnow(), config={}, meta_info={}, _id=None)
    return observer


@pytest.mark.parametrize("name", BAD_NAMES)
def test_observer_refuses_name_directly(tmp_path, payload, name):
    observer = started_observer(tmp_path / "runs")
    before = {path.name: path.read_bytes() for path in (tmp_path / "runs" / "1").iterdir()}

    with pytest.raises(ArtifactNameError):
        observer.artifact_event(name=name, filename=str(payload))

    assert {path.name: path.read_bytes() for path in (tmp_path / "runs" / "1").iterdir()} == before
    assert leaked_files(tmp_path) == []


@pytest.mark.parametrize("link_name", ["link_dir", "model.bin", "model.bin.part"])
def test_symlink_in_run_folder_not_followed(tmp_path, payload, link_name):
    outside = tmp_path / "outside"
    outside.mkdir()
    observer = started_observer(tmp_path / "runs")
    run_dir = tmp_path / "runs" / "1"
    if link_name == "link_dir":
        os.symlink(outside, run_dir / "link_dir")
        name = "link_dir/model.bin"
    else:
        os.symlink(outside / "model.bin", run_dir / link_name)
        name = "model.bin"

    with pytest.raises(ArtifactNameError, match="symbolic link"):
        observer.artifact_event(name=name, filename=str(payload))

    assert list(outside.iterdir()) == []


def test_nested_artifact_name_allowed(tmp_path, payload):
    observer = started_observer(tmp_path / "runs")
    observer.artifact_event(name="plots/epoch_1.txt", filename=str(payload))
    assert (tmp_path / "runs" / "1" / "plots" / "epoch_1.txt").read_text() == CONTENT


def test_resource_stored_inside_store(tmp_path):
    # Resources are stored under content-addressed names made from the base name only.
    odd = tmp_path / "a" / "..resource..txt"
    odd.parent.mkdir()
    odd.write_text("data")
    store = tmp_path / "runs"
    observer = started_observer(store)
    observer.resource_event(filename=str(odd))
    [[source, stored]] = observer.run_entry["resources"]
    assert source == str(odd)
    assert os.path.realpath(stored).startswith(os.path.realpath(store / "_resources") + os.sep)
    assert open(stored).read() == "data"
