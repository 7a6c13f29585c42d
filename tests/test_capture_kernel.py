"""Capture mode "kernel" in a real ipykernel driven by nbclient."""

from __future__ import annotations

import json
import os
from collections import Counter

import nbformat
import pytest
from nbclient import NotebookClient

from jupyter_sacred.capture import apply_backspaces_and_linefeeds

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the notebook prints through libc and echo")

SETUP_CELL = '''
import ctypes, json, logging, os, subprocess, sys, warnings
from tqdm import tqdm
from jupyter_sacred.capture import capture_output

warnings.simplefilter("always")
libc = ctypes.CDLL(None)
log = logging.getLogger("capture-demo")
log.addHandler(logging.StreamHandler(sys.stderr))  # bound to the kernel's stderr before any run
log.propagate = False
log.setLevel(logging.INFO)

def emit(tag):
    print(f"{tag} print")
    print(f"{tag} stderr", file=sys.stderr)
    log.info("%s logging", tag)
    warnings.warn(f"{tag} warning")
    os.write(1, f"{tag} fd 1\\n".encode())
    os.write(2, f"{tag} fd 2\\n".encode())
    libc.printf(f"{tag} printf\\n".encode())
    libc.fflush(None)
    subprocess.run(["echo", f"{tag} echo"], check=True)
    for _ in tqdm(range(3), desc=f"{tag} bar", bar_format="{desc}: {n_fmt}/{total_fmt}",
                  mininterval=0, file=sys.stderr):
        pass
'''

TRACKED_CELL = '''
with capture_output("kernel") as capture:
    emit("tracked")
captured = capture.read()
'''

INTERRUPTED_CELL = '''
try:
    with capture_output("kernel") as capture:
        print("interrupted print")
        libc.printf(b"interrupted printf, still in the C buffer\\n")
        raise KeyboardInterrupt
except KeyboardInterrupt:
    pass
interrupted = capture.read()
print("RESULT=" + json.dumps(interrupted))
'''

PYTHON_KINDS = ["print", "stderr", "logging", "warning"]
FD_KINDS = ["fd 1", "fd 2", "printf", "echo"]


def execute_notebook(extra_arguments: list[str]) -> list:
    cells = [
        SETUP_CELL,
        'emit("plain")',
        TRACKED_CELL,
        'print("RESULT=" + json.dumps(captured))',
        INTERRUPTED_CELL,
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    client = NotebookClient(
        notebook, timeout=60, kernel_name="python3", extra_arguments=extra_arguments
    )
    client.execute()
    return notebook.cells


def shown_lines(cell, tag: str) -> Counter:
    """Return the stream lines a cell shows, per stream, with ``tag`` replaced by "TAG"."""
    lines: Counter = Counter()
    for output in cell.outputs:
        assert output.output_type == "stream", output
        for line in output.text.replace(tag, "TAG").splitlines():
            lines[(output.name, line)] += 1
    return lines


def captured_text(cells, index: int = 3) -> str:
    """Return the captured text that cell ``index`` printed after "RESULT="."""
    text = "".join(output.text for output in cells[index].outputs if output.output_type == "stream")
    line = next(line for line in text.splitlines() if line.startswith("RESULT="))
    return json.loads(line.removeprefix("RESULT="))


@pytest.fixture(scope="module")
def watched_cells():
    # ipykernel forwards fd 1 and 2 into the notebook (capture_fd_output) only
    # outside pytest, which it recognises by this variable.
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PYTEST_CURRENT_TEST", raising=False)
        return execute_notebook([])


@pytest.fixture(scope="module")
def unwatched_cells():
    return execute_notebook(["--IPKernelApp.capture_fd_output=False"])


@pytest.mark.parametrize("kind", PYTHON_KINDS + FD_KINDS)
def test_kernel_captures_once(watched_cells, kind):
    captured = captured_text(watched_cells)
    assert captured.count(f"tracked {kind}\n") == 1, captured


def test_kernel_captures_nothing_else(watched_cells):
    captured = captured_text(watched_cells)
    assert "plain" not in captured


def test_kernel_captures_tqdm_bar(watched_cells):
    rendered = apply_backspaces_and_linefeeds(captured_text(watched_cells))
    assert "tracked bar: 3/3" in rendered.splitlines()


def test_kernel_notebook_output_unchanged(watched_cells):
    plain = shown_lines(watched_cells[1], "plain")
    tracked = shown_lines(watched_cells[2], "tracked")
    assert tracked == plain
    for kind in PYTHON_KINDS + FD_KINDS:
        assert any(line.endswith(f"TAG {kind}") for _, line in tracked), kind


def test_kernel_keeps_tail_of_interrupted_run(watched_cells):
    captured = captured_text(watched_cells, 4)
    assert captured == "interrupted print\ninterrupted printf, still in the C buffer\n"


@pytest.mark.parametrize("kind", PYTHON_KINDS + FD_KINDS)
def test_kernel_without_fd_forwarding(unwatched_cells, kind):
    captured = captured_text(unwatched_cells)
    assert captured.count(f"tracked {kind}\n") == 1, captured


def test_kernel_without_fd_forwarding_output(unwatched_cells):
    plain = shown_lines(unwatched_cells[1], "plain")
    tracked = shown_lines(unwatched_cells[2], "tracked")
    assert tracked == plain
    # The kernel does not show descriptor output in the notebook here, and
    # capturing it must not make it appear there.
    assert not any("TAG printf" in line for _, line in tracked)
