"""Ending runs that their own thread can no longer end: kernel shutdown, or an interrupt at a bad moment."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from jupyter_sacred import _storage
from jupyter_sacred.status import RunStatus

if TYPE_CHECKING:
    from jupyter_sacred.run import Run

logger = logging.getLogger(__name__)


def interrupt_run(run: "Run") -> bool:
    """End ``run`` with status INTERRUPTED if it is still RUNNING; return whether it was.

    The observers get one last heartbeat (captured output, info, metrics so
    far) and then ``interrupted_event``, as for a run interrupted in its own
    thread.
    """
    if run.status != RunStatus.RUNNING.value:
        return False
    run.status = RunStatus.INTERRUPTED.value
    run.stop_time = _storage.utcnow()
    logger.warning("run %s was still RUNNING when its kernel stopped or its cell ended; recording it as %s",
                   run._id, run.status)
    try:
        run._beat()
    except Exception:  # noqa: BLE001 - the terminal event matters more than the last beat
        logger.exception("last heartbeat of run %s failed", run._id)
    run.observers.final_call("interrupted_event", interrupt_time=run.stop_time, status=run.status)
    run.observers.join()
    run._notify(run.status)
    return True
