"""Process-wide defaults, spelled as Sacred's ``SETTINGS``.

Sacred's users write ``SETTINGS.HOST_INFO.CAPTURED_ENV.append("CUDA_VISIBLE_DEVICES")``
and ``SETTINGS.CAPTURE_MODE = "sys"``; the same lines work here. The values are
read once, when a run starts. In notebooks the session exposes the common ones
as traits (``%config SacredMagics.beat_interval = 5``) and passes them to each run.
"""

from __future__ import annotations

from typing import Any


class SettingsNode(dict):
    """A dict whose keys are also attributes; assigning an unknown key is an error."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError as error:
            raise AttributeError(f"unknown setting {key!r}; known: {sorted(self)}") from error

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in self:
            raise AttributeError(f"unknown setting {key!r}; known: {sorted(self)}")
        self[key] = value


def _default_settings() -> SettingsNode:
    return SettingsNode(
        CONFIG=SettingsNode(
            ENFORCE_KEYS_MONGO_COMPATIBLE=True,
            ENFORCE_KEYS_JSONPICKLE_COMPATIBLE=True,
            ENFORCE_KEYS_NO_EQUALS=True,
            ENFORCE_STRING_KEYS=False,
            ENFORCE_VALID_PYTHON_IDENTIFIER_KEYS=False,
            READ_ONLY_CONFIG=False,
            IGNORED_COMMENTS=["^pylint:", "^noinspection"],
        ),
        HOST_INFO=SettingsNode(
            INCLUDE_GPU_INFO=True,
            INCLUDE_CPU_INFO=True,
            CAPTURED_ENV=[],
        ),
        # "auto": "kernel" inside an IPython kernel, "fd" in scripts on Linux and macOS,
        # "sys" on Windows. Sacred's values "fd", "sys" and "no" are accepted as well.
        CAPTURE_MODE="auto",
        DEFAULT_BEAT_INTERVAL=10.0,
        DISCOVER_SOURCES="imported",
        DISCOVER_DEPENDENCIES="imported",
    )


SETTINGS = _default_settings()
