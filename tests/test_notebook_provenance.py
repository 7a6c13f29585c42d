"""Provenance of notebook runs through a real IPython shell: cells file, notebook copy, warnings, git."""

from __future__ import annotations

import json
import os
import re
import subprocess

import nbformat
import pytest
from conftest import run_cell

from jupyter_sacred.notebook import get_session


def cell(ip, code: str, cell_id: str | None = None):
    """Run ``code`` as the notebook cell ``cell_id``, as a frontend that sends cell ids does."""
    return ip.run_cell(code, store_history=True, cell_id=cell_id)


def stored_source(tmp_path, run_json: dict, suffix: str) -> str:
    matches = [stored for name, stored in run_json["experiment"]["sources"] if name.endswith(suffix)]
    assert len(matches) == 1, run_json["experiment"]["sources"]
    return (tmp_path / "runs" / matches[0]).read_text(encoding="utf-8")


def write_notebook(path, cells: list[tuple[str, str]]) -> None:
    notebook = nbformat.v4.new_notebook()
    for cell_id, source in cells:
        code_cell = nbformat.v4.new_code_cell(source, id=cell_id)
        code_cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="old output\n")]
        code_cell.execution_count = 7
        notebook.cells.append(code_cell)
    nbformat.write(notebook, str(path))


def test_cells_file_headers(shell, tmp_path, run_folder):
    cell(shell, "x = 41", "c-one")
    cell(shell, "%%experiment\nx + 1\n", "c-two")

    text = stored_source(tmp_path, run_folder(1), ".cells.py")
    headers = re.findall(r"^# In\[(\d+)\](.*)$", text, flags=re.MULTILINE)
    by_id = {re.search(r"id=(\S+)", rest).group(1): rest for _, rest in headers if "id=" in rest}
    assert set(by_id) == {"c-one", "c-two"}
    assert re.search(r"time=\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\.\d{6}", by_id["c-one"])
    assert "md5=" in by_id["c-two"]
    assert text.index("x = 41") < text.index("%%experiment")
    # The cell that loaded the extension ran before the hook existed: history only.
    assert "%load_ext jupyter_sacred" in text


def test_info_lists_cells(shell, run_folder):
    cell(shell, "y = 1", "a")
    cell(shell, "%%experiment\ny\n", "b")

    notebook = run_folder(1, "info.json")["notebook"]
    ids = [entry["cell_id"] for entry in notebook["cells"]]
    assert ids[-2:] == ["a", "b"]
    counts = [entry["execution_count"] for entry in notebook["cells"]]
    assert counts == sorted(counts)
    assert all(len(entry["md5"]) == 32 for entry in notebook["cells"])


