"""A run that records most of what Sacred collects: config scopes, named configs,
metrics, info with numpy values, an artifact, a resource, output and a result.

Start it from the command line, e.g. ``python full_run.py -F runs with big seed=7``;
``mode=fail`` and ``mode=interrupt`` end the run with an error.
"""

import os
import random

import numpy as np

from jupyter_sacred import SETTINGS, Experiment

SETTINGS.HOST_INFO.CAPTURED_ENV.append("EXAMPLE_MARK")

ex = Experiment("full_run", save_git_info=False)
ex.add_config({"batch": 8, "opt": {"name": "sgd", "momentum": 0.9}})


@ex.config
def model():
    lr = 0.1  # learning rate
    layers = [32, 16]  # widths of the hidden layers
    mode = "ok"  # ok, fail or interrupt


@ex.config
def derived(lr, batch):
    scaled_lr = lr * batch  # the parameters are values of the earlier scopes


@ex.named_config
def big():
    """Wider layers"""
    layers = [128, 64]


ex.add_named_config("tiny", {"layers": [4]})


@ex.capture
def loss_at(step, lr, _seed):
    return lr / (step + 1), _seed


@ex.main
def train(mode, layers, _run):
    for step in range(3):
        loss, seed = loss_at(step)
        _run.log_scalar("loss", loss)
        print("step", step, "seed", seed)
    ex.log_scalar("acc", 0.5, 10)
    _run.log_scalar("acc", 0.75)
    _run.info["draws"] = [random.random(), np.random.rand()]
    _run.info["weights"] = np.arange(3.0)
    _run.info["best"] = np.float64(0.75)
    _run.info["shape"] = (2, 3)
    with open("weights.txt", "w") as handle:
        handle.write("layers %s\n" % layers)
    _run.add_artifact("weights.txt", name="model.txt", metadata={"epoch": 3})
    with ex.open_resource(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data.csv")) as handle:
        print("rows", len(handle.read().splitlines()))
    if mode == "fail":
        raise ValueError("the loss diverged")
    if mode == "interrupt":
        raise KeyboardInterrupt
    return {"acc": np.float64(0.75), "widths": tuple(layers)}


if __name__ == "__main__":
    ex.run_commandline()
