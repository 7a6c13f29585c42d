"""Assembling a Run from an Experiment: config, info, host, meta, observers, main function."""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from jupyter_sacred.run import Run, register_engine_file
from jupyter_sacred.settings import SETTINGS

if TYPE_CHECKING:
    from jupyter_sacred.experiment import Experiment

logger = logging.getLogger(__name__)
register_engine_file(__file__)


def build_run(
    ex: "Experiment",
    command_name: str,
    config_updates: dict | None,
    named_configs: Sequence[str],
    info: dict | None,
    meta_info: dict | None,
    options: dict,
    *,
    main: Callable[[Run], Any] | None,
    used_names: Iterable[str],
    recorded_options: dict | None = None,
) -> Run:
    from jupyter_sacred.capture import resolve_capture_mode
    from jupyter_sacred.collect import get_host_info
    from jupyter_sacred.config import build_config, check_config_changes, set_global_seeds

    updates = dict(config_updates or {})
    if options["--seed"] is not None:
        updates["seed"] = int(options["--seed"])
    result = build_config(
        ex.configurations, named_configs=ex.named_configs, selected=list(named_configs), updates=updates
    )
    command = ex.commands.get(command_name)
    names = used_config_names(ex, used_names)
    run_logger = experiment_logger(ex, interactive=main is not None, level=options["--loglevel"])
    observers = _observers_for(ex, options, command, run_logger)
    config_warnings = [] if options["--force"] else check_config_changes(result.modifications, names)
    for warning in config_warnings:
        run_logger.warning(warning)

    beat_interval = options["--beat-interval"]
    if beat_interval is None:
        beat_interval = float(SETTINGS.DEFAULT_BEAT_INTERVAL)
    meta = _meta_info(command_name, options, recorded_options, named_configs, config_updates, beat_interval,
                      meta_info, modifications=result.modifications)
    capture_mode = resolve_capture_mode(options["--capture"], bool(observers))
    host_info = get_host_info(
        ex.additional_host_info,
        captured_env=list(SETTINGS.HOST_INFO.CAPTURED_ENV),
        include_cpu=SETTINGS.HOST_INFO.INCLUDE_CPU_INFO,
        include_gpu=SETTINGS.HOST_INFO.INCLUDE_GPU_INFO,
    )
    run = Run(
        config=result.config,
        config_modifications=result.modifications,
        main_function=_main_function(ex, command, main),
        observers=observers,
        experiment_info=_experiment_info(ex, options),
        host_info=host_info,
        meta_info=meta,
        command=command_name,
        beat_interval=beat_interval,
        capture_mode=capture_mode,
        captured_out_filter=ex.captured_out_filter,
        queue_only=bool(options["--queue"]),
        info=dict(info) if info else {},
        run_id=options["--id"],
        on_seed=set_global_seeds,
        root_logger=run_logger,
    )
    run.config_warnings = config_warnings
    return run


_LOG_FORMAT = "%(levelname)s - %(name)s - %(message)s"


def experiment_logger(ex: "Experiment", interactive: bool, level: Any = None) -> logging.Logger:
    """Return the logger of an experiment's runs, named after the experiment as in Sacred.

    ``ex.logger``, when set, is the parent, as in Sacred. Otherwise, in a script
    where logging is not configured at all, the run's progress lines go to stderr
    in Sacred's format. In notebooks the run's display shows them instead, so no
    handler is added. ``level`` (``--loglevel``) is set on the parent, or on the
    run's logger when there is none.
    """
    parent = getattr(ex, "logger", None)
    if parent is not None:
        run_logger = parent.getChild(ex.name)
    else:
        run_logger = logging.getLogger(ex.name)
        unconfigured = not logging.getLogger().handlers and not run_logger.handlers
        if unconfigured and not interactive:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter(_LOG_FORMAT))
            run_logger.addHandler(handler)
            run_logger.setLevel(logging.INFO)
        elif unconfigured:
            # Without a handler, Python's last-resort handler would print the
            # "Failed after ..." lines under the cell's traceback.
            run_logger.addHandler(logging.NullHandler())
    if level is not None:
        (parent or run_logger).setLevel(int(level) if str(level).isdigit() else str(level).upper())
    return run_logger


def used_config_names(ex: "Experiment", extra: Iterable[str] = ()) -> set[str]:
    """Return the config paths that the experiment's captured functions (and ``extra``) read."""
    names = set(extra)
    for captured in ex.captured_functions:
        names.update(f"{captured.prefix}.{name}" if captured.prefix else name
                     for name in captured.parameter_names)
    return names


