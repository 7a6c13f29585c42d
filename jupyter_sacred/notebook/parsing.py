"""Parsing the argument lines of the magics.

Every parser here raises IPython's ``UsageError`` for bad input, naming the
offending token and the fix; it never raises anything else.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from typing import Any

from IPython.core.error import UsageError

EXPERIMENT_USAGE = (
    "%%experiment [NAME] [with KEY=VALUE|NAMED_CONFIG ...] [-n/--named NAMED_CONFIG ...] "
    "[-c/--comment TEXT] [--priority N] [-q/--queue] [-u/--unobserved] [-b/--beat-interval SECONDS] "
    "[-f/--force] [--no-widget]"
)
_NAME_PATTERN = re.compile(r"^[A-Za-z_][\w.\-]*$")


@dataclasses.dataclass
class ExperimentLine:
    """The request parsed from an ``%%experiment`` line."""

    name: str | None = None
    config_updates: dict[str, Any] = dataclasses.field(default_factory=dict)
    named_configs: list[str] = dataclasses.field(default_factory=list)
    comment: str | None = None
    priority: float | None = None
    queue: bool = False
    unobserved: bool = False
    beat_interval: float | None = None
    force: bool = False
    widget: bool = True


def split_line(line: str, usage: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as error:
        raise UsageError(f"cannot split {line!r}: {error} (close the quote). Usage: {usage}") from None


def parse_experiment_line(line: str) -> ExperimentLine:
    """Parse ``%%experiment`` arguments; see ``EXPERIMENT_USAGE``."""
    from jupyter_sacred.config import ConfigError, parse_config_updates

    tokens = split_line(line, EXPERIMENT_USAGE)
    parsed = ExperimentLine()
    update_tokens: list[str] = []
    position = 0
    in_with = False
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if token == "with":
            in_with = True
        elif token.startswith("-"):
            in_with = False
            position = _apply_option(parsed, token, tokens, position)
        elif in_with:
            update_tokens.append(token)
        elif parsed.name is None and not update_tokens:
            if not _NAME_PATTERN.match(token):
                raise UsageError(
                    f"invalid experiment name {token!r}: use letters, digits, '_', '.', '-'. Usage: {EXPERIMENT_USAGE}"
                )
            parsed.name = token
        else:
            raise UsageError(
                f"unexpected token {token!r}: config updates go after 'with', e.g. 'with lr=0.1'. "
                f"Usage: {EXPERIMENT_USAGE}"
            )
    try:
        updates, named = parse_config_updates(update_tokens)
    except ConfigError as error:
        raise UsageError(f"{str(error).rstrip('.')}. Usage: {EXPERIMENT_USAGE}") from None
    parsed.config_updates = updates
    parsed.named_configs = named + parsed.named_configs
    return parsed


def _apply_option(parsed: ExperimentLine, token: str, tokens: list[str], position: int) -> int:
    flags = {"-q": "queue", "--queue": "queue", "-u": "unobserved", "--unobserved": "unobserved",
             "-f": "force", "--force": "force"}
    if token in flags:
        setattr(parsed, flags[token], True)
        return position
    if token == "--no-widget":
        parsed.widget = False
        return position
    valued = {
        "-n": "named", "--named": "named", "-c": "comment", "--comment": "comment",
        "--priority": "priority", "-P": "priority", "-b": "beat_interval", "--beat-interval": "beat_interval",
    }
    option, _, inline_value = token.partition("=")
    if option not in valued:
        raise UsageError(f"unknown option {token!r}. Usage: {EXPERIMENT_USAGE}")
    if inline_value:
        value = inline_value
    elif position < len(tokens):
        value = tokens[position]
        position += 1
    else:
        raise UsageError(f"option {option!r} needs a value. Usage: {EXPERIMENT_USAGE}")
    field = valued[option]
    if field == "named":
        parsed.named_configs.append(value)
    elif field == "comment":
        parsed.comment = value
    else:
        setattr(parsed, field, _parse_number(option, value))
    return position


def _parse_number(option: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"option {option} needs a number, got {value!r}; e.g. {option} 5") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise UsageError(f"option {option} needs a finite number, got {value!r}")
    return number


PRINT_CONFIG_USAGE = "%print_config [with] [KEY=VALUE|NAMED_CONFIG ...]"


def parse_print_config_line(line: str) -> tuple[dict[str, Any], list[str]]:
    """Parse ``%print_config`` arguments into config updates and named configs."""
    from jupyter_sacred.config import ConfigError, parse_config_updates

    tokens = split_line(line, PRINT_CONFIG_USAGE)
    if tokens[:1] == ["with"]:
        tokens = tokens[1:]
    for token in tokens:
        if token.startswith("-") or token == "with":
            raise UsageError(f"unexpected {token!r}. Usage: {PRINT_CONFIG_USAGE}")
    try:
        return parse_config_updates(tokens)
    except ConfigError as error:
        raise UsageError(f"{str(error).rstrip('.')}. Usage: {PRINT_CONFIG_USAGE}") from None


CONFIG_USAGE = "%%config [--named NAME]"


def parse_config_line(line: str) -> str | None:
    """Parse ``%%config`` arguments; return the named config's name, or None for the default config."""
    tokens = split_line(line, CONFIG_USAGE)
    if not tokens:
        return None
    if len(tokens) == 2 and tokens[0] in ("--named", "-n") and _NAME_PATTERN.match(tokens[1]):
        return tokens[1]
    if len(tokens) == 1 and tokens[0].startswith("--named="):
        name = tokens[0].split("=", 1)[1]
        if _NAME_PATTERN.match(name):
            return name
    raise UsageError(f"invalid %%config arguments {line.strip()!r}. Usage: {CONFIG_USAGE}")


OBSERVE_USAGE = "%observe [file PATH | mongo URL [--db NAME] | none]"


@dataclasses.dataclass
class ObserveLine:
    kind: str | None  # None lists the observers
    target: str | None = None
    db_name: str | None = None


def parse_observe_line(line: str) -> ObserveLine:
    tokens = split_line(line, OBSERVE_USAGE)
    if not tokens:
        return ObserveLine(None)
    kind, rest = tokens[0], tokens[1:]
    if kind == "none" and not rest:
        return ObserveLine("none")
    if kind == "file" and len(rest) == 1:
        return ObserveLine("file", rest[0])
    if kind == "mongo" and rest:
        db_name = None
        target = rest[0]
        extra = rest[1:]
        if extra[:1] == ["--db"] and len(extra) == 2:
            db_name = extra[1]
        elif extra:
            raise UsageError(f"unexpected {' '.join(extra)!r} after the Mongo URL. Usage: {OBSERVE_USAGE}")
        return ObserveLine("mongo", target, db_name)
    raise UsageError(f"invalid %observe arguments {line.strip()!r}. Usage: {OBSERVE_USAGE}")


RUN_DIFF_USAGE = "%run_diff [ID_A ID_B]"


def parse_run_diff_line(line: str) -> tuple[str, str] | None:
    tokens = split_line(line, RUN_DIFF_USAGE)
    if not tokens:
        return None
    if len(tokens) == 2:
        return tokens[0], tokens[1]
    raise UsageError(f"%run_diff takes two run ids or none, got {line.strip()!r}. Usage: {RUN_DIFF_USAGE}")