def test_missing_notebook_explained(shell, run_folder, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    cell(shell, "%%experiment\n1\n", "e")

    notebook = run_folder(1, "info.json")["notebook"]
    assert notebook["path"] is None
    assert "JPY_SESSION_NAME is not set" in notebook["not_found"]
    assert "__vsc_ipynb_file__" in notebook["not_found"]
    assert not any(name.endswith(".ipynb") for name, _ in run_folder(1)["experiment"]["sources"])


def test_reexecution_without_notebook_warns(shell, run_folder):
    cell(shell, "a = 1", "first")
    cell(shell, "b = 2", "second")
    cell(shell, "a = 3", "first")
    cell(shell, "%%experiment\na + b\n", "exp")

    warnings = run_folder(1, "info.json")["notebook"]["warnings"]
    assert len(warnings) == 1
    assert warnings[0].startswith("cells executed out of order")
    count = shell.execution_count
    assert f"In[{count - 2}] after In[{count - 3}]" in warnings[0]


def test_in_order_run_has_no_warning(shell, tmp_path, run_folder):
    path = tmp_path / "analysis.ipynb"
    write_notebook(path, [("one", "a = 1"), ("exp", "%%experiment\na\n")])
    shell.user_ns["__vsc_ipynb_file__"] = str(path)
    cell(shell, "a = 1", "one")
    cell(shell, "%%experiment\na\n", "exp")
    cell(shell, "%%experiment\na\n", "exp")

    for run_id in (1, 2):
        assert run_folder(run_id, "info.json")["notebook"]["warnings"] == []


def test_notebook_copy_stripped(shell, tmp_path, run_folder):
    path = tmp_path / "analysis.ipynb"
    write_notebook(path, [("one", "a = 1"), ("exp", "%%experiment\na\n")])
    shell.user_ns["__vsc_ipynb_file__"] = str(path)
    cell(shell, "a = 1", "one")
    cell(shell, "%%experiment\na\n", "exp")

    run = run_folder(1)
    copy = nbformat.reads(stored_source(tmp_path, run, ".ipynb"), as_version=4)
    assert [c.source for c in copy.cells] == ["a = 1", "%%experiment\na\n"]
    assert all(c.outputs == [] and c.execution_count is None for c in copy.cells)
    info = run_folder(1, "info.json")["notebook"]
    assert info["path"] == str(path)
    assert info["found_by"] == "__vsc_ipynb_file__"
    assert "analysis.cells.py" in {os.path.basename(name) for name, _ in run["experiment"]["sources"]}


def test_identical_notebook_stored_once(shell, tmp_path, run_folder):
    path = tmp_path / "analysis.ipynb"
    write_notebook(path, [("exp", "%%experiment\n1\n")])
    shell.user_ns["__vsc_ipynb_file__"] = str(path)
    cell(shell, "%%experiment\n1\n", "exp")
    cell(shell, "%%experiment\n1\n", "exp")

    copies = [name for name in os.listdir(tmp_path / "runs" / "_sources") if name.endswith(".ipynb")]
    assert len(copies) == 1
    cells_files = [name for name in os.listdir(tmp_path / "runs" / "_sources") if name.startswith("analysis.cells_")]
    assert len(cells_files) == 2  # the second run has one more executed cell


def test_out_of_order_against_notebook(shell, tmp_path, run_folder):
    path = tmp_path / "analysis.ipynb"
    write_notebook(path, [("one", "a = 1"), ("two", "b = a + 1"), ("exp", "%%experiment\nb\n")])
    shell.user_ns["__vsc_ipynb_file__"] = str(path)
    cell(shell, "b = 0", "two")
    cell(shell, "a = 1", "one")
    cell(shell, "%%experiment\n1\n", "exp")

    warnings = run_folder(1, "info.json")["notebook"]["warnings"]
    out_of_order = [text for text in warnings if text.startswith("cells executed out of order")]
    assert len(out_of_order) == 1
    count = shell.execution_count
    assert f"In[{count - 2}] after In[{count - 3}]" in out_of_order[0]
    assert "comes later in the notebook" in out_of_order[0]


def test_edited_cell_warned(shell, tmp_path, run_folder):
    path = tmp_path / "analysis.ipynb"
    write_notebook(path, [("one", "a = 2"), ("exp", "%%experiment\na\n")])
    shell.user_ns["__vsc_ipynb_file__"] = str(path)
    cell(shell, "a = 1", "one")  # the saved notebook says a = 2: edited after running
    cell(shell, "%%experiment\na\n", "exp")
    cell(shell, "z = 0", "unsaved")
    cell(shell, "%%experiment\na\n", "exp")

    first = run_folder(1, "info.json")["notebook"]["warnings"]
    assert len(first) == 1
    assert first[0].startswith("code differs from the saved notebook")
    assert f"In[{shell.execution_count - 4}] differs from the saved cells" in first[0]
    second = run_folder(2, "info.json")["notebook"]["warnings"]
    assert any(f"In[{shell.execution_count - 2}] is not in the saved notebook" in text for text in second)


def test_session_name_relative_path(shell, tmp_path, run_folder, monkeypatch):
    (tmp_path / "sub").mkdir()
    write_notebook(tmp_path / "sub" / "nb.ipynb", [("exp", "%%experiment\n1\n")])
    monkeypatch.setenv("JPY_SESSION_NAME", "sub/nb.ipynb")
    cell(shell, "%%experiment\n1\n", "exp")

    info = run_folder(1, "info.json")["notebook"]
    assert info["path"] == str(tmp_path / "sub" / "nb.ipynb")
    assert info["found_by"] == "JPY_SESSION_NAME"


def test_notebook_repository_recorded(shell, tmp_path, tmp_path_factory, run_folder):
    repo = tmp_path_factory.mktemp("repo")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    write_notebook(repo / "nb.ipynb", [("exp", "%%experiment\n1\n")])
    subprocess.run([*git, "add", "nb.ipynb"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "notebook"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    shell.user_ns["__vsc_ipynb_file__"] = str(repo / "nb.ipynb")
    cell(shell, "%%experiment\n1\n", "exp")

    repositories = run_folder(1)["experiment"]["repositories"]
    assert [entry["commit"] for entry in repositories].count(head) == 1
    assert next(entry for entry in repositories if entry["commit"] == head)["dirty"] is False


def test_previous_run_follows_cell_id(shell, run_folder):
    cell(shell, "%%experiment\n1\n", "x")
    cell(shell, "%%experiment\n1\n", "y")  # same code, another cell
    cell(shell, "%%experiment\n2\n", "x")  # edited cell x

    assert run_folder(2)["meta"]["notebook"]["previous_run"] is None
    assert run_folder(3)["meta"]["notebook"]["previous_run"] == "1"
    assert run_folder(3)["meta"]["notebook"]["cell_id"] == "x"


def test_progress_bar_cleaned(shell, run_folder):
    run_cell(shell, "%%experiment\nimport sys\nfor i in range(4):\n    sys.stdout.write(f'\\rbar {i}/3')\nprint()\n")
    assert run_folder(1, "cout.txt") == "bar 3/3\n"


def test_own_filter_kept(shell, run_folder):
    get_session(shell).experiment.captured_out_filter = str.upper
    run_cell(shell, "%%experiment\nprint('\\rraw')\n")
    assert run_folder(1, "cout.txt").strip() == "RAW"


@pytest.mark.parametrize("ids", ["", "1 2"])
def test_run_diff_cells(shell, capsys, ids):
    cell(shell, "%%config\nlr = 0.1\n", "cfg")
    cell(shell, "%%experiment\nlr\n", "exp")
    cell(shell, "%%config\nlr = 0.2\n", "cfg")
    cell(shell, "%%experiment\nlr\n", "exp")
    capsys.readouterr()
    run_cell(shell, f"%run_diff {ids}")
    out = capsys.readouterr().out

    assert '-  "lr": 0.1' in out
    assert '+  "lr": 0.2' in out
    assert "+lr = 0.2" in out
    assert "run 2 cells" in out


def test_info_json_readable(shell, run_folder):
    cell(shell, "%%experiment\n_run.info['mine'] = 1\n", "exp")
    info = run_folder(1, "info.json")
    assert info["mine"] == 1
    assert set(info["notebook"]) >= {"path", "found_by", "cells", "warnings"}
    json.dumps(info)
