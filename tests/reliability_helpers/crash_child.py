"""A process that forks experiment runs on request, for the SIGKILL tests.

Importing the package takes longer than a whole run, so this process imports
it once and forks one child per run. Protocol on stdin/stdout, one line each:

- ``run STORE MARKER SEED``: fork a child that runs the experiment into the
  folder store STORE and appends progress lines to MARKER; answer its pid
  once the run is built and about to start.
- ``wait PID``: reap the child; answer its wait status.
- ``quit``: exit.

The child logs a fixed sequence (``expected_value``), so a reader can check
that what a store holds is a prefix of it. MARKER lines: ``started ID``,
``flushed NAME COUNT ...`` after each heartbeat has reached the observer,
``artifact NAME SIZE`` after an artifact is stored, ``completed``.
"""

from __future__ import annotations

import os
import sys
import time

METRIC_NAMES = ("loss", "accuracy", "lr")
STEPS = 300
ARTIFACT_EVERY = 75
ARTIFACT_BYTES = 256 * 1024
BEAT_INTERVAL = 0.01


def expected_value(name: str, step: int) -> float:
    """The value the child logs for metric ``name`` at ``step``."""
    return {"loss": 1.0 / (step + 1), "accuracy": step * 0.25, "lr": 0.1 * (step % 7)}[name]


def _append(marker: str, line: str) -> None:
    fd = os.open(marker, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def run_child(store: str, marker: str, seed: int, ready: int) -> None:
    """Build the run, tell the parent through the pipe ``ready``, then execute it."""
    from jupyter_sacred import Experiment
    from jupyter_sacred.observers.file import FileObserver

    ex = Experiment("crash", observers=[FileObserver(store)], save_git_info=False)
    ex.add_config(seed=seed, steps=STEPS)
    drained = {name: 0 for name in METRIC_NAMES}
    payload = os.path.join(os.path.dirname(marker), f"payload-{seed}.bin")
    with open(payload, "wb") as handle:
        handle.write(os.urandom(ARTIFACT_BYTES))

    def count(name, steps, values):
        drained[name] += len(steps)

    def on_event(run, event):
        if event == "started":
            _append(marker, f"started {run._id}")
        elif event == "heartbeat":
            _append(marker, "flushed " + " ".join(f"{name} {drained[name]}" for name in METRIC_NAMES))
        elif event == "COMPLETED":
            _append(marker, "completed")

    @ex.main
    def main(_run):
        _run.metrics.add_listener(count)
        for step in range(STEPS):
            for name in METRIC_NAMES:
                _run.log_scalar(name, expected_value(name, step), step)
            _run.info["step"] = step
            if step % 20 == 0:
                print(f"step {step}")
            if step % ARTIFACT_EVERY == 0:
                name = f"model_{step}.bin"
                _run.add_artifact(payload, name)
                _append(marker, f"artifact {name} {ARTIFACT_BYTES}")
            time.sleep(0.0003)
        return STEPS

    run = ex.create_run(options={"--beat-interval": BEAT_INTERVAL, "--capture": "sys"})
    run.add_listener(on_event)
    os.write(ready, b"1")
    os.close(ready)
    run()


def serve() -> None:
    import jupyter_sacred.observers.file  # noqa: F401  (import once, before forking)
    import jupyter_sacred.capture  # noqa: F401
    import jupyter_sacred.collect  # noqa: F401
    import jupyter_sacred.config  # noqa: F401
    from jupyter_sacred.collect.experiment_info import warm_up_caches

    warm_up_caches(background=False)

    for line in sys.stdin:
        command, *args = line.split()
        if command == "run":
            store, marker, seed = args
            ready_read, ready_write = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(ready_read)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                code = 0
                try:
                    run_child(store, marker, int(seed), ready_write)
                except BaseException:
                    code = 1
                os._exit(code)
            os.close(ready_write)
            os.read(ready_read, 1)  # the run is built (or the child died): start the clock
            os.close(ready_read)
            print(pid, flush=True)
        elif command == "wait":
            _, status = os.waitpid(int(args[0]), 0)
            print(status, flush=True)
        elif command == "quit":
            return


if __name__ == "__main__":
    serve()
