"""Notebook runs in real kernels driven by nbclient: output capture, failure, interrupt, re-execution, shutdown."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time

import nbformat
import pytest
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="the cells print through libc and echo and use SIGINT"),
]

SETUP = '''
import ctypes, logging, subprocess, sys, threading, time, warnings
from tqdm import tqdm
%load_ext jupyter_sacred
libc = ctypes.CDLL(None)
warnings.simplefilter("always")
log = logging.getLogger("kernel-demo")
log.addHandler(logging.StreamHandler(sys.stderr))
log.propagate = False
log.setLevel(logging.INFO)
'''
CONFIG = "%%config\nlr = 0.1\n"
PRINTING = '''%%experiment shout --no-widget
print("from print")
print("from stderr", file=sys.stderr)
log.info("from logging")
warnings.warn("from warnings")
libc.printf(b"from C\\n")
libc.fflush(None)
subprocess.run(["echo", "from a subprocess"], check=True)
for _ in tqdm(range(3), desc="bar", bar_format="{desc}: {n_fmt}/{total_fmt}", mininterval=0, file=sys.stderr):
    pass
lr
'''
FAILING = '%%experiment --no-widget\nraise ValueError("boom")\n'
SLEEPING = '%%experiment --no-widget -b 0.1\nprint("sleeping", flush=True)\ntime.sleep(60)\n'
PRINTED = ["from print", "from stderr", "from logging", "from warnings", "from C", "from a subprocess"]


class CellIdClient(NotebookClient):
    """NotebookClient that sends each cell's id in the request metadata, as JupyterLab does."""

    current_cell_id: str | None = None

    def _send_cell_ids(self) -> None:
        kc = self.kc
        if getattr(kc, "sends_cell_ids", False):
            return

        def execute(code, silent=False, store_history=True, user_expressions=None, allow_stdin=None,
                    stop_on_error=True):
            content = {"code": code, "silent": silent, "store_history": store_history,
                       "user_expressions": user_expressions or {}, "allow_stdin": False,
                       "stop_on_error": stop_on_error}
            msg = kc.session.msg("execute_request", content, metadata={"cellId": self.current_cell_id})
            kc.shell_channel.send(msg)
            return msg["header"]["msg_id"]

        kc.execute = execute
        kc.sends_cell_ids = True

    def run(self, index: int):
        """Execute cell ``index`` of the notebook, sending its id; return the cell with its outputs."""
        self._send_cell_ids()
        cell = self.nb.cells[index]
        self.current_cell_id = cell.id
        return self.execute_cell(cell, index)


def kernel_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "PYTEST_CURRENT_TEST"}
    # ipykernel shows descriptor output in the notebook only outside pytest,
    # which it recognises by PYTEST_CURRENT_TEST.
    env.update(extra)
    return env


def read_run(folder, run_id, name="run.json"):
    with open(os.path.join(folder, "runs", str(run_id), name), encoding="utf-8") as handle:
        return json.load(handle) if name.endswith(".json") else handle.read()


def wait_for_status(folder, run_id, status: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if read_run(folder, run_id)["status"] == status:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not reach {status} in {timeout} s")


def stream_text(cell) -> str:
    return "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """Execute a notebook out of order in one kernel; return (folder, cells' outputs per execution)."""
    folder = tmp_path_factory.mktemp("kernel")
    path = folder / "analysis.ipynb"
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in (SETUP, CONFIG, PRINTING, FAILING, SLEEPING)])
    nbformat.write(notebook, str(path))
    client = CellIdClient(nbformat.read(str(path), as_version=4), timeout=120, kernel_name="python3",
                          allow_errors=True, resources={"metadata": {"path": str(folder)}})
    outputs = []
    with client.setup_kernel(env=kernel_env(JPY_SESSION_NAME=str(path))):
        for index in (0, 1, 2, 3):
            outputs.append(client.run(index).outputs)

        def interrupt():
            # A heartbeat brings the captured output to cout.txt while the cell sleeps.
            cout = folder / "runs" / "3" / "cout.txt"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not (cout.exists() and "sleeping" in cout.read_text()):
                time.sleep(0.05)
            # nbclient's kernel manager is asynchronous; this thread has no event loop of its own.
            asyncio.run(client.km.interrupt_kernel())

        interrupter = threading.Thread(target=interrupt)
        interrupter.start()
        outputs.append(client.run(4).outputs)
        interrupter.join()

        outputs.append(client.run(1).outputs)  # the config cell again, after a later cell
        saved = nbformat.read(str(path), as_version=4)
        saved.cells[0].source += "\nedited_after_running = True\n"  # edited and saved, not re-run
        nbformat.write(saved, str(path))
        outputs.append(client.run(2).outputs)

        client.nb.cells[1].source = "%%config\nlr = 0.3\nbatch = 8\n"  # edited in the frontend
        outputs.append(client.run(1).outputs)
        client.nb.cells.append(nbformat.v4.new_code_cell("%print_config"))
        outputs.append(client.run(5).outputs)
    return folder, outputs


def test_kernel_output_captured(session):
    folder, _ = session
    cout = read_run(folder, 1, "cout.txt")
    for text in PRINTED:
        assert cout.count(text + "\n") == 1, (text, cout)


def test_kernel_progress_bar_cleaned(session):
    folder, _ = session
    cout = read_run(folder, 1, "cout.txt")
    assert "bar: 3/3" in cout.splitlines()
    assert "\r" not in cout


def test_kernel_notebook_shows_output(session):
    _, outputs = session
    shown = "".join(output.get("text", "") for output in outputs[2] if output.output_type == "stream")
    for text in PRINTED:
        assert text in shown, text
    assert read_result(outputs[2]) == "0.1"


