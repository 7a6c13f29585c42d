"""Capture modes "no", "sys" and "fd", in this process and in child processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from jupyter_sacred.capture import capture_output, resolve_capture_mode
from jupyter_sacred.settings import SETTINGS

posix_only = pytest.mark.skipif(os.name != "posix", reason="fd capture needs POSIX")


def run_python(code: str, timeout: float = 30) -> subprocess.CompletedProcess:
    """Run ``code`` in a child Python with stdout and stderr as pipes."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def result_line(stdout: str) -> dict:
    """Return the JSON object the child printed after its ``RESULT=`` marker."""
    line = next(line for line in stdout.splitlines() if line.startswith("RESULT="))
    return json.loads(line[len("RESULT=") :])


def test_no_mode_captures_nothing(capsys):
    with capture_output("no") as capture:
        print("visible")
    assert capture.read() == ""
    assert capsys.readouterr().out == "visible\n"


def test_sys_mode_tees_both_streams(capsys):
    with capture_output("sys") as capture:
        print("to stdout")
        print("to stderr", file=sys.stderr)
        first = capture.read()
        print("after read")

    assert first == "to stdout\nto stderr\n"
    assert capture.read() == "after read\n"
    assert capture.read() == ""
    shown = capsys.readouterr()
    assert shown.out == "to stdout\nafter read\n"
    assert shown.err == "to stderr\n"


def test_sys_mode_restores_streams():
    stdout, stderr = sys.stdout, sys.stderr
    with pytest.raises(ZeroDivisionError):
        with capture_output("sys"):
            1 / 0
    assert sys.stdout is stdout
    assert sys.stderr is stderr


def test_sys_mode_keeps_output_of_failed_run():
    with pytest.raises(RuntimeError):
        with capture_output("sys") as capture:
            print("before failure")
            raise RuntimeError("boom")
    assert capture.read() == "before failure\n"


def test_sys_mode_in_child_process():
    completed = run_python(
        """
        import json, sys
        from jupyter_sacred.capture import capture_output
        with capture_output("sys") as capture:
            print("hello", "wörld")
            sys.stderr.write("warned\\n")
        print("RESULT=" + json.dumps(capture.read()))
        """
    )
    assert completed.returncode == 0, completed.stderr
    assert result_line(completed.stdout) == "hello wörld\nwarned\n"
    assert completed.stdout.startswith("hello wörld\n")
    assert completed.stderr == "warned\n"


@posix_only
def test_fd_mode_c_and_child_output():
    completed = run_python(
        """
        import ctypes, json, os, subprocess, sys
        from jupyter_sacred.capture import capture_output
        libc = ctypes.CDLL(None)
        with capture_output("fd") as capture:
            print("from print")
            libc.printf(b"from printf\\n")
            os.write(2, b"from fd 2\\n")
            subprocess.run(["echo", "from echo"], check=True)
            subprocess.run([sys.executable, "-c", "print('from child python')"], check=True)
            libc.printf(b"unflushed tail")
        captured = capture.read()
        print()
        print("RESULT=" + json.dumps(captured))
        """
    )
    assert completed.returncode == 0, completed.stderr
    captured = result_line(completed.stdout)
    for text in ["from print\n", "from printf\n", "from fd 2\n", "from echo\n", "from child python\n"]:
        assert captured.count(text) == 1, captured
    assert captured.endswith("unflushed tail")
    # The terminal still shows everything.
    assert "from printf\n" in completed.stdout
    assert "from echo\n" in completed.stdout
    assert "from fd 2\n" in completed.stderr


@posix_only
def test_fd_mode_keeps_tail_of_failed_run():
    completed = run_python(
        """
        import ctypes, json
        from jupyter_sacred.capture import capture_output
        libc = ctypes.CDLL(None)
        try:
            with capture_output("fd") as capture:
                print("python line")
                libc.printf(b"last C line before the error\\n")
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            pass
        print("RESULT=" + json.dumps(capture.read()))
        """
    )
    assert completed.returncode == 0, completed.stderr
    captured = result_line(completed.stdout)
    assert captured == "python line\nlast C line before the error\n"


