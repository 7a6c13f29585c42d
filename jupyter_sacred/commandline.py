"""Sacred's command line for scripts: ``python train.py [COMMAND] [with UPDATE ...] [OPTIONS]``."""

from __future__ import annotations

import os
import sys
import traceback
from typing import TYPE_CHECKING, Any, Sequence

from jupyter_sacred.options import DEFAULT_OPTIONS, FLAG_OPTIONS, SHORT_OPTIONS

if TYPE_CHECKING:
    from jupyter_sacred.experiment import Experiment
    from jupyter_sacred.run import Run

BUILTIN_COMMANDS = ("print_config", "print_dependencies", "save_config", "print_named_configs")

USAGE = """Usage:
  {program} [COMMAND] [with UPDATE ...] [OPTIONS]

UPDATE is KEY=VALUE (VALUE a Python literal; dotted keys set nested entries) or the name of a
named config. COMMAND defaults to the main function; built-in commands: {builtins}.

Options:
  -b --beat-interval SECONDS  seconds between heartbeats
  -C --capture MODE           output capture: no, sys, fd
  -c --comment TEXT           a comment stored in the run's meta info
  -F --file_storage DIR       also store the run in the folder DIR
  -f --force                  skip the checks for suspicious config changes
  -h --help                   print this help and exit
  -i --id ID                  the run id to use
  -m --mongo_db URL           also store the run in MongoDB ([host:port:]db_name or mongodb:// URL)
  -n --name NAME              the experiment name for this run
  -p --print-config           print the config before running
  -P --priority NUMBER        the run's priority, stored in its meta info
  -q --queue                  only queue the run: store it as QUEUED without running it
  -s --seed SEED              the root random seed
  -u --unobserved             run without observers
Commands of this experiment: {commands}
"""


class CommandLineError(ValueError):
    """The command line cannot be parsed; the message names the token and the fix."""


def parse_argv(argv: Sequence[str], commands: Sequence[str]) -> tuple[str | None, list[str], dict[str, Any]]:
    """Split ``argv`` (without the program name) into command, update tokens and options."""
    command: str | None = None
    updates: list[str] = []
    options: dict[str, Any] = {}
    tokens = list(argv)
    position = 0
    in_with = False
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if token == "with":
            in_with = True
        elif token.startswith("-") and not _is_number(token):
            in_with = False
            position = _parse_option(token, tokens, position, options)
        elif in_with:
            updates.append(token)
        elif command is None and not updates:
            if token not in commands and token not in BUILTIN_COMMANDS:
                known = list(dict.fromkeys([*commands, *BUILTIN_COMMANDS]))
                raise CommandLineError(
                    f"unknown command {token!r}; known: {', '.join(known)}. "
                    "Config updates go after 'with', e.g. 'with lr=0.1'"
                )
            command = token
        else:
            raise CommandLineError(f"unexpected argument {token!r}; config updates go after 'with'")
    return command, updates, options


def _parse_option(token: str, tokens: list[str], position: int, options: dict[str, Any]) -> int:
    name, _, inline = token.partition("=")
    long_name = SHORT_OPTIONS.get(name, name)
    if long_name not in DEFAULT_OPTIONS:
        raise CommandLineError(f"unknown option {token!r}; see --help")
    if long_name in FLAG_OPTIONS:
        if inline:
            raise CommandLineError(f"option {name!r} takes no value")
        options[long_name] = True
        return position
    if inline:
        options[long_name] = inline
        return position
    if position >= len(tokens):
        raise CommandLineError(f"option {name!r} needs a value; see --help")
    options[long_name] = tokens[position]
    return position + 1


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def run_commandline(ex: "Experiment", argv: Sequence[str]) -> "Run | None":
    """Run ``ex`` as Sacred's command line does; return the run, or None for printing commands.

    Bad input prints the error and the usage hint to stderr and exits with status 2; a run
    that fails prints its traceback and exits with status 1.
    """
    from jupyter_sacred.config import ConfigAddedError, ConfigError, parse_config_updates

    program = argv[0] if argv else ex.name
    try:
        command, update_tokens, options = parse_argv(argv[1:], list(ex.commands))
        updates, named = parse_config_updates(update_tokens)
    except (CommandLineError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    if options.get("--help"):
        print(USAGE.format(program=program, builtins=", ".join(BUILTIN_COMMANDS),
                           commands=", ".join(name for name in ex.commands if name not in BUILTIN_COMMANDS)
                           or "none"))
        return None
    if options.get("--name"):
        ex.path = options["--name"]
    try:
        if command in BUILTIN_COMMANDS and command != "save_config":
            print(_builtin_output(ex, command, updates, named), end="")
            return None
        if options.get("--print-config"):
            print(_builtin_output(ex, "print_config", updates, named), end="")
            print("-" * 79)
    except (ConfigAddedError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    recorded = {**options, "COMMAND": command, "UPDATE": list(update_tokens),
                "help": bool(options.get("--help")), "with": bool(update_tokens)}
    try:
        return ex.run(command, config_updates=updates, named_configs=named, options=recorded)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    except Exception as error:
        print(user_traceback(error), file=sys.stderr, end="")
        sys.exit(1)


def user_traceback(error: BaseException) -> str:
    """Format ``error``'s traceback without the frames of this package, as Sacred hides its own."""
    package_dir = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not os.path.abspath(frame.filename).startswith(package_dir)]
    return "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)) + "".join(
        traceback.format_exception_only(type(error), error))


def _builtin_output(ex: "Experiment", command: str, updates: dict, named: list[str]) -> str:
    from jupyter_sacred.collect import format_dependencies
    from jupyter_sacred.config import build_config, format_config, format_named_configs

    if command == "print_dependencies":
        return format_dependencies(ex.get_experiment_info())
    if command == "print_named_configs":
        return format_named_configs(ex.named_configs) + "\n"
    from jupyter_sacred._run_factory import used_config_names
    from jupyter_sacred.config import check_config_changes

    result = build_config(ex.configurations, named_configs=ex.named_configs, selected=named, updates=updates)
    warnings = check_config_changes(result.modifications, used_config_names(ex))
    return "".join(f"WARNING - {ex.name} - {warning}\n" for warning in warnings) + (
        format_config(result.config, result.modifications) + "\n")


# ---- built-in commands, registered on every Experiment as in Sacred ------------------


def builtin_commands(ex: "Experiment") -> list:
    """Return Sacred's built-in commands of ``ex`` in Sacred's order (it matters for seeding).

    Each runs as an unobserved run: ``ex.run(command_name="print_config")``.
    """

    def print_config(_run):
        """Print the updated configuration and exit."""
        from jupyter_sacred.config import format_config

        print(format_config(_run.config, _run.config_modifications))

    def print_dependencies(_run):
        """Print the detected source files and dependencies."""
        from jupyter_sacred.collect import format_dependencies

        print(format_dependencies(_run.experiment_info), end="")

    def save_config(_config, _log, config_filename="config.json"):
        """Store the updated configuration in a JSON file (``config_filename``, default config.json)."""
        import json

        from jupyter_sacred.serialize import flatten

        config = {key: value for key, value in _config.items() if key != "config_filename"}
        _log.info('Saving config to "%s"', config_filename)
        with open(config_filename, "w", encoding="utf-8") as handle:
            json.dump(flatten(config), handle, sort_keys=True, indent=2)

    def print_named_configs():
        """Print the available named configs and exit."""
        from jupyter_sacred.config import format_named_configs

        print(format_named_configs(ex.named_configs))

    return [print_config, print_dependencies, save_config, print_named_configs]