def read_result(outputs) -> str | None:
    for output in outputs:
        if output.output_type == "execute_result":
            return output.data["text/plain"]
    return None


def test_kernel_failure_recorded(session):
    folder, outputs = session
    run = read_run(folder, 2)
    assert run["status"] == "FAILED"
    assert run["fail_trace"][-1] == "ValueError: boom\n"
    errors = [output for output in outputs[3] if output.output_type == "error"]
    assert [error.ename for error in errors] == ["ValueError"]
    assert any("boom" in line for line in errors[0].traceback)


def test_kernel_interrupt_recorded(session):
    folder, outputs = session
    run = read_run(folder, 3)
    assert run["status"] == "INTERRUPTED"
    assert run["stop_time"] is not None
    assert [output.ename for output in outputs[4] if output.output_type == "error"] == ["KeyboardInterrupt"]
    assert read_run(folder, 3, "cout.txt").startswith("sleeping\n")


def test_kernel_session_name_finds_notebook(session):
    folder, _ = session
    info = read_run(folder, 1, "info.json")["notebook"]
    assert info["path"] == str(folder / "analysis.ipynb")
    assert info["found_by"] == "JPY_SESSION_NAME"
    assert info["warnings"] == []
    names = [name for name, _ in read_run(folder, 1)["experiment"]["sources"]]
    assert os.path.join(".jupyter_sacred", "analysis.ipynb") in names
    assert os.path.join(".jupyter_sacred", "analysis.cells.py") in names


def test_kernel_cell_ids_recorded(session):
    folder, _ = session
    notebook = nbformat.read(str(folder / "analysis.ipynb"), as_version=4)
    ids = [cell.id for cell in notebook.cells]
    executed = read_run(folder, 4, "info.json")["notebook"]["cells"]
    assert [entry["cell_id"] for entry in executed] == [ids[index] for index in (0, 1, 2, 3, 4, 1, 2)]
    assert [entry["execution_count"] for entry in executed] == list(range(1, 8))


def test_kernel_reexecution_warnings(session):
    folder, _ = session
    warnings = read_run(folder, 4, "info.json")["notebook"]["warnings"]
    assert len(warnings) == 2
    assert warnings[0].startswith("cells executed out of order")
    assert "In[6] after In[5]" in warnings[0]
    assert warnings[1].startswith("code differs from the saved notebook")
    assert "In[1] differs from the saved cells" in warnings[1]


def test_kernel_previous_run_named(session):
    folder, _ = session
    assert read_run(folder, 4)["meta"]["notebook"]["previous_run"] == "1"
    assert read_run(folder, 1)["meta"]["notebook"]["previous_run"] is None
    assert read_run(folder, 4, "config.json")["lr"] == 0.1


def test_kernel_notebook_stored_stripped(session):
    folder, _ = session
    run = read_run(folder, 4)
    stored = dict(run["experiment"]["sources"])[os.path.join(".jupyter_sacred", "analysis.ipynb")]
    copy = nbformat.read(str(folder / "runs" / stored), as_version=4)
    assert "edited_after_running = True" in copy.cells[0].source
    assert all(cell.outputs == [] for cell in copy.cells)
    first = dict(read_run(folder, 1)["experiment"]["sources"])[os.path.join(".jupyter_sacred", "analysis.ipynb")]
    assert first == dict(read_run(folder, 2)["experiment"]["sources"])[os.path.join(".jupyter_sacred", "analysis.ipynb")]
    assert first != stored


def test_kernel_shutdown_interrupts_background_run(tmp_path):
    start = SETUP + (
        'threading.Thread(target=get_ipython().run_cell_magic, daemon=True,\n'
        '                 args=("experiment", "background --no-widget", "time.sleep(60)")).start()\n'
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(start)])
    client = NotebookClient(notebook, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel(env=kernel_env()):
        client.execute_cell(notebook.cells[0], 0)
        wait_for_status(tmp_path, 1, "RUNNING")
        run_sync(client.km.shutdown_kernel)(now=False)

    run = read_run(tmp_path, 1)
    assert run["status"] == "INTERRUPTED"
    assert run["stop_time"] is not None


def test_kernel_edited_config_replaces(session):
    _, outputs = session
    printed = "".join(output.get("text", "") for output in outputs[8] if output.output_type == "stream")
    assert "lr = 0.3" in printed
    assert "batch = 8" in printed
    assert "lr = 0.1" not in printed


def test_kernel_restart_interrupts_busy_run(tmp_path):
    # jupyter_client 8 interrupts a kernel before asking it to shut down, so
    # the run in the busy cell ends through the ordinary interrupt path.
    busy = '%%experiment --no-widget -b 0.1\nimport time\nprint("busy", flush=True)\ntime.sleep(60)\n'
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%load_ext jupyter_sacred"),
                                               nbformat.v4.new_code_cell(busy)])
    client = NotebookClient(notebook, timeout=60, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}})
    cout = tmp_path / "runs" / "1" / "cout.txt"

    def restart():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (cout.exists() and "busy" in cout.read_text()):
            time.sleep(0.05)
        # The first half of a restart: the shutdown request a restart sends, and the wait for the kernel to stop.
        asyncio.run(client.km.shutdown_kernel(now=False, restart=True))

    with client.setup_kernel(env=kernel_env()):
        client.execute_cell(notebook.cells[0], 0)
        restarter = threading.Thread(target=restart)
        restarter.start()
        with pytest.raises(DeadKernelError):
            client.execute_cell(notebook.cells[1], 1)
        restarter.join()

    run = read_run(tmp_path, 1)
    assert run["status"] == "INTERRUPTED"
    assert read_run(tmp_path, 1, "cout.txt") == "busy\n"
