"""Run one experiment per odd value with Sacred 0.8.7 or with jupyter_sacred.

``odd_values.py ENGINE STORE OUT`` runs, for every case in ``cases()`` and
every place (config, info, result), one run whose place holds the value; it
writes to OUT a JSON list of ``{"case", "place", "run_id", "error"}``.
"""

from __future__ import annotations

import json
import sys

import numpy as np

DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128", "U3", "S3",
          "datetime64[s]", "timedelta64[ms]")


class Point:
    """A plain user object."""

    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y


def cases() -> dict:
    values = {f"array_{dtype}": np.arange(4).astype(dtype) for dtype in DTYPES}
    values.update({f"big_array_{dtype}": np.arange(40).astype(dtype) for dtype in ("int64", "float32")})
    values["array_2d_fortran"] = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    values.update({
        "numpy_scalars": {"i": np.int64(3), "f": np.float32(0.5), "b": np.bool_(True)},
        "set": {"s": {1, 2, 3}},
        "tuple": {"t": (1, "a")},
        "object": {"p": Point(1, 2)},
        "nan": {"x": float("nan")},
        "infinities": {"pos": float("inf"), "neg": float("-inf")},
        "int_keys": {"k": {1: "one", 2: "two"}},
        "tuple_keys": {"k": {(1, 2): "pair"}},
        "dotted_key": {"a.b": 1},
        "dollar_key": {"$where": 1},
        "bytes": {"b": b"\x00\xff"},
    })
    return values


def run_all(engine: str, store: str) -> list[dict]:
    if engine == "sacred":
        from sacred import Experiment
        from sacred.observers import FileStorageObserver as Observer
    else:
        from jupyter_sacred import Experiment
        from jupyter_sacred.observers import FileObserver as Observer
    outcomes = []
    for case, value in cases().items():
        for place in ("config", "info", "result"):
            ex = Experiment("odd", save_git_info=False)
            ex.observers.append(Observer(store))
            @ex.main
            def main(_run):
                if place == "info":
                    _run.info["value"] = value
                return value if place == "result" else None

            outcome = {"case": case, "place": place, "run_id": None, "error": None}
            try:
                if place == "config":
                    ex.add_config({"value": value})
                run = ex.run(options={"--capture": "no"})
                outcome["run_id"] = run._id
            except Exception as error:  # noqa: BLE001 - the outcome is what the test compares
                outcome["error"] = f"{type(error).__name__}: {error}"
            outcomes.append(outcome)
    return outcomes


if __name__ == "__main__":
    engine_name, store_path, out_path = sys.argv[1:4]
    with open(out_path, "w") as handle:
        json.dump(run_all(engine_name, store_path), handle)
