"""Config scopes from functions and from cell text."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jupyter_sacred.config import (
    ConfigKeyError,
    ConfigScope,
    ConfigScopeError,
    build_config,
)


def every_local():
    """Scope doc."""
    import os

    def helper(x):
        return x + 1

    class Point:
        pass

    _hidden = 3
    value = helper(1)


def with_return():
    a = 1
    return a


def with_yield():
    a = 1
    yield a


def with_default(a=1):
    b = a


def fixed_list_scope():
    items = [1, 2]
    items.append(3)
    count = len(items)


def nested_assign():
    opt = {"lr": 0.1, "name": "sgd"}
    lr_copy = opt["lr"]


def numpy_scope():
    half = np.float32(0.5)
    flag = np.bool_(True)
    pair = (np.int64(1), 2)
    array = np.arange(3)


def bad_key_scope():
    table = {"a.b": 1}


def test_scope_every_local_entry():
    config, _ = ConfigScope(every_local)()

    assert config["__doc__"] == "Scope doc."
    assert config["value"] == 2
    assert config["_hidden"] == 3
    assert config["os"].__name__ == "os"
    assert callable(config["helper"])
    assert isinstance(config["Point"], type)


def test_scope_rejects_return():
    with pytest.raises(ConfigScopeError, match="'return' is not allowed") as info:
        ConfigScope(with_return)

    assert info.value.lineno == with_return.__code__.co_firstlineno + 2


def test_scope_rejects_yield():
    with pytest.raises(ConfigScopeError, match="'yield' is not allowed"):
        ConfigScope(with_yield)


def test_scope_rejects_default():
    with pytest.raises(ConfigScopeError, match="default value"):
        ConfigScope(with_default)


def test_scope_nested_function_may_return():
    config, _ = ConfigScope(every_local)()

    assert config["helper"](2) == 3


def test_scope_fixed_list_kept():
    config, _ = ConfigScope(fixed_list_scope)(fixed={"items": [7]})

    assert config["items"] == [7]
    assert config["count"] == 1


def test_scope_fixed_nested_entry_kept():
    config, summary = ConfigScope(nested_assign)(fixed={"opt": {"lr": 0.5}})

    assert config["opt"] == {"lr": 0.5, "name": "sgd"}
    assert config["lr_copy"] == 0.5
    assert "opt.lr" in summary.modified


def test_scope_numpy_normalised():
    config, _ = ConfigScope(numpy_scope)()

    assert type(config["half"]) is float
    assert type(config["flag"]) is bool
    assert config["pair"] == [1, 2]
    assert type(config["pair"][0]) is int
    assert isinstance(config["array"], np.ndarray)


def test_scope_invalid_key_named():
    with pytest.raises(ConfigKeyError) as info:
        ConfigScope(bad_key_scope)()

    assert info.value.key == "a.b"
    assert info.value.path == "table"
    assert "'a.b'" in str(info.value)


def test_scope_parameter_missing():
    def needs(batch):
        double = batch * 2

    with pytest.raises(ConfigScopeError, match="'batch'"):
        ConfigScope(needs)()


def test_scope_inner_function_works():
    def inner():
        # the size
        size = 3

    result = build_config([ConfigScope(inner)])

    assert result.config["size"] == 3
    assert result.modifications.docs["size"] == "the size"


def test_source_top_level_only():
    code = "import math\n# radius doc\nradius = 2\narea = math.pi * radius ** 2  # area doc\n"
    scope = ConfigScope.from_source(code, namespace={"unused": 1})

    config, summary = scope()

    # The import binds a name but is no assignment, so it is not an entry.
    assert set(config) == {"radius", "area"}
    assert config["area"] == pytest.approx(4 * math.pi)
    assert summary.docs["radius"] == "radius doc"
    assert summary.docs["area"] == "area doc"


def test_source_reads_namespace():
    scope = ConfigScope.from_source("scaled = base * 2\n", namespace={"base": 21})

    config, _ = scope()

    assert config == {"scaled": 42}


def test_source_namespace_not_changed():
    namespace = {"base": 1}
    ConfigScope.from_source("base = 5\nother = 2\n", namespace=namespace)()

    assert namespace == {"base": 1}


def test_source_edited_text():
    first, _ = ConfigScope.from_source("a = 1\nb = 2\n")()
    second, _ = ConfigScope.from_source("a = 1\n")()

    assert set(first) == {"a", "b"}
    assert set(second) == {"a"}


def test_source_docstring_entry():
    config, _ = ConfigScope.from_source('"""Cell doc."""\nx = 1\n')()

    assert config["__doc__"] == "Cell doc."


def test_source_syntax_error_line():
    with pytest.raises(ConfigScopeError) as info:
        ConfigScope.from_source("a = 1\nb = = 2\nc = 3\n")

    assert info.value.lineno == 2
    assert "line 2" in str(info.value)


def test_source_return_rejected_line():
    with pytest.raises(ConfigScopeError) as info:
        ConfigScope.from_source("a = 1\n\nreturn a\n")

    assert info.value.lineno == 3


def test_source_fixed_update_recomputes():
    scope = ConfigScope.from_source("lr = 0.1\nbatch = 32\nscaled = lr * batch\n")

    result = build_config([scope], updates={"batch": 64})

    assert result.config["batch"] == 64
    assert result.config["scaled"] == pytest.approx(6.4)
    assert result.modifications.modified == {"batch"}


def test_source_runtime_error_propagates():
    scope = ConfigScope.from_source("a = 1 / 0\n")

    with pytest.raises(ZeroDivisionError):
        scope()


def test_source_indented_text():
    config, _ = ConfigScope.from_source("    a = 1\n    b = a + 1\n")()

    assert config == {"a": 1, "b": 2}


def test_source_traceback_shows_line():
    import traceback

    scope = ConfigScope.from_source("a = 1\nb = a / 0  # boom\n", name="cell 3")

    with pytest.raises(ZeroDivisionError) as info:
        scope()

    text = "".join(traceback.format_exception(info.value))
    assert 'File "<cell 3>", line 2' in text
    assert "b = a / 0  # boom" in text


def list_scope():
    sizes = [1, 2]


def test_fixed_list_change_modified():
    # Sacred 0.8.7 compares lists element-wise and reports a change only when
    # every element differs; any differing element counts as modified here.
    result = build_config([ConfigScope(list_scope)], updates={"sizes": [1, 3]})

    assert result.modifications.modified == {"sizes"}


def test_source_namespace_read_live():
    namespace = {"base": 1}
    scope = ConfigScope.from_source("scaled = base * 10\n", namespace=namespace)
    namespace["base"] = 4

    config, _ = scope()

    assert config == {"scaled": 40}


def test_source_in_ipython_shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("import math\nradius_default = 3", store_history=False)
    scope = ConfigScope.from_source("radius = radius_default\narea = math.pi * radius ** 2\n",
                                    namespace=shell.user_ns)

    result = build_config([scope], updates={"radius": 2})

    assert result.config["area"] == pytest.approx(4 * math.pi)
    assert "radius_default" not in result.config
    assert "math" not in result.config
