"""An experiment in a git working copy: the run records its url, commit and dirty flag."""

from jupyter_sacred import Experiment

ex = Experiment("git_info")


@ex.automain
def main():
    print("repository recorded")
