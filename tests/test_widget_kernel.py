"""The run display in a real kernel (nbclient): widget first, then the static copy a saved notebook keeps."""

from __future__ import annotations

import base64

import nbformat
import pytest
from nbclient import NotebookClient

from jupyter_sacred.notebook.display import RUN_MIME_TYPE

pytestmark = pytest.mark.slow

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
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


def test_kernel_widget_then_static_copy(tmp_path):
    notebook = execute(tmp_path)

    outputs = notebook.cells[2].outputs
    kinds = [("widget" if WIDGET_VIEW in output.get("data", {}) else
              "static" if RUN_MIME_TYPE in output.get("data", {}) else output.output_type)
             for output in outputs]
    assert kinds.index("widget") < kinds.index("stream") < kinds.index("static")
    static = outputs[kinds.index("static")].data
    reference = static[RUN_MIME_TYPE]
    assert reference["store"] == str(tmp_path / "runs")
    assert reference["status"] == "COMPLETED"
    assert (tmp_path / "runs" / str(reference["run_id"]) / "run.json").is_file()
    assert base64.b64decode(static["image/png"]).startswith(PNG_SIGNATURE)
    assert "data-status='COMPLETED'" in static["text/html"]
    assert "training done" in static["text/html"]
    assert "Run 1 COMPLETED" in static["text/plain"]


def test_kernel_widget_final_state_saved(tmp_path):
    notebook = execute(tmp_path)

    # nbclient keeps the widget models' last state in the notebook metadata,
    # as JupyterLab does when it saves the widget state.
    states = notebook.metadata["widgets"][WIDGET_STATE]["state"]
    html_values = [model["state"].get("value", "") for model in states.values()
                   if model["model_name"] == "HTMLModel"]
    assert any("data-status='COMPLETED'" in value for value in html_values)
    images = [model for model in states.values() if model["model_name"] == "ImageModel"]
    assert len(images) == 1


def test_kernel_no_widget(tmp_path):
    notebook = execute(tmp_path, "--no-widget")

    outputs = notebook.cells[2].outputs
    assert not any(WIDGET_VIEW in output.get("data", {}) for output in outputs)
    (static,) = [output.data for output in outputs if RUN_MIME_TYPE in output.get("data", {})]
    assert static[RUN_MIME_TYPE]["status"] == "COMPLETED"
    assert "image/png" in static
