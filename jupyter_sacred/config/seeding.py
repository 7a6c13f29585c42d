"""Seeding of random number generators from the run's seed."""

from __future__ import annotations

import random
import sys
from typing import Any

from .errors import ConfigSeedError

SEED_RANGE = (1, 10**9)


def set_global_seeds(seed: int) -> None:
    """Seed `random` and numpy's global generator with `seed`.

    TensorFlow and PyTorch are seeded too, but only if they are already
    imported, so that seeding never pays for importing them.
    """
    random.seed(seed)

    import numpy

    numpy.random.seed(seed)

    tensorflow = sys.modules.get("tensorflow")
    if tensorflow is not None:
        _seed_tensorflow(tensorflow, seed)

    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(seed)


def _seed_tensorflow(tensorflow: Any, seed: int) -> None:
    compat = getattr(tensorflow, "compat", None)
    v1 = getattr(compat, "v1", None)
    if v1 is not None and hasattr(v1, "set_random_seed"):
        v1.set_random_seed(seed)
    elif hasattr(tensorflow, "random") and hasattr(tensorflow.random, "set_seed"):
        tensorflow.random.set_seed(seed)


def create_rnd(seed: int) -> Any:
    """Return a numpy `Generator` seeded with `seed` (an int)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigSeedError(seed)
    import numpy

    return numpy.random.default_rng(seed)


def get_seed(rnd: Any = None) -> int:
    """Draw a new seed in [1, 10**9] from `rnd`, or from the global `random` if None."""
    if rnd is None:
        return random.randint(*SEED_RANGE)
    try:
        return int(rnd.integers(*SEED_RANGE, dtype=int))
    except AttributeError:
        return rnd.randint(*SEED_RANGE)
