"""Artifact content types compared with Sacred 0.8.7's MongoObserver guess."""

from __future__ import annotations

import logging
import mimetypes

import pytest

from jupyter_sacred.collect import guess_content_type
from jupyter_sacred.collect.content_type import CONTENT_TYPES

sacred_mongo = pytest.importorskip("sacred.observers.mongo")

ARTIFACT_NAMES = [
    "plot.png", "photo.jpg", "photo.JPEG", "table.csv", "result.json", "report.pdf",
    "notes.txt", "train.py", "weights.bin", "video.mp4", "model.h5", "model.pt",
    "data.pkl", "data.pickle", "array.npy", "arrays.npz", "config.yaml", "run.log",
    "archive.tar.gz", "page.html", "README.md", "figure.svg", "sound.wav", "no_extension",
    "dir.with.dots/file", "/abs/path/image.png",
]


@pytest.mark.parametrize("filename", ARTIFACT_NAMES)
def test_guess_matches_sacred(filename):
    expected = sacred_mongo.mimetype_detector.guess_type(filename)[0]

    assert guess_content_type(filename) == expected


def test_guess_never_contradicts_sacred():
    # For every extension in any of the three tables, our guess is Sacred's
    # or None, whatever Python's built-in table contains.
    builtin = mimetypes.MimeTypes()
    extensions = set(builtin.types_map[True]) | set(sacred_mongo.mimetype_detector.types_map[True])
    contradictions = {}
    for extension in sorted(extensions | set(CONTENT_TYPES)):
        ours = guess_content_type("artifact" + extension)
        sacred = sacred_mongo.mimetype_detector.guess_type("artifact" + extension)[0]
        if ours is not None and ours != sacred:
            contradictions[extension] = (ours, sacred)

    assert contradictions == {}


def test_table_entries_equal_sacred():
    for extension, content_type in CONTENT_TYPES.items():
        sacred = sacred_mongo.mimetype_detector.guess_type("artifact" + extension)[0]
        assert content_type == sacred, extension


def test_guess_ignores_system_mime_types(monkeypatch):
    # A machine-specific mime.types file loaded into the module-level table must
    # not change our guesses.
    monkeypatch.setitem(mimetypes.types_map, ".npy", "application/x-npy")
    monkeypatch.setitem(mimetypes.types_map, ".weird", "application/x-weird")

    assert guess_content_type("array.npy") is None
    assert guess_content_type("file.weird") is None


def test_guess_logs_not_prints(capsys, caplog):
    with caplog.at_level(logging.DEBUG, logger="jupyter_sacred.collect.content_type"):
        guess_content_type("plot.png")
        guess_content_type("model.pt")

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""
    assert "image/png" in caplog.text
    assert "model.pt" in caplog.text


def test_guess_accepts_path_objects(tmp_path):
    assert guess_content_type(tmp_path / "table.csv") == "text/csv"
