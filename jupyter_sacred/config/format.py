"""Text of Sacred's `print_config` and `print_named_configs` commands."""

from __future__ import annotations

import pprint
from collections.abc import Iterator, Mapping
from typing import Any

from .summary import ConfigSummary

# ANSI codes as colorama writes them (Fore.BLUE, Fore.GREEN, Fore.RED, Style.DIM, Style.RESET_ALL).
BLUE = "\x1b[34m"
GREEN = "\x1b[32m"
RED = "\x1b[31m"
DIM = "\x1b[2m"
RESET = "\x1b[0m"

COLOR_MODIFIED = BLUE
COLOR_ADDED = GREEN
COLOR_TYPECHANGED = RED
COLOR_DOC = DIM

DOC_COLUMN = 35
_PRINTER = pprint.PrettyPrinter()


def format_config(config: Mapping[str, Any], summary: ConfigSummary, colored: bool = True) -> str:
    """Return the config listing as Sacred's `print_config` prints it.

    Each level lists "__doc__" first, then leaves (and empty dicts) sorted by
    key, then non-empty dicts sorted by key. Lines are coloured blue when
    modified, green when added and red when typechanged; docs are dimmed.
    With `colored=False` the same text comes without ANSI codes.
    """
    palette = _Palette(colored)
    legend = (
        f"({palette.modified}modified{palette.reset}, {palette.added}added{palette.reset}, "
        f"{palette.typechanged}typechanged{palette.reset}, {palette.doc}doc{palette.reset})"
    )
    lines = [f"Configuration {legend}:"]
    for path, key, value, is_dict in _iterate_entries(config):
        indent = " " * (2 + 2 * path.count("."))
        lines.append(_format_entry(indent, path, key, value, is_dict, summary, palette))
    return "\n".join(lines)


class _Palette:
    def __init__(self, colored: bool):
        self.modified = COLOR_MODIFIED if colored else ""
        self.added = COLOR_ADDED if colored else ""
        self.typechanged = COLOR_TYPECHANGED if colored else ""
        self.doc = COLOR_DOC if colored else ""
        self.reset = RESET if colored else ""


def _iterate_entries(tree: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str, Any, bool]]:
    """Yield (path, key, value, is_non_empty_dict) in print order."""

    def order(item: tuple[Any, Any]) -> tuple[int, Any]:
        key, value = item
        if key == "__doc__":
            return 0, 0
        if _is_non_empty_dict(value):
            return 2, key
        return 1, key

    for key, value in sorted(tree.items(), key=order):
        path = f"{prefix}.{key}" if prefix else str(key)
        if _is_non_empty_dict(value):
            yield path, key, value, True
            yield from _iterate_entries(value, path)
        else:
            yield path, key, value, False


def _is_non_empty_dict(value: Any) -> bool:
    return isinstance(value, dict) and bool(value)


def _format_entry(
    indent: str,
    path: str,
    key: Any,
    value: Any,
    is_dict: bool,
    summary: ConfigSummary,
    palette: _Palette,
) -> str:
    color = ""
    if path in summary.typechanged:
        color = palette.typechanged
    elif path in summary.added:
        color = palette.added
    elif path in summary.modified:
        color = palette.modified

    if key == "__doc__":
        color = palette.doc
        text = str(value).replace("\n", "\n" + indent)
        assign = f'{indent}"""{text}"""'
    elif is_dict:
        assign = f"{indent}{key}:"
    else:
        assign = f"{indent}{key} = {_PRINTER.pformat(value)}"

    doc = summary.docs.get(path)
    if doc:
        doc_text = f"{palette.doc}# {doc}{palette.reset}"
        if len(assign) <= DOC_COLUMN:
            assign = f"{assign:<{DOC_COLUMN}}  {doc_text}"
        else:
            assign = f"{assign}    {doc_text}"
    end = palette.reset if color else ""
    return f"{color}{assign}{end}"


def format_named_configs(named_configs: Mapping[str, Any], colored: bool = True, indent: int = 2) -> str:
    """Return the listing of Sacred's `print_named_configs` command.

    A one-line docstring follows the name as a dimmed comment; a multi-line
    one is printed as an indented, dimmed \"\"\"block\"\"\".
    """
    doc_color = COLOR_DOC if colored else ""
    reset = RESET if colored else ""
    pad = " " * indent
    lines = [f"Named Configurations ({doc_color}doc{reset}):"]
    for name, named_config in named_configs.items():
        line = pad + name
        doc = getattr(named_config, "__doc__", None)
        if isinstance(named_config, dict):
            doc = None
        if doc is not None:
            if doc.strip().count("\n") == 0:
                line += f"{doc_color}   # {doc.strip()}{reset}"
            else:
                block = doc.replace("\n", "\n" + pad)
                line += f'{doc_color}\n{pad}  """{block}"""{reset}'
        lines.append(line)
    if len(lines) < 2:
        lines.append(pad + "No named configs")
    return "\n".join(lines)
