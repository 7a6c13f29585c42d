"""HTML and plain-text pieces of a run display, shared by the live widget and its static copy.

Styles are inline, because a saved notebook rendered by nbconvert, nbviewer
or GitHub carries no stylesheet of ours.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from typing import Any, Mapping

from jupyter_sacred.notebook._snapshot import RunSnapshot

STATUS_COLOURS = {
    "QUEUED": "#6c757d",
    "RUNNING": "#1f6feb",
    "COMPLETED": "#1a7f37",
    "FAILED": "#cf222e",
    "INTERRUPTED": "#bc4c00",
    "TIMEOUT": "#8250df",
    "DEAD": "#24292f",
}
CUSTOM_STATUS_COLOUR = "#9a6700"
CHANGE_STYLES = {
    "added": ("color:#1a7f37;font-weight:bold", "added"),
    "modified": ("color:#1f6feb;font-weight:bold", "modified"),
    "typechanged": ("color:#cf222e;font-weight:bold", "type changed"),
}
RESULT_BELOW_TEXT = "the cell's value, shown below"
RESULT_BELOW_HTML = f"<i>{RESULT_BELOW_TEXT}</i>"
MAX_REPR = 300
MAX_ITEMS = 100
MAX_DEPTH = 6


def short_repr(value: Any, limit: int = MAX_REPR) -> str:
    """Return ``repr(value)``, cut to ``limit`` characters with an ellipsis."""
    try:
        text = repr(value)
    except Exception as error:  # a user object whose __repr__ fails must not break the display
        text = f"<unprintable {type(value).__name__}: {error}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return str(dt.timedelta(seconds=round(seconds)))


def format_time(moment: dt.datetime | None) -> str:
    return "–" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def status_badge(status: str) -> str:
    colour = STATUS_COLOURS.get(status, CUSTOM_STATUS_COLOUR)
    return (f"<span class='jupyter-sacred-status' data-status='{html.escape(status, quote=True)}' "
            f"style='background:{colour};color:white;border-radius:4px;padding:1px 8px;"
            f"font-weight:bold;font-family:monospace'>{html.escape(status)}</span>")


def header_html(snapshot: RunSnapshot, now: dt.datetime | None = None) -> str:
    """Return the status badge, run id, store, elapsed time and last heartbeat as one line."""
    name = f" {html.escape(snapshot.experiment)}" if snapshot.experiment else ""
    run_id = "–" if snapshot.run_id is None else html.escape(str(snapshot.run_id))
    store = (f"<code>{html.escape(snapshot.store)}</code>" if snapshot.store else "not stored")
    return (f"<div class='jupyter-sacred-header'>{status_badge(snapshot.status)} "
            f"<b>Run {run_id}</b>{name} · {store} · "
            f"elapsed {format_seconds(snapshot.elapsed(now))} · "
            f"last heartbeat {format_time(snapshot.heartbeat)}</div>")


def tree_html(value: Any, depth: int = 0) -> str:
    """Return a nested mapping or list as collapsible ``<details>`` elements."""
    if isinstance(value, Mapping):
        items = [(str(key), item) for key, item in value.items()]
    elif isinstance(value, (list, tuple)) and depth < MAX_DEPTH and any(
            isinstance(item, (Mapping, list, tuple)) for item in value):
        items = [(f"[{position}]", item) for position, item in enumerate(value)]
    else:
        return f"<code>{html.escape(short_repr(value))}</code>"
    if depth >= MAX_DEPTH:
        return f"<code>{html.escape(short_repr(value))}</code>"
    parts = []
    for key, item in items[:MAX_ITEMS]:
        if isinstance(item, (Mapping, list, tuple)) and item and not _is_flat_list(item):
            parts.append(f"<details style='margin-left:1em'><summary>{html.escape(key)}</summary>"
                         f"{tree_html(item, depth + 1)}</details>")
        else:
            parts.append(f"<div style='margin-left:1em'>{html.escape(key)}: "
                         f"<code>{html.escape(short_repr(item))}</code></div>")
    if len(items) > MAX_ITEMS:
        parts.append(f"<div style='margin-left:1em'>… {len(items) - MAX_ITEMS} more</div>")
    return "".join(parts)


def _is_flat_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and not any(isinstance(item, (Mapping, list, tuple)) for item in value)


def config_lines(config: Mapping[str, Any], snapshot: RunSnapshot, prefix: str = "",
                 indent: int = 0) -> list[tuple[str, str | None]]:
    """Return (text, change) lines of the config; change is "added", "modified", "typechanged" or None."""
    lines: list[tuple[str, str | None]] = []
    for key in sorted(config, key=lambda item: (isinstance(config[item], Mapping), str(item))):
        value = config[key]
        path = f"{prefix}.{key}" if prefix else str(key)
        change = _change_of(path, snapshot)
        pad = "  " * indent
        if isinstance(value, Mapping) and value:
            lines.append((f"{pad}{key}:", change))
            lines.extend(config_lines(value, snapshot, path, indent + 1))
            continue
        lines.append((f"{pad}{key} = {short_repr(value)}{_type_change_note(path, snapshot)}", change))
    return lines


def _type_change_note(path: str, snapshot: RunSnapshot) -> str:
    if path not in snapshot.typechanged:
        return ""
    old, new = snapshot.typechanged[path]
    return f"  # {getattr(old, '__name__', old)} -> {getattr(new, '__name__', new)}"


def _change_of(path: str, snapshot: RunSnapshot) -> str | None:
    if path in snapshot.typechanged:
        return "typechanged"
    if path in snapshot.added:
        return "added"
    if path in snapshot.modified:
        return "modified"
    return None


def config_html(snapshot: RunSnapshot) -> str:
    """Return the config as a ``<pre>`` block with added, modified and type-changed entries coloured."""
    if not snapshot.config:
        return "<i>empty config</i>"
    rows = []
    for text, change in config_lines(snapshot.config, snapshot):
        if change is None:
            rows.append(html.escape(text))
        else:
            style, label = CHANGE_STYLES[change]
            rows.append(f"<span class='jupyter-sacred-{change}' style='{style}' title='{label}'>"
                        f"{html.escape(text)}</span>")
    legend = " ".join(f"<span style='{style}'>{label}</span>" for style, label in CHANGE_STYLES.values())
    return f"<pre style='margin:0'>{chr(10).join(rows)}</pre><div style='font-size:smaller'>{legend}</div>"


def output_html(snapshot: RunSnapshot) -> str:
    tail = snapshot.output_tail()
    if not tail:
        return "<i>no captured output</i>"
    return f"<pre style='margin:0;max-height:20em;overflow:auto'>{html.escape(tail)}</pre>"


def result_html(snapshot: RunSnapshot) -> str:
    if snapshot.result is None:
        return "<i>no result yet</i>" if snapshot.status in ("RUNNING", "QUEUED") else "<code>None</code>"
    return f"<code>{html.escape(short_repr(snapshot.result, 1000))}</code>"


def warnings_html(snapshot: RunSnapshot) -> str:
    if not snapshot.warnings:
        return ""
    items = "".join(f"<li>{html.escape(warning)}</li>" for warning in snapshot.warnings)
    return (f"<div class='jupyter-sacred-warnings' style='color:#9a6700'><b>Provenance warnings</b>"
            f"<ul style='margin:0'>{items}</ul></div>")


def failure_html(snapshot: RunSnapshot) -> str:
    if not snapshot.fail_trace:
        return ""
    last = snapshot.fail_trace[-1].strip()
    return f"<div style='color:#cf222e'><b>Failure</b> <code>{html.escape(last)}</code></div>"


def summary_html(snapshot: RunSnapshot, png: bytes | None = None, result_shown_below: bool = False) -> str:
    """Return the static HTML summary of a run: header, warnings, plots, result, info, output, config.

    With ``result_shown_below``, the result row points to the cell's value
    below instead of repeating it.
    """
    sections = [header_html(snapshot), warnings_html(snapshot), failure_html(snapshot)]
    if png:
        encoded = base64.b64encode(png).decode("ascii")
        sections.append(f"<img alt='metrics of run {html.escape(str(snapshot.run_id))}' "
                        f"src='data:image/png;base64,{encoded}'/>")
    result = RESULT_BELOW_HTML if result_shown_below else result_html(snapshot)
    sections.append(f"<div><b>Result</b> {result}</div>")
    for title, body in (("Info", tree_html(snapshot.info) if snapshot.info else "<i>empty</i>"),
                        ("Captured output", output_html(snapshot)),
                        ("Config", config_html(snapshot))):
        sections.append(f"<details><summary><b>{title}</b></summary>{body}</details>")
    return f"<div class='jupyter-sacred-run'>{''.join(section for section in sections if section)}</div>"


def summary_text(snapshot: RunSnapshot, metrics: Mapping[str, Any] | None = None,
                 result_shown_below: bool = False) -> str:
    """Return a plain-text summary of a run, for terminals and the text/plain representation."""
    run_id = "–" if snapshot.run_id is None else snapshot.run_id
    lines = [f"Run {run_id} {snapshot.status}"
             + (f" ({snapshot.experiment})" if snapshot.experiment else ""),
             f"  stored in: {snapshot.store or 'not stored'}",
             f"  elapsed: {format_seconds(snapshot.elapsed())}   last heartbeat: {format_time(snapshot.heartbeat)}"]
    lines.extend(f"  warning: {warning}" for warning in snapshot.warnings)
    if snapshot.fail_trace:
        lines.append(f"  failure: {snapshot.fail_trace[-1].strip()}")
    if result_shown_below:
        lines.append(f"  result: {RESULT_BELOW_TEXT}")
    elif snapshot.result is not None:
        lines.append(f"  result: {short_repr(snapshot.result)}")
    for name, last in sorted((metrics or {}).items()):
        if last is not None:
            lines.append(f"  metric {name}: last {last[1]:.6g} at step {last[0]:g}")
    for path, value, change in changed_leaves(snapshot.config, snapshot):
        lines.append(f"  config {change}: {path} = {short_repr(value)}{_type_change_note(path, snapshot)}")
    return "\n".join(lines)


def changed_leaves(config: Mapping[str, Any], snapshot: RunSnapshot, prefix: str = "",
                   inherited: str | None = None) -> list[tuple[str, Any, str]]:
    """Return (dotted path, value, change) of each changed leaf of the config.

    Sacred lists a mapping as modified when one of its entries changed, so
    only that entry is listed. The entries of an added or type-changed
    mapping are listed as added or type-changed with it.
    """
    leaves: list[tuple[str, Any, str]] = []
    for key in sorted(config, key=str):
        value = config[key]
        path = f"{prefix}.{key}" if prefix else str(key)
        change = _change_of(path, snapshot)
        if isinstance(value, Mapping) and value:
            passed_on = change if change in ("added", "typechanged") else inherited
            leaves.extend(changed_leaves(value, snapshot, path, passed_on))
        elif change or inherited:
            leaves.append((path, value, change or inherited))
    return leaves
