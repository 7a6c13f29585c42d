"""End to end: JupyterLab in Chromium lists a store's runs in the Runs panel and opens one.

Needs Debian's chromium at /usr/bin/chromium and the built lab extension
(``jupyter_sacred/labextension`` or an installed ``jupyter-sacred`` labextension).
Without them the test is skipped, unless JUPYTER_SACRED_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import jupyter_sacred

from lab_helpers import CHROMIUM, CHROMIUM_FLAGS, free_port, skip_or_fail, stop_server, wait_for_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOKEN = "jupyter-sacred-browser-test"
RUN_MIME_TYPE = "application/vnd.jupyter-sacred.run+json"


def _built_extension() -> Path | None:
    """Return the folder of the prebuilt lab extension, from the source tree or an install."""
    in_package = Path(jupyter_sacred.__file__).parent / "labextension"
    installed = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "jupyter-sacred"
    for folder in (in_package, installed):
        if (folder / "package.json").is_file() and (folder / "static").is_dir():
            return folder
    return None


def _write_sacred_store(store: Path) -> None:
    from sacred import Experiment
    from sacred.observers import FileStorageObserver

    ex = Experiment("browser_demo", interactive=True)
    ex.observers.append(FileStorageObserver(str(store)))

    @ex.config
    def config():
        lr = 0.05
        epochs = 60

    @ex.main
    def main(_run, lr, epochs):
        value = 1.0
        for step in range(epochs):
            value *= 1 - lr
            _run.log_scalar("loss", value, step)
            _run.log_scalar("accuracy", 1 - value, step)
        print("finished", epochs, "epochs")
        return round(1 - value, 4)

    ex.run(options={"--capture": "sys"})
    ex.run(config_updates={"lr": 0.1}, options={"--capture": "sys", "--comment": "faster"})


def _add_jupyter_sacred_runs(store: Path) -> None:
    """Add run 3 (nested config change, returns None) and run 4 (FAILED), stored by jupyter_sacred."""
    from jupyter_sacred import Experiment
    from jupyter_sacred.observers import FileObserver

    ex = Experiment("nested_demo")
    ex.observers.append(FileObserver(str(store)))
    ex.add_config(model={"depth": 4, "act": "relu"}, fail=False)

    @ex.main
    def main(_run, model, fail):
        _run.info["owner"] = "browser test"
        _run.info["notebook"] = {"cells": [{"md5": "0" * 32}]}
        for step in range(10):
            _run.log_scalar("loss", 1 / (step + 1), step)
        if fail:
            raise ValueError("failed on purpose")

    ex.run(config_updates={"model": {"depth": 8}}, options={"--capture": "sys"})
    with pytest.raises(ValueError):
        ex.run(config_updates={"fail": True}, options={"--capture": "sys"})


def _write_link_notebook(path: Path, store: Path) -> None:
    """Write a notebook whose saved output is the run output of an %%experiment cell."""
    output = {
        "output_type": "display_data",
        "metadata": {},
        "data": {RUN_MIME_TYPE: {"store": str(store), "run_id": "1"}, "text/plain": ["Run 1"]},
    }
    cell = {"cell_type": "code", "execution_count": 1, "id": "run-cell", "metadata": {},
            "source": ["%%experiment\n"], "outputs": [output]}
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"cells": [cell], "metadata": {"kernelspec": kernelspec}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook))


def _execute_quickstart(folder: Path) -> Path | None:
    """Execute the quickstart notebook in ``folder`` so that its run lands in ``folder/runs``."""
    source = Path(__file__).resolve().parent.parent / "notebooks" / "quickstart.ipynb"
    if not source.is_file():
        return None
    import nbclient
    import nbformat

    folder.mkdir()
    notebook = nbformat.read(source, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}})
    client.execute()
    target = folder / "quickstart.ipynb"
    nbformat.write(notebook, target)
    return target


def _prepare_jupyter_dirs(tmp_path: Path, extension: Path) -> dict[str, str]:
    config_dir = tmp_path / "config"
    data_dir = tmp_path / "data"
    runtime_dir = tmp_path / "runtime"
    (config_dir / "labconfig").mkdir(parents=True)
    (data_dir / "labextensions").mkdir(parents=True)
    runtime_dir.mkdir()

    (data_dir / "labextensions" / "jupyter-sacred").symlink_to(extension)
    (config_dir / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    # An installed wheel enables "jupyter_sacred" already; enabling the same module twice adds its routes twice.
    module = "jupyter_sacred" if hasattr(jupyter_sacred, "_jupyter_server_extension_points") else "jupyter_sacred.server"
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {module: True}}}))

    env = dict(os.environ)
    # In a virtual environment Jupyter prefers its data folder, where an older copy of the
    # extension may be installed; the build found above must win.
    env.update(JUPYTER_CONFIG_DIR=str(config_dir), JUPYTER_DATA_DIR=str(data_dir),
               JUPYTER_RUNTIME_DIR=str(runtime_dir), JUPYTER_PREFER_ENV_PATH="0")
    return env


@pytest.fixture
def lab_server(tmp_path):
    """Start JupyterLab on 127.0.0.1 with a Sacred-written store in its root; yield its URL and root."""
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is missing; install it with apt-get install chromium")
    extension = _built_extension()
    if extension is None:
        skip_or_fail("the lab extension is not built; run npm run build:prod in labextension/")

    root = tmp_path / "root"
    root.mkdir()
    _write_sacred_store(root / "runs")
    _add_jupyter_sacred_runs(root / "runs")
    # The run link comes from a real %%experiment output when the quickstart notebook exists.
    link_notebook = _execute_quickstart(root / "quickstart")
    if link_notebook is None:
        link_notebook = root / "link.ipynb"
        _write_link_notebook(link_notebook, root / "runs")
    env = _prepare_jupyter_dirs(tmp_path, extension)

    port = free_port()
    log = open(tmp_path / "lab.log", "wb")
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
               f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={TOKEN}",
               f"--ServerApp.root_dir={root}"]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(f"{url}/api/status?token={TOKEN}", process)
        yield url, link_notebook.relative_to(root).as_posix()
    finally:
        stop_server(process)
        log.close()


def test_lab_panel_opens_run(lab_server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, link_notebook = lab_server
    screenshot = tmp_path / "lab-run.png"

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 1400, "height": 900})
        try:
            page = context.new_page()
            page.goto(f"{url}/lab?token={TOKEN}")
            page.locator('.lm-TabBar-tab[data-id="jp-sacred-runs"]').click(timeout=60_000)

            rows = page.locator("#jp-sacred-runs tr[data-run-id]")
            rows.first.wait_for(timeout=30_000)
            assert rows.count() == 4
            assert page.locator('#jp-sacred-runs tr[data-run-id="2"]').get_attribute("title").count("faster") == 1
            # At the sidebar's default width the status column is whole inside the panel.
            panel_box = page.locator("#jp-sacred-runs").bounding_box()
            status_box = page.locator('#jp-sacred-runs tr[data-run-id="1"] .jp-SacredCol-status').bounding_box()
            page.screenshot(path=str(tmp_path / "lab-panel.png"))
            assert status_box["x"] + status_box["width"] <= panel_box["x"] + panel_box["width"]
            # A run that returned None and a FAILED run have no result to show.
            for run_id in ("3", "4"):
                result = page.locator(f'#jp-sacred-runs tr[data-run-id="{run_id}"] .jp-SacredCol-result')
                assert result.text_content() == ""
            assert "FAILED" in page.locator('#jp-sacred-runs tr[data-run-id="4"]').inner_text()

            page.locator('#jp-sacred-runs tr[data-run-id="1"]').click()
            view = page.locator(".jp-SacredRunView").first
            view.locator(".jp-SacredChart polyline").first.wait_for(timeout=30_000)
            captions = view.locator(".jp-SacredChart figcaption").all_inner_texts()
            output = view.locator(".jp-SacredOutput").inner_text()
            points = view.locator(".jp-SacredChart polyline").first.get_attribute("points")
            page.screenshot(path=str(screenshot))

            assert sorted(captions) == ["accuracy", "loss"]
            assert len(points.split()) == 60
            assert "finished 60 epochs" in output
            assert "browser_demo" in view.locator("h2").inner_text()

            # Two selected runs open a comparison with overlaid metrics and marked config differences.
            for run_id in ("1", "2"):
                page.locator(f'#jp-sacred-runs tr[data-run-id="{run_id}"] input[type=checkbox]').check()
            page.locator("#jp-sacred-runs button", has_text="Compare selected").click()
            comparison = page.locator(".jp-SacredCompareView:visible")
            comparison.locator(".jp-SacredChart-legend").first.wait_for(timeout=30_000)
            page.screenshot(path=str(tmp_path / "lab-compare.png"))
            assert comparison.locator(".jp-SacredChart").first.locator("polyline").count() == 2
            differing = comparison.locator('tr[data-mark="different"] td:first-child').all_inner_texts()
            assert "lr" in differing
            assert "epochs" not in differing

            # Only the changed entry of a nested config is marked; the user's info comes before "notebook".
            page.locator('#jp-sacred-runs tr[data-run-id="3"]').click()
            nested = page.locator(".jp-SacredRunView:visible")
            nested.locator(".jp-SacredConfig tr").first.wait_for(timeout=30_000)
            marks = dict(zip(nested.locator(".jp-SacredConfig tr td:first-child").all_inner_texts(),
                             [row.get_attribute("data-mark") for row in nested.locator(".jp-SacredConfig tr").all()]))
            page.screenshot(path=str(tmp_path / "lab-nested.png"))
            assert marks["model.depth"] == "modified"
            assert marks["model.act"] == ""
            assert "owner" in nested.locator(".jp-SacredInfo").inner_text()
            assert "notebook" not in nested.locator(".jp-SacredInfo").inner_text()
            assert nested.locator(".jp-SacredInfoNotebook").get_attribute("open") is None

            # Run 3 logged no "accuracy", so that chart lists only run 1.
            for run_id in ("1", "2"):
                page.locator(f'#jp-sacred-runs tr[data-run-id="{run_id}"] input[type=checkbox]').uncheck()
            for run_id in ("1", "3"):
                page.locator(f'#jp-sacred-runs tr[data-run-id="{run_id}"] input[type=checkbox]').check()
            page.locator("#jp-sacred-runs button", has_text="Compare selected").click()
            mixed = page.locator(".jp-SacredCompareView:visible")
            mixed.locator(".jp-SacredChart-legend").first.wait_for(timeout=30_000)
            charts = {chart.locator("figcaption").inner_text(): chart.locator(".jp-SacredChart-legend span").all_inner_texts()
                      for chart in mixed.locator(".jp-SacredChart").all()}
            assert [label.split()[0] for label in charts["accuracy"]] == ["#1"]
            assert [label.split()[0] for label in charts["loss"]] == ["#1", "#3"]

            # The run output of an %%experiment cell opens its run from the notebook.
            page.goto(f"{url}/lab/tree/{link_notebook}?token={TOKEN}")
            link = page.locator(".jp-SacredRunLink-button").first
            link.scroll_into_view_if_needed(timeout=60_000)
            page.screenshot(path=str(tmp_path / "lab-notebook.png"))
            link.click()
            opened = page.locator(".jp-SacredRunView:visible")
            opened.locator(".jp-SacredChart polyline").first.wait_for(timeout=30_000)
            page.screenshot(path=str(tmp_path / "lab-link.png"))
            assert "#1" in opened.locator("h2").inner_text()
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))
            raise
        finally:
            context.close()

    assert screenshot.stat().st_size > 10_000
