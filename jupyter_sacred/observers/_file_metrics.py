"""metrics.json and its journal, for the folder store."""

from __future__ import annotations

import json
import os

from jupyter_sacred import _storage


class MetricsFile:
    """Keep a run's metrics.json exact at a cost that does not grow with each beat.

    Each beat appends the new points to the journal (cost proportional to the
    new points). The series are also kept in memory as encoded JSON fragments,
    so rebuilding metrics.json every ``rewrite_every`` beats and at the end
    joins strings instead of reading and parsing the old file.
    """

    def __init__(self, run_dir: str, rewrite_every: int = 6) -> None:
        self.run_dir = run_dir
        self.rewrite_every = max(1, rewrite_every)
        self._fragments: dict[str, dict[str, list[str]]] = {}
        self._counts: dict[str, int] = {}
        self._beats_since_rewrite = 0
        self._dirty = False

    def write_empty(self) -> None:
        _storage.atomic_write_bytes(os.path.join(self.run_dir, _storage.METRICS_JSON), b"{}")

    def append(self, metrics_by_name: dict) -> None:
        if metrics_by_name:
            lines = []
            for name, series in metrics_by_name.items():
                steps = list(series["steps"])
                values = list(series["values"])
                stamps = [_storage.format_time(stamp) for stamp in series["timestamps"]]
                offset = self._counts.get(name, 0)
                lines.append(_storage.journal_line(name, offset, steps, values, stamps))
                self._counts[name] = offset + len(steps)
                self._remember(name, steps, values, stamps)
            with open(os.path.join(self.run_dir, _storage.METRICS_JOURNAL), "a", encoding="utf-8") as journal:
                journal.write("".join(lines))
                journal.flush()
            self._dirty = True
        self._beats_since_rewrite += 1
        if self._dirty and self._beats_since_rewrite >= self.rewrite_every:
            self.rewrite()

    def _remember(self, name: str, steps: list, values: list, stamps: list[str]) -> None:
        fragments = self._fragments.setdefault(name, {"steps": [], "values": [], "timestamps": []})
        fragments["steps"].append(json.dumps(steps)[1:-1])
        fragments["values"].append(json.dumps(values)[1:-1])
        fragments["timestamps"].append(json.dumps(stamps)[1:-1])

    def rewrite(self) -> None:
        """Rebuild metrics.json from memory, atomically."""
        parts = []
        for name in sorted(self._fragments):
            fragments = self._fragments[name]
            fields = ", ".join(
                f'"{key}": [{", ".join(chunk for chunk in fragments[key] if chunk)}]'
                for key in ("steps", "timestamps", "values")
            )
            parts.append(f"  {json.dumps(name)}: {{{fields}}}")
        text = "{\n" + ",\n".join(parts) + "\n}" if parts else "{}"
        _storage.atomic_write_bytes(os.path.join(self.run_dir, _storage.METRICS_JSON), text.encode("utf-8"))
        self._beats_since_rewrite = 0
        self._dirty = False
