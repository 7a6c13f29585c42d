"""File names, time format and atomic writes shared by the writers and readers of stores.

The read side imports this module but never the run engine, so everything a
reader needs to know about the on-disk format lives here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from typing import Any, Iterable, Iterator

RUN_JSON = "run.json"
CONFIG_JSON = "config.json"
COUT_TXT = "cout.txt"
INFO_JSON = "info.json"
METRICS_JSON = "metrics.json"
# Append-only journal of metric points, one JSON object per line. Sacred's
# readers ignore it; ours merge it with metrics.json (see merge_metrics).
METRICS_JOURNAL = ".metrics.jsonl"
SOURCES_DIR = "_sources"
RESOURCES_DIR = "_resources"

# Files the run itself writes into its folder; an artifact may not take these names.
RECORD_FILES = frozenset({RUN_JSON, CONFIG_JSON, COUT_TXT, INFO_JSON, METRICS_JSON, METRICS_JOURNAL})

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by the owner only; stored files get the
# permissions a plain open() would give them, as in Sacred's stores.
FILE_MODE = 0o666 & ~_current_umask()


def utcnow() -> dt.datetime:
    """Return the current time as a naive datetime in UTC, as Sacred stores times."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def format_time(value: dt.datetime) -> str:
    """Format a naive UTC datetime with six fractional digits and no offset.

    Sacred uses ``isoformat()``, which drops the fraction when the microsecond
    is 0; Sacredboard cannot parse that form, so we always write the digits.
    """
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.strftime(TIME_FORMAT)


def parse_time(text: str | None) -> dt.datetime | None:
    """Parse a time written by us or by Sacred (with or without a fraction)."""
    if not text:
        return None
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never a part.

    The data goes to a temporary file in the same folder and replaces the
    target with ``os.replace``. With ``durable`` the temporary file is also
    flushed to disk first (``fsync``), so the new content survives a power
    loss; without it the write is still atomic for readers, but a crash of
    the machine may leave the previous version.
    """
    atomic_write_parts(path, (data,), durable)


def atomic_write_parts(path: str | os.PathLike[str], parts: Iterable[bytes], durable: bool = True) -> None:
    """Like ``atomic_write_bytes``, for content given in pieces (never joined in memory)."""
    folder = os.path.dirname(os.fspath(path)) or "."
    fd, tmp_path = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as tmp:
            tmp.writelines(parts)
            tmp.flush()
            if durable:
                os.fsync(tmp.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        try:
            os.unlink(tmp_path)
        except FileNotFoundError:
            pass
        raise


def dumps_json(obj: Any) -> str:
    """Encode already-flattened data the way Sacred's file observer does."""
    return json.dumps(obj, sort_keys=True, indent=2)


def atomic_write_json(path: str | os.PathLike[str], obj: Any, durable: bool = True) -> None:
    """Write already-flattened data as JSON, atomically (see ``atomic_write_bytes``)."""
    atomic_write_bytes(path, dumps_json(obj).encode("utf-8"), durable)


def journal_line(name: str, offset: int, steps: list, values: list, timestamps: list[str]) -> str:
    """Encode one chunk of a metric series for the journal.

    ``offset`` is the number of points of this metric stored before the chunk,
    which lets a reader merge the journal with a metrics.json of any age
    without counting a point twice.
    """
    record = {"name": name, "offset": offset, "steps": steps, "values": values, "timestamps": timestamps}
    return json.dumps(record, separators=(",", ":")) + "\n"


def journal_line_from_json(name: str, offset: int, steps: str, values: str, timestamps: str) -> str:
    """``journal_line`` for lists already encoded as JSON arrays (``"[...]"``), so a writer encodes once."""
    return f'{{"name":{json.dumps(name)},"offset":{offset},"steps":{steps},"values":{values},"timestamps":{timestamps}}}\n'


def iter_journal(path: str | os.PathLike[str]) -> Iterator[dict]:
    """Yield the complete records of a metrics journal; a torn last line is skipped."""
    try:
        handle = open(path, encoding="utf-8")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            if not line.endswith("\n"):
                break
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                break


def merge_metrics(metrics: dict, journal: Iterable[dict]) -> dict:
    """Extend the series of a metrics.json mapping with the journal points it lacks.

    The mapping is changed in place and returned. Each series keeps Sacred's
    shape: ``{"steps": [...], "values": [...], "timestamps": [...]}``.
    """
    for record in journal:
        series = metrics.setdefault(record["name"], {"steps": [], "values": [], "timestamps": []})
        have = len(series["steps"])
        start = record["offset"]
        end = start + len(record["steps"])
        if end <= have or start > have:
            # Already in metrics.json, or a gap: a chunk before it was lost.
            continue
        skip = have - start
        series["steps"].extend(record["steps"][skip:])
        series["values"].extend(record["values"][skip:])
        series["timestamps"].extend(record["timestamps"][skip:])
    return metrics
