"""One execution of an experiment: its lifecycle and the events it sends to observers."""

from __future__ import annotations

import datetime
import logging
import os
import threading
import traceback
from typing import TYPE_CHECKING, Any, Callable, Sequence

from jupyter_sacred import _storage
from jupyter_sacred._dispatch import ObserverGroup
from jupyter_sacred.errors import ArtifactNameError
from jupyter_sacred.heartbeat import Heartbeat
from jupyter_sacred.interrupts import SacredInterrupt
from jupyter_sacred.metrics import MetricsLogger
from jupyter_sacred.status import RunStatus

if TYPE_CHECKING:
    import datetime as dt  # noqa: F401

logger = logging.getLogger(__name__)

RunListener = Callable[["Run", str], None]


def check_artifact_name(name: str) -> str:
    """Return ``name`` if it is a plain file name inside the run folder, else raise ``ArtifactNameError``."""
    if not isinstance(name, str) or not name:
        raise ArtifactNameError(str(name), "it must be a non-empty string")
    if "\x00" in name:
        raise ArtifactNameError(name, "it contains a NUL character")
    if os.path.isabs(name) or name.startswith(("/", "\\")):
        raise ArtifactNameError(name, "it is an absolute path")
    parts = name.replace("\\", "/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ArtifactNameError(name, "it contains an empty, '.' or '..' path part")
    if name in _storage.RECORD_FILES:
        raise ArtifactNameError(name, "that name is one of the run's own record files")
    return name


def _existing_file(filename: str | os.PathLike[str], what: str) -> str:
    """Return the absolute path of ``filename``; raise if it is not an existing regular file."""
    filename = os.path.abspath(os.fspath(filename))
    if os.path.isdir(filename):
        raise IsADirectoryError(f"{what} {filename} is a folder: add the files in it one by one, or an archive of it")
    if not os.path.isfile(filename):
        raise FileNotFoundError(f"{what} file not found: {filename}")
    return filename


class Run:
    """A run: config, main function, observers, and everything recorded while it executes.

    Create runs with ``Experiment.run`` or the ``%%experiment`` magic, not directly.

    Once the main function has returned or raised, ``log_scalar``,
    ``add_artifact``, ``add_resource`` and ``open_resource`` raise
    ``RuntimeError``, because the observers have recorded the run's end (and
    may be recording a later run). A thread that records into a run must be
    joined before the main function returns.
    """

    def __init__(
        self,
        *,
        config: dict,
        config_modifications: Any,
        main_function: Callable[["Run"], Any],
        observers: Sequence[Any],
        experiment_info: dict,
        host_info: dict,
        meta_info: dict,
        command: str,
        beat_interval: float,
        capture_mode: str | None = None,
        captured_out_filter: Callable[[str], str] | None = None,
        queue_only: bool = False,
        info: dict | None = None,
        run_id: Any = None,
        root_logger: logging.Logger | None = None,
        on_seed: Callable[[int], None] | None = None,
    ) -> None:
        self._id = run_id
        self.config = config
        self.config_modifications = config_modifications
        self.main_function = main_function
        self.experiment_info = experiment_info
        self.host_info = host_info
        self.meta_info = meta_info
        self.command = command
        self.beat_interval = beat_interval
        self.capture_mode = capture_mode
        self.captured_out_filter = captured_out_filter
        self.queue_only = queue_only
        self.info: dict = info if info is not None else {}
        self.result: Any = None
        self.status: str = "NOT_STARTED"
        self.start_time: dt.datetime | None = None
        self.stop_time: dt.datetime | None = None
        self.beat_time: dt.datetime | None = None
        self.fail_trace: list[str] | None = None
        # Suspicious config changes found when the run was created (Sacred logs them).
        self.config_warnings: list[str] = []
        self.captured_out = ""
        self.run_logger = root_logger or logging.getLogger("jupyter_sacred.run")
        self.metrics = MetricsLogger()
        self.log_scalar = self.metrics.log_scalar
        self._ended = False
        self.observers = ObserverGroup(observers)
        self._on_seed = on_seed
        self._listeners: list[RunListener] = []
        self._started = False
        self._capture: Any = None
        self._output: Any = None
        self._beat_lock = threading.Lock()

    # ---- public API used inside a run -------------------------------------------------

    def add_listener(self, listener: RunListener) -> None:
        """Call ``listener(run, event)`` after each event ("started", "heartbeat", terminal status)."""
        self._listeners.append(listener)

    def add_artifact(
        self, filename: str | os.PathLike[str], name: str | None = None,
        metadata: dict | None = None, content_type: str | None = None,
    ) -> None:
        """Store ``filename`` with the run under ``name`` (its base name by default)."""
        self._check_not_ended()
        filename = _existing_file(filename, "artifact")
        name = check_artifact_name(os.path.basename(filename) if name is None else name)
        if content_type is None:
            content_type = _guess_content_type(filename)
        self.observers.safe_call(
            "artifact_event", name=name, filename=filename, metadata=metadata, content_type=content_type
        )

    def add_resource(self, filename: str | os.PathLike[str]) -> None:
        """Record ``filename`` as a file the run read."""
        self._check_not_ended()
        filename = _existing_file(filename, "resource")
        self.observers.safe_call("resource_event", filename=filename)

    def open_resource(self, filename: str | os.PathLike[str], mode: str = "r"):
        """Record ``filename`` as a resource and open it."""
        self.add_resource(filename)
        return open(os.path.abspath(os.fspath(filename)), mode)

    def _check_not_ended(self, *args: Any, **kwargs: Any) -> None:
        if self._ended:
            raise RuntimeError(
                f"run {self._id} has ended ({self.status}): record metrics, artifacts and resources "
                "before its main function returns, and join the threads that record them"
            )

    def _end_recording(self) -> None:
        """Make later recording calls raise; points logged before this still reach the final beat."""
        self._ended = True
        # log_scalar is the metrics logger's bound method (no extra call per point) until now.
        self.log_scalar = self._check_not_ended

    # ---- lifecycle -------------------------------------------------------------------

    def __call__(self) -> Any:
        """Execute the run: start, main function, beats, exactly one terminal event, join."""
        __tracebackhide__ = True  # noqa: F841  (IPython hides engine frames from tracebacks)
        if self._started:
            raise RuntimeError("a run can only be started once; create a new run with ex.run()")
        self._started = True
        if self._on_seed is not None and "seed" in self.config:
            self._on_seed(self.config["seed"])
        if self.queue_only:
            return self._queue()
        try:
            return self._execute()
        finally:
            self.observers.join()
            if self.observers.failed:
                logger.warning(
                    "run %s: these observers failed and missed events: %s", self._id, self.observers.failed
                )

    def _queue(self) -> None:
        self.status = RunStatus.QUEUED.value
        queue_time = _storage.utcnow()
        self.meta_info["queue_time"] = queue_time
        self._id = self.observers.start(
            "queued_event", self._id, ex_info=self.experiment_info, command=self.command,
            host_info=self.host_info, queue_time=queue_time, config=self.config, meta_info=self.meta_info,
        )
        self._notify("QUEUED")
        return None

    def _execute(self) -> Any:
        __tracebackhide__ = True  # noqa: F841
        from jupyter_sacred.capture import capture_output, new_captured_output

        heartbeat = Heartbeat(self._beat, self.beat_interval)
        self._output = new_captured_output(self.captured_out_filter)
        try:
            with capture_output(self.capture_mode or "no") as capture:
                self._capture = capture
                self.status = RunStatus.RUNNING.value
                self.start_time = _storage.utcnow()
                self._id = self.observers.start(
                    "started_event", self._id, ex_info=self.experiment_info, command=self.command,
                    host_info=self.host_info, start_time=self.start_time, config=self.config,
                    meta_info=self.meta_info,
                )
                self.run_logger.info("Running command '%s'", self.command)
                if self._id is None:
                    self.run_logger.info("Started")
                else:
                    self.run_logger.info('Started run with ID "%s"', self._id)
                self._notify("started")
                heartbeat.start()
                result = self.main_function(self)
                self.result = result
                self.stop_time = _storage.utcnow()
                if self.result is not None:
                    self.run_logger.info("Result: %r", self.result)
                self.run_logger.info("Completed after %s", self._elapsed())
        except BaseException as error:
            self._finish_with_error(error, heartbeat)
            raise
        self._end_recording()
        heartbeat.stop()
        self._capture = None
        self.status = RunStatus.COMPLETED.value
        self.observers.final_call("completed_event", stop_time=self.stop_time, result=self.result)
        self._notify(self.status)
        return self.result

    def _finish_with_error(self, error: BaseException, heartbeat: Heartbeat) -> None:
        self.stop_time = _storage.utcnow()
        self._end_recording()
        if self.start_time is None:  # an observer failed to start: nothing was recorded as running
            self.status = RunStatus.FAILED.value
            self.fail_trace = _format_trace(error)
            self.observers.final_call("failed_event", fail_time=self.stop_time, fail_trace=self.fail_trace)
            self._notify(self.status)
            return
        heartbeat.stop()
        self._capture = None
        if isinstance(error, (KeyboardInterrupt, SacredInterrupt)):
            self.status = getattr(error, "STATUS", RunStatus.INTERRUPTED.value)
            self.run_logger.warning("Aborted after %s with status %s", self._elapsed(), self.status)
            self.observers.final_call("interrupted_event", interrupt_time=self.stop_time, status=self.status)
        else:
            self.status = RunStatus.FAILED.value
            self.fail_trace = _format_trace(error)
            self.run_logger.error("Failed after %s!", self._elapsed())
            self.observers.final_call("failed_event", fail_time=self.stop_time, fail_trace=self.fail_trace)
        self._notify(self.status)

    def _elapsed(self) -> str:
        if self.start_time is None or self.stop_time is None:
            return "0:00:00"
        seconds = round((self.stop_time - self.start_time).total_seconds())
        return str(datetime.timedelta(seconds=seconds))

    def _beat(self) -> None:
        with self._beat_lock:
            self.beat_time = _storage.utcnow()
            self._read_output()
            metrics_by_name = self.metrics.drain_chunks()
            self.observers.beat(
                metrics_by_name,
                {"info": self.info, "captured_out": self.captured_out, "beat_time": self.beat_time,
                 "result": self.result},
            )
        self._notify("heartbeat")

    def _read_output(self) -> None:
        capture = self._capture
        if capture is not None:
            new_text = capture.read()
            if new_text:
                self._output.append(new_text)
        if self._output is not None:
            self.captured_out = self._output.text

    def _notify(self, event: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(self, event)
            except Exception:
                logger.exception("run listener %r failed on %s", listener, event)

    def __repr__(self) -> str:
        return f"<Run {self._id} {self.command!r} {self.status}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Show the run in a notebook: status, plots of its metrics, info, output and config."""
        from jupyter_sacred.notebook.display import run_mimebundle

        return run_mimebundle(self, include, exclude)


def _format_trace(error: BaseException) -> list[str]:
    """Format ``error`` as Sacred's ``fail_trace``, without this module's own frames."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename in _ENGINE_FILES:
        tb = tb.tb_next
    return traceback.format_exception(type(error), error, tb)


_ENGINE_FILES = {__file__}


def register_engine_file(path: str) -> None:
    """Hide frames of ``path`` from the top of fail traces (the engine's own wrappers)."""
    _ENGINE_FILES.add(path)


def _guess_content_type(filename: str) -> str | None:
    try:
        from jupyter_sacred.collect import guess_content_type
    except ImportError:
        import mimetypes

        return mimetypes.guess_type(filename, strict=True)[0]
    return guess_content_type(filename)
