"""Package dependencies of a run: which installed distributions its modules come from."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import inspect
import logging
import os
import re
import sys
import threading
from types import ModuleType
from typing import Iterable

logger = logging.getLogger(__name__)

try:
    from packaging.version import InvalidVersion, Version
except ImportError:  # packaging is optional; fall back to the regex below
    Version = None  # type: ignore[assignment,misc]

# PEP 440 public and local versions, used only when `packaging` is not installed.
_PEP440_VERSION = re.compile(
    r"""
    ^v?
    (?:\d+!)?                                   # epoch
    \d+(?:\.\d+)*                               # release
    (?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?\d*)?   # pre-release
    (?:-\d+|[-_.]?(?:post|rev|r)[-_.]?\d*)?     # post-release
    (?:[-_.]?dev[-_.]?\d*)?                     # development release
    (?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?         # local version label
    $
    """,
    re.VERBOSE | re.IGNORECASE,
)

# Top-level modules that never count as dependencies: the standard library and
# the packaging tools every environment has.
NON_DEPENDENCY_MODULES = (
    frozenset(sys.stdlib_module_names)
    | frozenset(sys.builtin_module_names)
    | {"pip", "setuptools", "wheel", "pkg_resources", "easy_install", "_distutils_hack"}
)


@dataclasses.dataclass(frozen=True)
class PackageDependency:
    """An installed distribution a run depends on; stored as ``"name==version"``."""

    name: str
    version: str | None

    def to_json(self) -> str:
        return f"{self.name}=={self.version or '<unknown>'}"


def is_valid_version(version: str) -> bool:
    """Tell whether ``version`` is a PEP 440 version (via `packaging` when it is installed)."""
    if Version is not None:
        try:
            Version(version)
        except InvalidVersion:
            return False
        return True
    return _PEP440_VERSION.match(version) is not None


def validate_version(name: str, version: str) -> None:
    """Raise `ValueError` unless ``version`` of the package dependency ``name`` is a PEP 440 version."""
    if not isinstance(version, str) or not is_valid_version(version):
        raise ValueError(
            f"invalid version {version!r} for package dependency {name!r}: "
            "expected a PEP 440 version such as '1.2.3'"
        )


def make_package_dependency(name: str, version: str) -> PackageDependency:
    """Build the dependency that ``ex.add_package_dependency(name, version)`` declares.

    Raises `ValueError` when ``version`` is not a PEP 440 version.
    """
    validate_version(name, version)
    return PackageDependency(name, version)


def project_name(distribution_name: str) -> str:
    """Spell a distribution name as Sacred does (pkg_resources' ``safe_name``).

    Runs of characters other than letters, digits and dots become one ``-``, so
    ``typing_extensions`` is stored as ``typing-extensions``.
    """
    return re.sub(r"[^A-Za-z0-9.]+", "-", distribution_name)


class DistributionIndex:
    """Maps top-level module names to installed distributions and their versions.

    A distribution provides the modules listed in its ``top_level.txt``, else
    the top-level modules among the files it installed (as
    ``importlib.metadata.packages_distributions`` does). The index is rebuilt
    when a ``sys.path`` folder that contains distribution metadata changes
    its modification time, which installing or removing a package does.
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._modules: dict[str, list[str]] = {}
        self._versions: dict[str, str] = {}
        self._metadata_folders: dict[str, tuple[int, bool]] = {}
        self._lock = threading.Lock()

    def lookup(self, module_name: str, *, refresh: bool = True) -> list[PackageDependency]:
        """Return the distributions providing ``module_name``; pass ``refresh=False`` in loops after `refresh`."""
        if refresh:
            self.refresh()
        return [
            PackageDependency(project_name(dist), self._versions.get(dist))
            for dist in self._modules.get(module_name, ())
        ]

    def all_distributions(self) -> list[PackageDependency]:
        self.refresh()
        return [PackageDependency(project_name(dist), version) for dist, version in self._versions.items()]

    def refresh(self) -> None:
        """Rebuild the index if a metadata folder on ``sys.path`` changed since the last build."""
        with self._lock:
            self._refresh_locked()

    def _refresh_locked(self) -> None:
        key = self._sys_path_state()
        if key == self._key:
            return

        modules: dict[str, set[str]] = {}
        versions: dict[str, str] = {}
        for dist in importlib.metadata.distributions():
            name = dist.metadata["Name"]
            if not name or name in versions:  # the first one on sys.path wins, as in imports
                continue
            versions[name] = dist.version
            for module in _top_level_modules(dist):
                modules.setdefault(module, set()).add(name)
        self._modules = {module: sorted(dists) for module, dists in modules.items()}
        self._versions = versions
        self._key = key

    def _sys_path_state(self) -> tuple:
        """Return the ``sys.path`` folders that contain distribution metadata, with their mtimes."""
        state = []
        for entry in sys.path:
            folder = entry or "."
            try:
                mtime = os.stat(folder).st_mtime_ns
            except OSError:
                continue
            known = self._metadata_folders.get(folder)
            if known is None or known[0] != mtime:
                known = (mtime, _contains_metadata(folder))
                self._metadata_folders[folder] = known
            if known[1]:
                state.append((folder, mtime))
        return tuple(state)


def _contains_metadata(folder: str) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(entry.name.endswith((".dist-info", ".egg-info")) for entry in entries)
    except OSError:
        return False


def _top_level_modules(dist: importlib.metadata.Distribution) -> set[str]:
    declared = dist.read_text("top_level.txt")
    if declared is not None:
        return {line.strip() for line in declared.splitlines() if line.strip()}

    modules = set()
    for path in dist.files or ():
        module_name = inspect.getmodulename(path.name)
        if module_name is None:  # not a Python module or extension module
            continue
        candidate = path.parts[0] if len(path.parts) > 1 else module_name
        if candidate.isidentifier() and candidate != "__pycache__":
            modules.add(candidate)
    return modules


DISTRIBUTIONS = DistributionIndex()


def dependencies_of_modules(modules: Iterable[tuple[str, ModuleType]]) -> set[PackageDependency]:
    """Return the distributions that provide the given non-local top-level modules.

    Names with a dot or a leading underscore and standard-library modules are
    skipped, as are modules that no installed distribution provides.
    """
    DISTRIBUTIONS.refresh()
    dependencies: set[PackageDependency] = set()
    for name, _module in modules:
        if "." in name or name.startswith("_") or name in NON_DEPENDENCY_MODULES:
            continue
        for dependency in DISTRIBUTIONS.lookup(name, refresh=False):
            if dependency.version is not None:
                dependencies.add(dependency)
    return dependencies


def installed_dependencies() -> set[PackageDependency]:
    """Return every installed distribution except those at version 0.0.0 (Sacred's ``pkg`` mode)."""
    return {dep for dep in DISTRIBUTIONS.all_distributions() if dep.version != "0.0.0"}


def numpy_dependency() -> PackageDependency | None:
    """Return numpy's dependency when numpy is installed; Sacred always records it for seeding."""
    found = DISTRIBUTIONS.lookup("numpy")
    return found[0] if found else None
