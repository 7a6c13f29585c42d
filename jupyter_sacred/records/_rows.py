"""Turn run documents into rows and frames."""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

# Columns every runs frame has, in this order; flattened result.* and config.*
# columns follow.
BASE_COLUMNS = [
    "id",
    "experiment",
    "command",
    "status",
    "start_time",
    "stop_time",
    "duration",
    "heartbeat",
    "result",
    "comment",
    "hostname",
    "git_commit",
    "git_dirty",
]
TIME_COLUMNS = ["start_time", "stop_time", "heartbeat"]


def flatten_dict(value: dict, prefix: str, out: dict) -> dict:
    """Add ``value``'s leaves to ``out`` under dotted keys starting with ``prefix``.

    An empty dict stays one cell; ``__doc__`` entries of config scopes are left out.
    """
    for key, item in value.items():
        if key == "__doc__":
            continue
        name = f"{prefix}.{key}"
        if isinstance(item, dict) and item:
            flatten_dict(item, name, out)
        else:
            out[name] = item
    return out


def git_state(experiment: dict) -> tuple[str | None, bool | None]:
    """Return the commit of the first repository and whether any is dirty."""
    repositories = [repo for repo in experiment.get("repositories") or [] if isinstance(repo, dict)]
    if not repositories:
        return None, None
    return repositories[0].get("commit"), any(bool(repo.get("dirty")) for repo in repositories)


def comment(meta: dict) -> str | None:
    options = meta.get("options") or {}
    return meta.get("comment") or options.get("--comment")


def make_row(doc: dict, status: str) -> dict:
    """Build one row of the runs frame from a decoded run document."""
    experiment = doc.get("experiment") or {}
    meta = doc.get("meta") or {}
    commit, dirty = git_state(experiment)
    row: dict[str, Any] = {
        "id": doc.get("_id"),
        "experiment": experiment.get("name"),
        "command": doc.get("command"),
        "status": status,
        "start_time": doc.get("start_time"),
        "stop_time": doc.get("stop_time"),
        "heartbeat": doc.get("heartbeat"),
        "comment": comment(meta),
        "hostname": (doc.get("host") or {}).get("hostname"),
        "git_commit": commit,
        "git_dirty": dirty,
    }
    result = doc.get("result")
    if isinstance(result, dict) and result:
        flatten_dict(result, "result", row)
    else:
        row["result"] = result
    config = doc.get("config")
    if isinstance(config, dict):
        flatten_dict(config, "config", row)
    return row


def runs_frame(rows: Iterable[dict]) -> pd.DataFrame:
    """Build the runs frame: base columns, then result.* and config.* sorted."""
    rows = sorted(rows, key=_id_sort_key)
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    extra = sorted(key for key in seen if key not in BASE_COLUMNS)
    extra.sort(key=lambda key: 0 if key.startswith("result.") else 1)
    columns = BASE_COLUMNS + extra
    frame = pd.DataFrame.from_records(rows, columns=columns)
    for column in TIME_COLUMNS:
        frame[column] = pd.to_datetime(frame[column])
    frame["duration"] = frame["stop_time"] - frame["start_time"]
    return frame


def _id_sort_key(row: dict) -> tuple:
    run_id = row.get("id")
    if isinstance(run_id, int):
        return (0, run_id, "")
    return (1, 0, str(run_id))
