"""Start N runs into one folder store from this process: ``many_runs.py STORE N TAG [BEAT]``.

Each run records its tag and index in the config and logs the metric
``tag`` with its index as value, so a reader can tell which process wrote
what. Waits for the file ``STORE.go`` first, so all processes start together.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    store, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    beat = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    from jupyter_sacred import Experiment
    from jupyter_sacred.observers.file import FileObserver

    ex = Experiment("race", observers=[FileObserver(store)], save_git_info=False)

    @ex.main
    def run_main(_run, tag, index):
        _run.log_scalar(f"from_{tag}", index)
        _run.info["writer"] = tag
        print(f"{tag} {index}")
        return f"{tag}:{index}"

    ex.add_config(tag=tag, index=-1)
    ex.create_run(main=lambda run: None, options={"--unobserved": True})  # fill the caches
    while not os.path.exists(store + ".go"):
        time.sleep(0.005)
    for index in range(count):
        ex.run(config_updates={"index": index}, options={"--beat-interval": beat, "--capture": "sys"})


if __name__ == "__main__":
    main()
