"""What produced a notebook run: the cells executed in the kernel so far."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell


def executed_cells(shell: "InteractiveShell") -> list[tuple[int, str]]:
    """Return (execution count, raw code) of every cell executed in this session, in order.

    The cell running now is included: IPython stores its code before executing it.
    """
    history = shell.history_manager.input_hist_raw
    return [(count, code) for count, code in enumerate(history) if count > 0 and code.strip()]


def cell_history_text(shell: "InteractiveShell") -> str:
    """Return the executed cells as one readable Python file with a header per cell."""
    parts = ["# Cells executed in this kernel, in execution order.\n"]
    for count, code in executed_cells(shell):
        digest = hashlib.md5(code.encode("utf-8")).hexdigest()
        parts.append(f"\n# In[{count}] md5={digest}\n{code.rstrip()}\n")
    return "".join(parts)
