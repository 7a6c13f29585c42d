"""Host info: the machine, operating system and Python a run executes on.

The keys and values follow Sacred 0.8.7's ``sacred.host_info``. Unlike Sacred,
the slow parts (the CPU model and the ``nvidia-smi`` query) are gathered once
per process, and the CPU model is read from ``/proc/cpuinfo`` without a
subprocess.
"""

from __future__ import annotations

import functools
import logging
import os
import platform
import re
import shutil
import subprocess
from typing import Any, Callable, Iterable
from xml.etree import ElementTree

logger = logging.getLogger(__name__)

NVIDIA_SMI_TIMEOUT = 30.0  # seconds; an estimate, since nvidia-smi usually returns within about 1 s


class IgnoreHostInfo(Exception):
    """Raised by a host info getter to leave its key out of the host info."""


class HostInfoGetter:
    """A zero-argument function whose return value is stored under ``name`` in the host info."""

    def __init__(self, getter_function: Callable[[], Any], name: str) -> None:
        self.getter_function = getter_function
        self.name = name

    def __call__(self) -> Any:
        return self.getter_function()

    def get_info(self) -> Any:
        return self.getter_function()

    def __repr__(self) -> str:
        return f"HostInfoGetter({self.getter_function!r}, name={self.name!r})"


def host_info_gatherer(name: str) -> Callable[[Callable[[], Any]], HostInfoGetter]:
    """Turn a zero-argument function into a `HostInfoGetter` that fills the key ``name``.

    Pass the result to ``Experiment(additional_host_info=[...])``.
    """

    def wrapper(func: Callable[[], Any]) -> HostInfoGetter:
        return HostInfoGetter(func, name)

    return wrapper


DEFAULT_HOST_INFO_KEYS = ("hostname", "os", "python_version", "cpu", "gpus", "ENV")


def check_additional_host_info(getters: Iterable[HostInfoGetter]) -> None:
    """Raise `KeyError` if a getter uses a default key or a name another getter already uses.

    Also raises `TypeError` for anything that is not a `HostInfoGetter`.
    """
    seen: set[str] = set()
    for getter in getters:
        if not isinstance(getter, HostInfoGetter):
            raise TypeError(
                f"additional host info must be HostInfoGetter objects, got {getter!r}; "
                "decorate the function with @host_info_gatherer(name)"
            )
        if getter.name in DEFAULT_HOST_INFO_KEYS:
            raise KeyError(
                f"host info key {getter.name!r} of {getter!r} is already a default key; "
                f"choose a name other than {', '.join(DEFAULT_HOST_INFO_KEYS)}"
            )
        if getter.name in seen:
            raise KeyError(
                f"host info key {getter.name!r} is used by more than one additional getter; "
                "give each getter its own name"
            )
        seen.add(getter.name)


def get_host_info(
    additional: Iterable[HostInfoGetter] | None = (),
    *,
    captured_env: Iterable[str] = (),
    include_cpu: bool = True,
    include_gpu: bool = True,
) -> dict[str, Any]:
    """Collect the host info of a run as Sacred stores it.

    The additional getters come first, then the default keys in Sacred's order:
    hostname, os, python_version, cpu, gpus and ENV. ``cpu`` and ``gpus`` are None
    when their ``include_*`` flag is False. ``gpus`` is absent when ``nvidia-smi``
    is missing, fails or prints XML that cannot be parsed. ``ENV`` contains the
    variables named in ``captured_env`` that are set.
    """
    additional = list(additional or ())
    check_additional_host_info(additional)

    host_info: dict[str, Any] = {}
    for getter in additional:
        try:
            host_info[getter.name] = getter()
        except IgnoreHostInfo:
            continue
        except Exception as exc:
            message = f"raised by the host info getter {getter.name!r} ({getter.getter_function!r})"
            if hasattr(exc, "add_note"):  # Python 3.11+
                exc.add_note(message)
            else:
                logger.error("%s %s", type(exc).__name__, message)
            raise

    host_info["hostname"] = platform.node()
    host_info["os"] = [platform.system(), platform.platform()]
    host_info["python_version"] = platform.python_version()
    host_info["cpu"] = get_cpu_model() if include_cpu else None
    if include_gpu:
        gpus = get_gpu_info()
        if gpus is not None:
            host_info["gpus"] = gpus
    else:
        host_info["gpus"] = None
    host_info["ENV"] = {name: os.environ[name] for name in captured_env if name in os.environ}
    return host_info


