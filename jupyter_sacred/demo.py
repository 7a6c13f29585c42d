"""Execute a notebook headless in the working folder and report the runs it stored.

``python -m jupyter_sacred.demo notebooks/quickstart.ipynb`` is what ``make demo`` runs.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", help="path of the .ipynb file to execute")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per cell (default 600)")
    parser.add_argument("--store", default="runs", help="folder store the notebook writes to (default: runs)")
    parser.add_argument("--output", help="also save the executed notebook, with its outputs, to this path")
    args = parser.parse_args(argv)

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    with open(args.notebook, encoding="utf-8") as handle:
        notebook = nbformat.read(handle, as_version=4)
    before = _run_ids(args.store)
    # Jupyter Server tells its kernels which notebook they run through this
    # variable; setting it lets the runs store the notebook itself.
    os.environ["JPY_SESSION_NAME"] = os.path.abspath(args.notebook)
    client = NotebookClient(notebook, timeout=args.timeout, kernel_name="python3",
                            resources={"metadata": {"path": os.getcwd()}})
    failed = False
    try:
        client.execute()
    except CellExecutionError as error:
        print(f"{args.notebook} failed:\n{error}", file=sys.stderr)
        failed = True
    if args.output:
        nbformat.write(notebook, args.output)
    new_runs = sorted(_run_ids(args.store) - before, key=int)
    for run_id in new_runs:
        print(f"stored run {run_id} in {os.path.abspath(os.path.join(args.store, run_id))}")
    if not new_runs and not failed:
        print(f"{args.notebook} ran, but stored no run in {args.store}", file=sys.stderr)
    return 1 if failed or not new_runs else 0


def _run_ids(store: str) -> set[str]:
    if not os.path.isdir(store):
        return set()
    return {name for name in os.listdir(store) if name.isdigit()}


if __name__ == "__main__":
    sys.exit(main())