def _observers_for(ex: "Experiment", options: dict, command: Any, run_logger: logging.Logger) -> list:
    if options["--unobserved"] or getattr(command, "unobserved", False):
        return []
    observers = list(ex.observers)
    if options["--file_storage"]:
        from jupyter_sacred.observers.file import FileObserver

        observers.append(FileObserver(options["--file_storage"]))
    if options["--mongo_db"]:
        from jupyter_sacred.observers.mongo import MongoObserver

        observers.append(MongoObserver.from_url_spec(options["--mongo_db"]))
    if not observers and not options["--debug"]:
        run_logger.warning("No observers have been added to this run")
    return observers


def _experiment_info(ex: "Experiment", options: dict) -> dict:
    """Return the run's experiment info, renamed by ``--name`` and checked by ``--enforce_clean``."""
    from jupyter_sacred.errors import UncleanRepositoryError

    info = dict(ex.get_experiment_info())
    if options["--name"]:
        info["name"] = options["--name"]
    if options["--enforce_clean"]:
        if not info.get("repositories"):
            raise UncleanRepositoryError(None)
        for repository in info["repositories"]:
            if repository["dirty"]:
                raise UncleanRepositoryError(repository)
    return info


def modifications_record(modifications: Any) -> dict:
    """Return the config modifications as JSON data for ``meta.config_modifications``.

    Sacred keeps them in memory only; storing them lets readers (the Lab panel,
    stored-run views) mark added, modified and type-changed entries.
    """
    return {
        "added": sorted(modifications.added),
        "modified": sorted(modifications.modified),
        "typechanged": {path: [old.__name__, new.__name__]
                        for path, (old, new) in sorted(modifications.typechanged.items())},
    }


def _meta_info(command_name: str, options: dict, recorded_options: dict | None, named_configs: Sequence[str],
               config_updates: dict | None, beat_interval: float, extra: dict | None,
               modifications: Any = None) -> dict:
    """Return Sacred's meta info: command, options as given over the defaults, named configs, updates."""
    from jupyter_sacred.observers._mongo_spec import redact_strings
    from jupyter_sacred.options import meta_options

    meta: dict[str, Any] = {
        "command": command_name,
        "options": recorded_options if recorded_options is not None else meta_options(options),
        "named_configs": list(named_configs),
    }
    if config_updates is not None:
        meta["config_updates"] = config_updates
    meta["beat_interval"] = beat_interval
    if modifications is not None:
        meta["config_modifications"] = modifications_record(modifications)
    if options["--comment"] is not None:
        meta["comment"] = options["--comment"]
    if options["--priority"] is not None:
        meta["priority"] = options["--priority"]
    meta.update(extra or {})
    # The -m URL may carry a password; the run connects with the options, observers store this copy.
    return redact_strings(meta)


def _main_function(ex: "Experiment", command: Any, main: Callable[[Run], Any] | None) -> Callable[[Run], Any]:
    """Wrap the command (or the notebook's main) so captured functions see the run while it executes."""

    def run_main(run: Run) -> Any:
        __tracebackhide__ = True  # noqa: F841
        from jupyter_sacred.config import create_rnd, get_seed

        rnd = create_rnd(run.config.get("seed"))
        # As in Sacred, _log is a child of ex.logger when one is set; else of the run's logger.
        log_parent = getattr(ex, "logger", None) or run.run_logger
        # A run started inside another run's main function hands current_run and
        # the captured functions' bindings back to the outer run when it ends.
        outer_bindings = {id(captured): _binding(captured) for captured in ex.captured_functions}
        for captured in ex.captured_functions:
            captured.bind_run(run, run.config, get_seed(rnd), log_parent)
        outer_run = ex.current_run
        ex.current_run = run
        try:
            if main is not None:
                return main(run)
            return command()
        finally:
            ex.current_run = outer_run
            for captured in ex.captured_functions:
                captured.unbind()
                if id(captured) in outer_bindings:
                    captured.run, captured.log_parent, captured.config, captured.rnd = outer_bindings[id(captured)]

    return run_main


def _binding(captured: Any) -> tuple:
    return captured.run, captured.log_parent, captured.config, captured.rnd


def parameter_names(function: Callable) -> list[str]:
    return list(inspect.signature(function).parameters)