# ---------------------------------------------------------------- CPU

_MODEL_NAME = re.compile(r"^\s*model name\s*:")


@functools.lru_cache(maxsize=None)
def get_cpu_model() -> str | None:
    """Return the CPU model name, read once per process.

    Linux: the first ``model name`` line of ``/proc/cpuinfo`` (None when there is
    none, as on many ARM machines). macOS: ``sysctl -n machdep.cpu.brand_string``.
    Elsewhere, or when those fail: ``platform.processor()``, else ``"Unknown"``.
    """
    system = platform.system()
    try:
        if system == "Linux":
            return _read_proc_cpuinfo("/proc/cpuinfo")
        if system == "Darwin":
            return _read_sysctl_brand()
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError) as exc:
        logger.warning("Could not read the CPU model on %s: %s", system, exc)
    return platform.processor() or "Unknown"


def _read_proc_cpuinfo(path: str) -> str | None:
    with open(path, encoding="utf-8", errors="replace") as cpuinfo:
        for line in cpuinfo:
            if _MODEL_NAME.match(line):
                return _MODEL_NAME.sub("", line, count=1).strip()
    return None


def _read_sysctl_brand() -> str:
    # sysctl lives in /usr/sbin, which is not always on PATH.
    sysctl = shutil.which("sysctl") or "/usr/sbin/sysctl"
    output = subprocess.check_output([sysctl, "-n", "machdep.cpu.brand_string"], timeout=10)
    return output.decode().strip()


# ---------------------------------------------------------------- GPUs

def get_gpu_info() -> dict[str, Any] | None:
    """Return ``{"gpus": [...], "driver_version": ...}`` from ``nvidia-smi -q -x``, or None.

    None means there is no usable ``nvidia-smi``: it is not on PATH, it fails, or
    its XML cannot be parsed. The result is cached per process for each
    ``nvidia-smi`` executable found on PATH.
    """
    executable = shutil.which("nvidia-smi")
    if executable is None:
        return None
    return _query_nvidia_smi(executable)


@functools.lru_cache(maxsize=None)
def _query_nvidia_smi(executable: str) -> dict[str, Any] | None:
    try:
        output = subprocess.check_output(
            [executable, "-q", "-x"], stderr=subprocess.DEVNULL, timeout=NVIDIA_SMI_TIMEOUT
        )
    except (OSError, subprocess.SubprocessError) as exc:
        logger.info("Leaving gpus out of the host info because %s failed: %s", executable, exc)
        return None

    try:
        return parse_nvidia_smi_xml(output.decode("utf-8", "replace"))
    except (ElementTree.ParseError, AttributeError, ValueError, IndexError) as exc:
        logger.warning("Leaving gpus out of the host info: cannot parse the XML of %s: %s", executable, exc)
        return None


def parse_nvidia_smi_xml(xml: str) -> dict[str, Any]:
    """Parse the output of ``nvidia-smi -q -x`` into Sacred's ``gpus`` value.

    Raises `ElementTree.ParseError` for malformed XML, and `AttributeError` or
    `ValueError` when a ``<gpu>`` element lacks the expected fields.
    """
    gpu_info: dict[str, Any] = {"gpus": []}
    for child in ElementTree.fromstring(xml):
        if child.tag == "driver_version":
            gpu_info["driver_version"] = child.text
        if child.tag != "gpu":
            continue

        total = child.find("fb_memory_usage").find("total").text  # type: ignore[union-attr]
        if total == "Insufficient Permissions":
            # A Multi-Instance GPU (MIG) partition reports its memory per MIG device.
            mig = child.find("mig_devices").find("mig_device")  # type: ignore[union-attr]
            total = mig.find("fb_memory_usage").find("total").text  # type: ignore[union-attr]
        gpu_info["gpus"].append(
            {
                "model": child.find("product_name").text,  # type: ignore[union-attr]
                "total_memory": int(total.split()[0]),  # type: ignore[union-attr]
                "persistence_mode": child.find("persistence_mode").text == "Enabled",  # type: ignore[union-attr]
            }
        )
    return gpu_info
