"""End to end: JupyterLab in Chromium shows the live run widget, then the static view in its place.

Needs Debian's chromium at /usr/bin/chromium; without it the test is skipped,
unless JUPYTER_SACRED_REQUIRE_BROWSER=1. The widget needs only the ipywidgets
lab manager, not jupyter_sacred's own lab extension.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab_helpers import CHROMIUM, CHROMIUM_FLAGS, free_port, skip_or_fail, stop_server, wait_for_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOKEN = "jupyter-sacred-widget-test"
# A run with two metrics that lasts about six seconds, so the live widget can be seen.
NOTEBOOK_CELLS = [
    "%load_ext jupyter_sacred",
    "%%config\nepochs = 60\n",
    "%%experiment\nimport time\nfor epoch in range(epochs):\n"
    "    _run.log_scalar('training.loss', 1 / (epoch + 1))\n"
    "    _run.log_scalar('validation.accuracy', epoch / epochs)\n    time.sleep(0.1)\n'done'\n",
]


def _write_notebook(root: Path) -> str:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, root / "small.ipynb")
    return "small.ipynb"


@pytest.fixture
def lab(tmp_path):
    """Start JupyterLab on 127.0.0.1 with a notebook in its root; yield its URL and the notebook path."""
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is missing; install it with apt-get install chromium")
    root = tmp_path / "root"
    root.mkdir()
    notebook = _write_notebook(root)
    config_dir = tmp_path / "config"
    (config_dir / "labconfig").mkdir(parents=True)
    (config_dir / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config_dir), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))

    port = free_port()
    log = open(tmp_path / "lab.log", "wb")
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
               f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={TOKEN}",
               f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True"]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(f"{url}/api/status?token={TOKEN}", process)
        yield url, notebook
    finally:
        stop_server(process)
        log.close()


def test_widget_in_lab(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    url, notebook = lab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/lab/tree/{notebook}?token={TOKEN}")
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                                   ".status === 'idle'", timeout=60_000)
            # Not awaited: the command's promise settles only when every cell has run.
            page.evaluate("void window.jupyterapp.commands.execute('notebook:run-all-cells')")

            badge = page.locator(".jupyter-sacred-run-widget .jupyter-sacred-status")
            try:
                badge.first.wait_for(timeout=60_000)
            except Exception:
                page.screenshot(path=str(tmp_path / "failure.png"))
                raise
            # The badge reads STARTING until the run has started.
            page.wait_for_function(
                "['RUNNING', 'COMPLETED'].includes(document.querySelector("
                "'.jupyter-sacred-run-widget .jupyter-sacred-status')?.textContent.trim())", timeout=60_000)
            live = badge.first.text_content().strip()
            page.locator(".jupyter-sacred-run-widget").first.screenshot(path=str(tmp_path / "widget.png"))

            # When the run ends, the static view takes the widget's place: one view of the run.
            cell = page.locator(".jp-CodeCell").nth(2)
            cell.locator(".jupyter-sacred-run").first.wait_for(timeout=120_000)
            page.wait_for_function("!document.querySelector('.jupyter-sacred-run-widget')", timeout=30_000)
            cell.screenshot(path=str(tmp_path / "static-view.png"))
            assert live in ("RUNNING", "COMPLETED")
            assert cell.locator(".jupyter-sacred-run").count() == 1
            assert "COMPLETED" in cell.locator(".jupyter-sacred-run").inner_text()
            assert cell.locator(".jupyter-sacred-run img").first.evaluate("image => image.naturalWidth") > 0
            assert "Error displaying widget" not in cell.inner_text()
            assert "VBox(children" not in cell.inner_text()
            # The result shows once, as the cell's value.
            assert cell.locator(".jp-Cell-outputWrapper").inner_text().count("'done'") == 1
        finally:
            browser.close()
