"""The run display in a real kernel (nbclient): a live widget, replaced by the static view when the run ends."""

from __future__ import annotations

import base64

import nbformat
import pytest
from nbclient import NotebookClient

from jupyter_sacred.notebook.display import RUN_MIME_TYPE

pytestmark = pytest.mark.slow

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPERIMENT = '''%%experiment {flags}
import time
for step in range(2000):
    _run.log_scalar("train.loss", 1 / (step + 1))
    if step % 500 == 0:
        time.sleep(0.3)
print("training done")
"result"
'''


def execute(tmp_path, flags: str = "") -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("%load_ext jupyter_sacred"),
                      nbformat.v4.new_code_cell("%%config\nlr = 0.1\n"),
                      nbformat.v4.new_code_cell(EXPERIMENT.format(flags=flags))]
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return notebook


def test_kernel_one_run_view(tmp_path):
    notebook = execute(tmp_path)

    outputs = notebook.cells[2].outputs
    views = [output for output in outputs if RUN_MIME_TYPE in output.get("data", {})]
    assert len(views) == 1
    (view,) = views
    assert outputs.index(view) == 0  # where the widget showed while the run executed
    assert not any(WIDGET_VIEW in output.get("data", {}) for output in outputs)
    reference = view.data[RUN_MIME_TYPE]
    assert reference["store"] == str(tmp_path / "runs")
    assert reference["status"] == "COMPLETED"
    assert (tmp_path / "runs" / str(reference["run_id"]) / "run.json").is_file()
    assert base64.b64decode(view.data["image/png"]).startswith(PNG_SIGNATURE)
    assert "data-status='COMPLETED'" in view.data["text/html"]
    assert "training done" in view.data["text/html"]
    assert "Run 1 COMPLETED" in view.data["text/plain"]
    (value,) = [output for output in outputs if output.output_type == "execute_result"]
    assert value.data["text/plain"] == "'result'"


def test_kernel_saved_notebook_no_widget_text(tmp_path):
    notebook = execute(tmp_path)

    saved = nbformat.writes(notebook)
    assert "VBox(children" not in saved
    assert "live view; open with a kernel" not in saved


def test_kernel_no_widget(tmp_path):
    notebook = execute(tmp_path, "--no-widget")

    outputs = notebook.cells[2].outputs
    assert not any(WIDGET_VIEW in output.get("data", {}) for output in outputs)
    (static,) = [output.data for output in outputs if RUN_MIME_TYPE in output.get("data", {})]
    assert static[RUN_MIME_TYPE]["status"] == "COMPLETED"
    assert "image/png" in static
