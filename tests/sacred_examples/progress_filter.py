"""A progress line redrawn with carriage returns and backspaces, kept as its final text.

``captured_out_filter`` turns what the terminal shows into what is stored.
"""

import sys

from jupyter_sacred import Experiment
from jupyter_sacred.utils import apply_backspaces_and_linefeeds

ex = Experiment("progress", save_git_info=False)
ex.captured_out_filter = apply_backspaces_and_linefeeds


@ex.config
def settings():
    tasks = 20


@ex.main
def main(tasks):
    for done in range(1, tasks + 1):
        sys.stdout.write("\b" * 40 + "\r" + "finished %d of %d" % (done, tasks))
        sys.stdout.flush()
    sys.stdout.write("\n")
    print("typo\b\b\bpo fixed")


if __name__ == "__main__":
    run = ex.run_commandline()
    print("stored:", repr(run.captured_out))
