"""Integer run ids that stay distinct when many processes start runs at once.

Sacred computes "largest ``_id`` + 1" and retries on a duplicate key, which
needs a numeric sort of ``_id``. nx-27017 0.8.1 sorts ``_id`` as text, so from
the 11th run on its "largest" id is 9 and Sacred retries forever. Here a
counter document in its own collection hands out ids with an atomic ``$inc``,
and the unique ``_id`` index of the runs collection stays the judge: an id
that is already taken (by Sacred's own observer, by ``--id``, or by a counter
that starts behind existing runs) raises the counter to the largest stored id
and the insert is tried again.
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

logger = logging.getLogger(__name__)

COUNTERS_COLLECTION = "jupyter_sacred_counters"
MAX_ATTEMPTS = 1000


class RunIdAllocationError(RuntimeError):
    def __init__(self, collection: str, attempts: int) -> None:
        super().__init__(
            f"could not allocate a run id in collection {collection!r} after {attempts} attempts; "
            f"check that the {COUNTERS_COLLECTION!r} collection is writable"
        )


def insert_with_new_id(runs, counters, document: dict[str, Any]) -> int:
    """Insert ``document`` into ``runs`` under the next free integer ``_id`` and return that id.

    ``document`` gets the ``_id`` key set to the id that was stored.
    """
    for _ in range(MAX_ATTEMPTS):
        run_id = _next_counter_value(counters, runs.name)
        document["_id"] = run_id
        try:
            runs.insert_one(document)
            return run_id
        except DuplicateKeyError:
            largest = max_numeric_id(runs)
            logger.debug("run id %s of %r is taken; raising the counter to %s", run_id, runs.name, largest)
            counters.update_one({"_id": runs.name}, {"$max": {"seq": largest}}, upsert=True)
    raise RunIdAllocationError(runs.name, MAX_ATTEMPTS)


def _next_counter_value(counters, name: str) -> int:
    counter = counters.find_one_and_update(
        {"_id": name}, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER
    )
    return int(counter["seq"])


def max_numeric_id(runs) -> int:
    """Return the largest integer ``_id`` in ``runs``, or 0 when there is none."""
    top = runs.find_one({"_id": {"$type": "number"}}, {"_id": 1}, sort=[("_id", -1)])
    if top is None:
        return 0
    largest = top["_id"]
    # nx-27017 0.8.1 sorts _id as text, so its "top" can be 9 while 10 exists.
    # A real MongoDB finds nothing larger and this costs one indexed query.
    if runs.find_one({"_id": {"$gt": largest}}, {"_id": 1}) is None:
        return int(largest)
    ids = (doc["_id"] for doc in runs.find({"_id": {"$type": "number"}}, {"_id": 1}))
    return int(max((value for value in ids if not isinstance(value, bool)), default=0))