@posix_only
def test_fd_mode_child_outliving_run():
    completed = run_python(
        """
        import json, subprocess, time
        from jupyter_sacred.capture import capture_output
        started = time.monotonic()
        with capture_output("fd") as capture:
            child = subprocess.Popen(["sh", "-c", "echo early; sleep 1; echo late"])
            time.sleep(0.3)
        exit_seconds = time.monotonic() - started
        captured = capture.read()
        print("RESULT=" + json.dumps({"captured": captured, "exit_seconds": exit_seconds,
                                      "child_returncode": child.wait()}), flush=True)
        """
    )
    assert completed.returncode == 0, completed.stderr
    result = result_line(completed.stdout)
    assert result["captured"] == "early\n"
    assert result["exit_seconds"] < 1.0
    # The child's later output still reaches the terminal, and the child
    # did not die of SIGPIPE.
    assert result["child_returncode"] == 0
    assert "late\n" in completed.stdout


@posix_only
def test_fd_mode_in_process(capfd):
    with capture_output("fd") as capture:
        os.write(1, "fd write é\n".encode())
        os.write(2, b"fd 2 write\n")
    # The two descriptors are read by separate threads, so only the order
    # within each descriptor is defined.
    assert sorted(capture.read().splitlines()) == ["fd 2 write", "fd write é"]
    shown = capfd.readouterr()
    assert shown.out == "fd write é\n"
    assert shown.err == "fd 2 write\n"


@posix_only
def test_fd_mode_split_utf8_character():
    encoded = "é".encode()
    with capture_output("fd") as capture:
        os.write(1, encoded[:1])
        os.write(1, encoded[1:] + b"\n")
        os.write(1, b"\xff invalid\n")
    assert capture.read() == "é\n\ufffd invalid\n"


@pytest.mark.parametrize("mode", ["sys", "fd"])
def test_concurrent_write_and_read(mode):
    if mode == "fd" and os.name != "posix":
        pytest.skip("fd capture needs POSIX")
    lines = [f"line {index}\n" for index in range(2000)]
    pieces = []

    with capture_output(mode) as capture:

        def write_lines() -> None:
            for index, line in enumerate(lines):
                if index % 50 == 0:
                    time.sleep(0.001)  # let the reading thread run in between
                if mode == "fd":
                    os.write(1, line.encode())
                else:
                    sys.stdout.write(line)

        writer = threading.Thread(target=write_lines)
        writer.start()
        while writer.is_alive():
            pieces.append(capture.read())
        writer.join()
    pieces.append(capture.read())

    assert "".join(pieces) == "".join(lines)
    assert sum(1 for piece in pieces if piece) > 1


@pytest.mark.parametrize(
    ("requested", "has_observers", "default", "expected"),
    [
        ("sys", False, None, "sys"),
        ("no", True, "fd", "no"),
        (None, False, "fd", "no"),
        (None, True, "sys", "sys"),
        (None, True, "auto", "sys" if sys.platform == "win32" else "fd"),
    ],
)
def test_resolve_mode_table(requested, has_observers, default, expected):
    assert resolve_capture_mode(requested, has_observers, default=default) == expected


def test_resolve_mode_reads_settings(monkeypatch):
    monkeypatch.setitem(SETTINGS, "CAPTURE_MODE", "sys")
    assert resolve_capture_mode(None, True) == "sys"
    assert resolve_capture_mode(None, False) == "no"


def test_invalid_mode_names_value():
    with pytest.raises(ValueError, match="'tee'.*no, sys, fd, kernel"):
        capture_output("tee")
    with pytest.raises(ValueError, match="'tee'"):
        resolve_capture_mode("tee", True)


def test_kernel_mode_outside_kernel_fails():
    with pytest.raises(RuntimeError, match="ipykernel.*'fd' or 'sys'"):
        with capture_output("kernel"):
            pass
