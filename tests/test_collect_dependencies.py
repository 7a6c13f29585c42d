"""Package dependency lookup: version checks and the module-to-distribution index."""

from __future__ import annotations

import sys
import types

import pytest

from jupyter_sacred.collect import dependencies
from jupyter_sacred.collect.dependencies import (
    DISTRIBUTIONS,
    dependencies_of_modules,
    is_valid_version,
    make_package_dependency,
)

VERSIONS = [
    "1", "1.0", "1.2.3", "2024.1", "1!2.0", "1.0a1", "1.0b2", "1.0rc1", "1.0.post1", "1.0.dev3",
    "1.0a1.post2.dev3", "2.1.0+cpu", "2.1.0+cu121.local", "v1.0", "1.0-1",
    "", "latest", "1.0-beta-x", "1..2", "1.0+", "one", "1.0 2", ".1",
]


@pytest.mark.parametrize("version", VERSIONS)
def test_regex_fallback_agrees_with_packaging(version, monkeypatch):
    with_packaging = is_valid_version(version)
    monkeypatch.setattr(dependencies, "Version", None)

    assert is_valid_version(version) == with_packaging


def test_sacred_pattern_looser_on_dots():
    sacred_dependencies = pytest.importorskip("sacred.dependencies")
    # Sacred 0.8.7's pattern accepts "1..2", which PEP 440 forbids; we reject it.
    assert sacred_dependencies.PEP440_VERSION_PATTERN.match("1..2")
    assert not is_valid_version("1..2")


def test_make_dependency_rejects_none():
    with pytest.raises(ValueError, match="mylib"):
        make_package_dependency("mylib", None)


def write_distribution(site, name, version, module):
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "RECORD").write_text(f"{module}/__init__.py,,\n{info.name}/METADATA,,\n")
    (site / module).mkdir()
    (site / module / "__init__.py").write_text("")


def test_index_sees_new_installs(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    write_distribution(site, "Fake_Dist", "1.2", "fakemod_one")
    monkeypatch.syspath_prepend(str(site))
    fake_one = types.ModuleType("fakemod_one")
    fake_one.__file__ = str(site / "fakemod_one" / "__init__.py")

    first = dependencies_of_modules([("fakemod_one", fake_one)])
    # Installing a second distribution into the same folder changes its mtime.
    write_distribution(site, "fake-two", "0.3", "fakemod_two")
    fake_two = types.ModuleType("fakemod_two")
    second = dependencies_of_modules([("fakemod_two", fake_two)])

    assert [dep.to_json() for dep in first] == ["Fake-Dist==1.2"]
    assert [dep.to_json() for dep in second] == ["fake-two==0.3"]


def test_index_kept_for_plain_folders(tmp_path, monkeypatch):
    DISTRIBUTIONS.refresh()
    built = DISTRIBUTIONS._modules
    # A project folder on sys.path without package metadata does not force a rebuild.
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "notes.txt").write_text("new file\n")

    DISTRIBUTIONS.refresh()

    assert DISTRIBUTIONS._modules is built


def test_stdlib_never_a_dependency():
    import json
    import os

    found = dependencies_of_modules([("os", os), ("json", json), ("sys", sys)])

    assert found == set()


def test_validate_version_names_package():
    from jupyter_sacred.collect import validate_version

    validate_version("mylib", "1.0.post1")
    with pytest.raises(ValueError, match="mylib.*PEP 440"):
        validate_version("mylib", "latest")


def test_public_names_exported():
    import jupyter_sacred.collect as collect

    for name in collect.__all__:
        assert hasattr(collect, name), name


def test_warm_up_fills_index(monkeypatch, tmp_path):
    from jupyter_sacred.collect import warm_up_caches

    site = tmp_path / "site-packages"
    write_distribution(site, "warm-dist", "4.5", "warmmod")
    monkeypatch.syspath_prepend(str(site))

    thread = warm_up_caches(include_gpu=False)
    thread.join(timeout=60)
    index_after_warm_up = DISTRIBUTIONS._modules

    assert not thread.is_alive()
    assert index_after_warm_up["warmmod"] == ["warm-dist"]
    # The first lookup after warming up reuses the index.
    assert [dep.to_json() for dep in DISTRIBUTIONS.lookup("warmmod")] == ["warm-dist==4.5"]
    assert DISTRIBUTIONS._modules is index_after_warm_up
