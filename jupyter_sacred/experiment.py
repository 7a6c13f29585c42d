"""The Experiment API, mirroring Sacred's."""

from __future__ import annotations

import inspect
import logging
import os
import sys
from typing import Any, Callable, Iterable, Sequence

from jupyter_sacred.captured import CapturedFunction
from jupyter_sacred.commandline import builtin_commands
from jupyter_sacred.errors import CommandNotFoundError, MissingMainError, NoCurrentRunError
from jupyter_sacred.options import meta_options, normalize_options
from jupyter_sacred.run import Run, register_engine_file
from jupyter_sacred.settings import SETTINGS

logger = logging.getLogger(__name__)
register_engine_file(__file__)
register_engine_file(inspect.getfile(CapturedFunction))


class Experiment:
    """A set of config scopes, commands and observers; each ``run()`` is a tracked run.

    ``name`` defaults to the defining file's name without ``.py``; in a notebook
    or the REPL it is required. ``base_dir`` (the defining file's folder, else
    the working folder) anchors the relative paths of sources.
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        observers: Iterable[Any] | None = None,
        base_dir: str | os.PathLike[str] | None = None,
        additional_host_info: Sequence[Any] | None = None,
        save_git_info: bool = True,
        interactive: bool = False,
        captured_out_filter: Callable[[str], str] | None = None,
        _caller_globals: dict | None = None,
    ) -> None:
        caller_globals = _caller_globals if _caller_globals is not None else sys._getframe(1).f_globals
        main_path = caller_globals.get("__file__")
        if main_path and not os.path.isfile(main_path):
            main_path = None
        if name is None:
            if not main_path:
                raise ValueError("Experiment(name) needs a name in a notebook or the REPL, e.g. Experiment('mnist')")
            name = os.path.splitext(os.path.basename(main_path))[0]
        self.path = name
        self.base_dir = os.path.abspath(os.fspath(base_dir) if base_dir else
                                        (os.path.dirname(os.path.abspath(main_path)) if main_path else os.getcwd()))
        self.mainfile = os.path.relpath(os.path.abspath(main_path), self.base_dir) if main_path else None
        self.interactive = interactive or main_path is None
        self.observers: list[Any] = list(observers or [])
        self.configurations: list[Any] = []
        self.named_configs: dict[str, Any] = {}
        self.commands: dict[str, CapturedFunction] = {}
        self.captured_functions: list[CapturedFunction] = []
        self.default_command: str | None = None
        self.save_git_info = save_git_info
        self.captured_out_filter = captured_out_filter
        self.current_run: Run | None = None
        self._discovery_globals = caller_globals
        self._extra_sources: list[str] = []
        self._extra_dependencies: list[tuple[str, str]] = []
        self.interactive_sources: list[tuple[str, bytes]] = []
        self.additional_host_info = list(additional_host_info or [])
        if self.additional_host_info:
            from jupyter_sacred.collect import check_additional_host_info

            check_additional_host_info(self.additional_host_info)
        self.logger: logging.Logger | None = None
        for builtin in builtin_commands(self):
            self.command(builtin, unobserved=True)

    @property
    def name(self) -> str:
        return self.path

    # ---- config ----------------------------------------------------------------------

    def config(self, function: Callable) -> Any:
        """Decorator: the function's local variables become config entries."""
        from jupyter_sacred.config import ConfigScope

        scope = ConfigScope(function)
        self.configurations.append(scope)
        return scope

    def add_config(self, cfg: dict | str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        """Add config entries from a dict, a config file (.json, .yaml, .pickle) or keyword arguments."""
        if cfg is not None and kwargs:
            raise ValueError("add_config takes a dict, a file name or keyword arguments, not several")
        self.configurations.append(_config_dict(cfg if cfg is not None else kwargs))

    def named_config(self, function: Callable) -> Any:
        """Decorator: a config scope applied only when selected by name."""
        from jupyter_sacred.config import ConfigScope

        scope = ConfigScope(function)
        self.named_configs[function.__name__] = scope
        return scope

    def add_named_config(self, name: str, cfg: dict | str | os.PathLike[str]) -> None:
        """Add a named config from a dict or a config file (.json, .yaml, .pickle)."""
        self.named_configs[name] = _config_dict(cfg)

    # ---- functions -------------------------------------------------------------------

    def capture(self, function: Callable | None = None, prefix: str | None = None) -> Any:
        """Decorator: inject config values, ``_run``, ``_config``, ``_log``, ``_seed`` and ``_rnd``."""
        if function is None:
            return lambda fn: self.capture(fn, prefix=prefix)
        if isinstance(function, CapturedFunction):
            return function
        captured = CapturedFunction(function, prefix=prefix)
        self.captured_functions.append(captured)
        return captured

    def command(self, function: Callable | None = None, prefix: str | None = None, unobserved: bool = False) -> Any:
        """Decorator: a command that ``run(command_name=...)`` and the command line can start."""
        if function is None:
            return lambda fn: self.command(fn, prefix=prefix, unobserved=unobserved)
        captured = self.capture(function, prefix=prefix)
        captured.unobserved = unobserved
        self.commands[function.__name__] = captured
        return captured

    def main(self, function: Callable) -> Any:
        """Decorator: the default command."""
        captured = self.command(function)
        self.default_command = function.__name__
        return captured

    def automain(self, function: Callable) -> Any:
        """Decorator: the default command, run from the command line when the file is executed.

        In a notebook or IPython the kernel's own command line is never parsed:
        the function is only registered.
        """
        captured = self.main(function)
        module = sys.modules.get(function.__module__)
        if function.__module__ == "__main__" and not _inside_ipython() and getattr(module, "__file__", None):
            from jupyter_sacred.commandline import run_commandline

            run_commandline(self, sys.argv)
        return captured

    # ---- info collected per run ------------------------------------------------------

    def add_source_file(self, filename: str | os.PathLike[str]) -> None:
        self._extra_sources.append(os.path.abspath(os.fspath(filename)))

    def add_package_dependency(self, name: str, version: str) -> None:
        from jupyter_sacred.collect import validate_version

        validate_version(name, version)
        self._extra_dependencies.append((name, version))

    def get_experiment_info(self) -> dict:
        """Return the experiment info of the next run: name, base_dir, sources, dependencies, repositories, mainfile."""
        from jupyter_sacred.collect import gather_experiment_info

        return gather_experiment_info(
            self.name,
            base_dir=self.base_dir,
            mainfile=os.path.join(self.base_dir, self.mainfile) if self.mainfile else None,
            discovery_globals=self._discovery_globals,
            extra_sources=self._extra_sources,
            extra_dependencies=self._extra_dependencies,
            save_git_info=self.save_git_info,
            discover_sources=SETTINGS.DISCOVER_SOURCES,
            discover_dependencies=SETTINGS.DISCOVER_DEPENDENCIES,
            interactive_sources=self.interactive_sources,
        )

    # ---- helpers that act on the current run -----------------------------------------

    def _require_run(self, api_name: str) -> Run:
        if self.current_run is None:
            raise NoCurrentRunError(api_name)
        return self.current_run

    @property
    def info(self) -> dict:
        return self._require_run("ex.info").info

    def log_scalar(self, name: str, value: Any, step: Any = None) -> None:
        self._require_run("ex.log_scalar").log_scalar(name, value, step)

    def add_artifact(self, filename: Any, name: str | None = None, metadata: dict | None = None,
                     content_type: str | None = None) -> None:
        self._require_run("ex.add_artifact").add_artifact(filename, name, metadata, content_type)

    def add_resource(self, filename: Any) -> None:
        self._require_run("ex.add_resource").add_resource(filename)

    def open_resource(self, filename: Any, mode: str = "r"):
        return self._require_run("ex.open_resource").open_resource(filename, mode)

    # ---- running ---------------------------------------------------------------------

    def run(
        self,
        command_name: str | None = None,
        config_updates: dict | None = None,
        named_configs: Sequence[str] = (),
        info: dict | None = None,
        meta_info: dict | None = None,
        options: dict | None = None,
    ) -> Run:
        """Create and execute a run of ``command_name`` (the main function by default); return it.

        An exception from the run is re-raised after the run is recorded as FAILED
        or INTERRUPTED.
        """
        run = self.create_run(command_name, config_updates, named_configs, info, meta_info, options)
        run()
        return run

    def create_run(
        self,
        command_name: str | None = None,
        config_updates: dict | None = None,
        named_configs: Sequence[str] = (),
        info: dict | None = None,
        meta_info: dict | None = None,
        options: dict | None = None,
        *,
        main: Callable[[Run], Any] | None = None,
        used_names: Iterable[str] = (),
    ) -> Run:
        """Build a run without starting it. ``main`` replaces the command (the notebook's cell)."""
        from jupyter_sacred._run_factory import build_run

        if main is None:
            command_name = command_name or self.default_command
            if command_name is None:
                raise MissingMainError(self.name)
            if command_name not in self.commands:
                raise CommandNotFoundError(command_name, list(self.commands))
        return build_run(
            self, command_name or "main", config_updates, named_configs, info, meta_info,
            normalize_options(options), main=main, used_names=used_names, recorded_options=meta_options(options),
        )

    def run_commandline(self, argv: Sequence[str] | None = None) -> Run | None:
        from jupyter_sacred.commandline import run_commandline

        return run_commandline(self, sys.argv if argv is None else argv)

    def __repr__(self) -> str:
        return f"<Experiment {self.name!r}>"


def _config_dict(cfg: Any) -> dict:
    """Return ``cfg`` as a dict; a str or path names a config file, read as Sacred reads it.

    JSON files may hold jsonpickle's tags (Sacred's ``save_config`` writes them),
    which are restored. The file is trusted as the experiment's code is.
    """
    if not isinstance(cfg, (str, os.PathLike)):
        return dict(cfg)
    path = os.fspath(cfg)
    extension = os.path.splitext(path)[1].lower()
    if extension == ".json":
        import jsonpickle

        with open(path, encoding="utf-8") as handle:
            return dict(jsonpickle.decode(handle.read(), keys=True))
    if extension in (".yaml", ".yml"):
        import yaml

        with open(path, encoding="utf-8") as handle:
            return dict(yaml.safe_load(handle) or {})
    if extension in (".pickle", ".pkl"):
        import pickle

        with open(path, "rb") as handle:
            return dict(pickle.load(handle))  # noqa: S301 - the user names the file, as in Sacred
    raise ValueError(f"config file {path!r} has an unknown extension; use .json, .yaml or .pickle")


def _inside_ipython() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        return shell.get_ipython() is not None
    except Exception:
        return False
