"""Run snapshots: the fields a run display shows, copied from a live ``Run`` or a stored run record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from typing import Any, Mapping

from jupyter_sacred import _storage

OUTPUT_TAIL_LINES = 20


@dataclasses.dataclass
class RunSnapshot:
    """The fields of a run that its display shows, copied at one moment."""

    run_id: Any
    status: str
    experiment: str = ""
    store: str | None = None
    start_time: dt.datetime | None = None
    stop_time: dt.datetime | None = None
    heartbeat: dt.datetime | None = None
    info: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    result: Any = None
    captured_out: str = ""
    config: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    added: frozenset[str] = frozenset()
    modified: frozenset[str] = frozenset()
    typechanged: Mapping[str, tuple[Any, Any]] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)
    fail_trace: list[str] = dataclasses.field(default_factory=list)

    def elapsed(self, now: dt.datetime | None = None) -> float | None:
        """Return the seconds from start to stop, or to ``now`` (naive UTC) while running."""
        if self.start_time is None:
            return None
        end = self.stop_time or now or _storage.utcnow()
        return max((end - self.start_time).total_seconds(), 0.0)

    def output_tail(self, lines: int = OUTPUT_TAIL_LINES) -> str:
        """Return the last ``lines`` lines of the captured output."""
        text = self.captured_out or ""
        return "\n".join(text.rstrip("\n").split("\n")[-lines:]) if text else ""


def store_of(run: Any) -> str | None:
    """Return where ``run`` is stored: the first file observer's folder, else a Mongo target."""
    observers = getattr(getattr(run, "observers", None), "observers", None) or []
    for observer in observers:
        basedir = getattr(observer, "basedir", None)
        if basedir:
            return os.path.abspath(basedir)
    for observer in observers:
        target = getattr(observer, "_target", None) or getattr(observer, "url", None)
        if target:
            return str(target)
    return None


def snapshot_of_run(run: Any) -> RunSnapshot:
    """Copy what the display shows from a live or finished ``Run``."""
    modifications = run.config_modifications
    info = dict(run.info) if isinstance(run.info, Mapping) else {}
    return RunSnapshot(
        run_id=run._id,
        # Between its creation and its start a run has no Sacred status yet.
        status="STARTING" if str(run.status) == "NOT_STARTED" else str(run.status),
        experiment=str((run.experiment_info or {}).get("name", "")),
        store=store_of(run),
        start_time=run.start_time,
        stop_time=run.stop_time,
        heartbeat=run.beat_time,
        info=info,
        result=run.result,
        captured_out=run.captured_out or "",
        config=run.config or {},
        added=frozenset(getattr(modifications, "added", ())),
        modified=frozenset(getattr(modifications, "modified", ())),
        typechanged=dict(getattr(modifications, "typechanged", {}) or {}),
        warnings=provenance_warnings(info),
        fail_trace=list(run.fail_trace or []),
    )


def snapshot_of_record(record: Mapping[str, Any], store: Any = None) -> RunSnapshot:
    """Build a snapshot from a ``jupyter_sacred.records.read_run`` record.

    Runs stored by jupyter_sacred keep their config modifications in
    ``meta.config_modifications``; for other stores (Sacred's), the entries
    set by the run's config updates (``meta.config_updates``) are shown as modified.
    """
    meta = record.get("meta") or {}
    stored = meta.get("config_modifications") or {}
    info = record.get("info") or {}
    return RunSnapshot(
        run_id=record.get("id", record.get("_id")),
        status=str(record.get("status", "")),
        experiment=str((record.get("experiment") or {}).get("name", "")),
        store=os.path.abspath(os.fspath(store)) if isinstance(store, (str, os.PathLike))
        and not str(store).startswith("mongodb") else (str(store) if store is not None else None),
        start_time=record.get("start_time"),
        stop_time=record.get("stop_time"),
        heartbeat=record.get("heartbeat"),
        info=info,
        result=record.get("result"),
        captured_out=record.get("captured_out") or "",
        config=record.get("config") or {},
        added=frozenset(stored.get("added") or ()),
        modified=frozenset(stored.get("modified") or _dotted_keys(meta.get("config_updates") or {})),
        typechanged={path: tuple(types) for path, types in (stored.get("typechanged") or {}).items()},
        warnings=provenance_warnings(info),
        fail_trace=list(record.get("fail_trace") or []),
    )


def provenance_warnings(info: Mapping[str, Any]) -> list[str]:
    """Return the provenance warnings that notebook runs record under ``info["notebook"]["warnings"]``."""
    notebook = info.get("notebook") if isinstance(info, Mapping) else None
    warnings = notebook.get("warnings") if isinstance(notebook, Mapping) else None
    if not warnings:
        return []
    if isinstance(warnings, str):
        return [warnings]
    return [str(warning) for warning in warnings]


def _dotted_keys(updates: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for key, value in updates.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        keys.append(path)
        if isinstance(value, Mapping):
            keys.extend(_dotted_keys(value, path))
    return keys
