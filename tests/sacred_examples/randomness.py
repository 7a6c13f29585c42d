"""Seeds derived from the run's seed: ``_seed`` and ``_rnd`` in captured functions.

With a fixed seed (``python randomness.py with seed=123``) every value printed is
the same from run to run; changing ``count`` only adds values, and calls of one
function do not shift the values another function gets.
"""

from jupyter_sacred import Experiment

ex = Experiment("randomness", save_git_info=False)


@ex.config
def settings():
    count = 1  # how many numbers each call draws
    swap = False  # call the seed printer first


@ex.capture
def draw_numbers(count, _rnd):
    print([int(_rnd.integers(1, 101)) for _ in range(count)])


@ex.capture
def show_seed(_seed):
    print(_seed)


@ex.automain
def main(swap):
    calls = [draw_numbers, draw_numbers, show_seed]
    for call in reversed(calls) if swap else calls:
        call()
    draw_numbers()
