"""The package's public names: each one in __all__ resolves, and Sacred users' imports work."""

from __future__ import annotations

import importlib

import jupyter_sacred


def test_every_public_name_resolves():
    for name in jupyter_sacred.__all__:
        assert getattr(jupyter_sacred, name) is not None, name


def test_star_import_gives_all_names():
    namespace: dict = {}
    exec("from jupyter_sacred import *", namespace)
    missing = set(jupyter_sacred.__all__) - set(namespace)
    assert missing == set()


def test_sacred_style_imports():
    from jupyter_sacred import SETTINGS, Experiment, host_info_gatherer  # noqa: F401
    from jupyter_sacred.observers import FileObserver, MongoObserver, RunObserver  # noqa: F401
    from jupyter_sacred.utils import apply_backspaces_and_linefeeds

    assert apply_backspaces_and_linefeeds("ab\rc") == "cb"
    assert isinstance(SETTINGS.HOST_INFO.CAPTURED_ENV, list)


def test_jupyter_finds_the_extensions():
    points = jupyter_sacred._jupyter_server_extension_points()
    assert points[0]["module"].startswith("jupyter_sacred")
    paths = jupyter_sacred._jupyter_labextension_paths()
    assert paths[0]["dest"] == "jupyter-sacred"


def test_unknown_attribute_raises():
    module = importlib.import_module("jupyter_sacred")
    try:
        module.no_such_name
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:
        raise AssertionError("expected AttributeError")
