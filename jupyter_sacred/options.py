"""Sacred's run options (``ex.run(options={...})`` keys and command-line flags)."""

from __future__ import annotations

from typing import Any

from jupyter_sacred.errors import JupyterSacredError

# Long option -> default, as Sacred records them in meta.options.
DEFAULT_OPTIONS: dict[str, Any] = {
    "--beat-interval": None,
    "--capture": None,
    "--comment": None,
    "--debug": False,
    "--enforce_clean": False,
    "--file_storage": None,
    "--force": False,
    "--help": False,
    "--id": None,
    "--loglevel": None,
    "--mongo_db": None,
    "--name": None,
    "--pdb": False,
    "--print-config": False,
    "--priority": None,
    "--queue": False,
    "--seed": None,
    "--unobserved": False,
}

SHORT_OPTIONS = {
    "-b": "--beat-interval", "-C": "--capture", "-c": "--comment", "-d": "--debug",
    "-e": "--enforce_clean", "-F": "--file_storage", "-f": "--force", "-h": "--help",
    "-i": "--id", "-l": "--loglevel", "-m": "--mongo_db", "-n": "--name", "-D": "--pdb",
    "-p": "--print-config", "-P": "--priority", "-q": "--queue", "-s": "--seed", "-u": "--unobserved",
}

FLAG_OPTIONS = frozenset(key for key, value in DEFAULT_OPTIONS.items() if value is False)

# Sacred's options for observers this package does not provide; recorded, rejected when set.
UNSUPPORTED_OPTIONS = {"--s3": None, "--sql": None, "--tiny_db": None}
# Keys of Sacred's parsed command line, which it records in meta.options as well.
COMMANDLINE_KEYS = ("COMMAND", "UPDATE", "help", "with")


class OptionError(JupyterSacredError, ValueError):
    def __init__(self, option: str, reason: str) -> None:
        super().__init__(f"invalid option {option!r}: {reason}")
        self.option = option


def normalize_options(options: dict[str, Any] | None) -> dict[str, Any]:
    """Return Sacred's full options dict: the defaults updated with ``options``.

    Keys may be given with or without dashes (``"beat_interval"``, ``"--beat-interval"``).
    """
    result = {**DEFAULT_OPTIONS, **UNSUPPORTED_OPTIONS}
    for key, value in (options or {}).items():
        if key in COMMANDLINE_KEYS:
            result[key] = value
            continue
        long_key = _long_key(key)
        if long_key in UNSUPPORTED_OPTIONS and value is not None:
            raise OptionError(key, "this observer is not available; use --file_storage or --mongo_db")
        if long_key not in result:
            known = ", ".join(sorted(DEFAULT_OPTIONS))
            raise OptionError(key, f"unknown option; known options: {known}")
        result[long_key] = value
    if result["--beat-interval"] is not None:
        result["--beat-interval"] = _to_float(result["--beat-interval"], "--beat-interval")
    if result["--priority"] is not None:
        result["--priority"] = _to_float(result["--priority"], "--priority")
    if result["--capture"] not in (None, "no", "sys", "fd", "kernel", "auto"):
        raise OptionError("--capture", f"{result['--capture']!r} is not one of no, sys, fd, kernel, auto")
    return result


def _long_key(key: str) -> str:
    if key in SHORT_OPTIONS:
        return SHORT_OPTIONS[key]
    if key.startswith("--"):
        return key
    candidate = "--" + key
    if candidate in DEFAULT_OPTIONS:
        return candidate
    return "--" + key.replace("_", "-")


def _to_float(value: Any, option: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise OptionError(option, f"{value!r} is not a number") from error


def meta_options(options: dict[str, Any] | None) -> dict[str, Any]:
    """Return the options as Sacred records them in ``meta.options``: the defaults
    updated with ``options`` as given (a command line's ``"0.5"`` stays a string).

    ``--seed`` is this package's addition; it is recorded only when given, so
    runs that do not use it store exactly Sacred's keys.
    """
    normalize_options(options)  # refuse what a run would refuse
    recorded: dict[str, Any] = {**DEFAULT_OPTIONS, **UNSUPPORTED_OPTIONS}
    del recorded["--seed"]
    for key, value in (options or {}).items():
        recorded[key if key in COMMANDLINE_KEYS else _long_key(key)] = value
    return recorded
