"""Source files of a run: the local modules it imports, found as Sacred 0.8.7 finds them."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable, Iterator, Mapping

logger = logging.getLogger(__name__)

BLOCK_SIZE = 1024 * 1024  # bytes read at a time when hashing a file

SOURCE_DISCOVERY_MODES = ("imported", "sys", "dir", "none")
DEPENDENCY_DISCOVERY_MODES = ("imported", "sys", "pkg", "none")


def md5_of_bytes(data: bytes) -> str:
    """Return the md5 hex digest of ``data``, hashed in 1 MiB blocks."""
    digest = hashlib.md5()
    view = memoryview(data)
    for start in range(0, len(view), BLOCK_SIZE):
        digest.update(view[start : start + BLOCK_SIZE])
    return digest.hexdigest()


def md5_of_file(path: str | os.PathLike[str]) -> str:
    """Return the md5 hex digest of the file at ``path``, read in 1 MiB blocks."""
    digest = hashlib.md5()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(BLOCK_SIZE), b""):
            digest.update(block)
    return digest.hexdigest()


_digest_cache: dict[str, tuple[int, int, str]] = {}


def cached_md5_of_file(path: str) -> str:
    """Return `md5_of_file` of ``path``, reusing the digest while its mtime and size are unchanged."""
    stat = os.stat(path)
    cached = _digest_cache.get(path)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    digest = md5_of_file(path)
    _digest_cache[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def source_file_for(filename: str) -> str:
    """Map a compiled ``X.pyc`` to ``X.py`` when that exists; keep any other file as is."""
    if filename.endswith(".pyc") and os.path.exists(filename[:-1]):
        return filename[:-1]
    return filename


def _module_parts(path: Path) -> list[str]:
    parts = list(path.parts)
    if parts[-1] in ("__init__.py", "__init__.pyc"):
        return parts[:-1]
    parts[-1] = os.path.splitext(parts[-1])[0]
    return parts


def is_local_source(filename: str, module_name: str, base_dir: str) -> bool:
    """Tell whether the module ``module_name`` loaded from ``filename`` is a source under ``base_dir``.

    The file must lie below ``base_dir`` and the trailing parts of its path must
    spell the dotted module name, so packages installed into a virtual
    environment inside ``base_dir`` are not sources.
    """
    path = Path(os.path.realpath(filename))
    base = Path(os.path.realpath(base_dir))
    if base not in path.parents:
        return False

    path_parts = _module_parts(path.relative_to(base))
    name_parts = module_name.split(".")
    if path_parts == name_parts:
        return True
    if len(path_parts) > len(name_parts):
        return False
    absolute_parts = _module_parts(path)
    return all(p == m for p, m in zip(reversed(absolute_parts), reversed(name_parts)))


def _prefixes(dotted: str) -> Iterator[str]:
    parts = dotted.split(".")
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])


def imported_module_names(discovery_globals: Mapping[str, Any]) -> list[str]:
    """Return the modules that ``discovery_globals`` refer to, with their parent packages.

    A global counts when it is a module or has a ``__module__``. Sacred 0.8.7
    also skips standard-library names here, which drops local modules that
    share such a name (``data``, ``test``); we do not skip them.
    """
    names: dict[str, None] = {}
    for value in list(discovery_globals.values()):
        if isinstance(value, ModuleType):
            dotted = value.__name__
        else:
            try:
                dotted = getattr(value, "__module__", None)
            except Exception:  # objects whose attribute access raises
                continue
        if not isinstance(dotted, str) or not dotted:
            continue
        for prefix in _prefixes(dotted):
            names[prefix] = None
    return list(names)


def modules_by_name(names: Iterable[str]) -> list[tuple[str, ModuleType]]:
    """Return ``(name, module)`` for each name that is in ``sys.modules``."""
    found = []
    for name in names:
        module = sys.modules.get(name)
        if module is not None:
            found.append((name, module))
    return found


def module_file(module: ModuleType) -> str | None:
    """Return the absolute file a module was loaded from, or None for built-in and namespace modules."""
    try:
        filename = getattr(module, "__file__", None)
    except Exception:
        return None
    if not isinstance(filename, str) or not filename:
        return None
    return os.path.abspath(filename)


# (base_dir, module name, module file) -> whether the module is a local source.
_locality_cache: dict[tuple[str, str, str], bool] = {}


def split_local_modules(
    modules: Iterable[tuple[str, ModuleType]], base_dir: str
) -> tuple[set[str], list[tuple[str, ModuleType]]]:
    """Split modules into the real paths of local source files and the other modules.

    Each module's locality is remembered per process, so a later run only
    resolves paths for modules imported since.
    """
    files: set[str] = set()
    others: list[tuple[str, ModuleType]] = []
    for name, module in modules:
        filename = module_file(module)
        if filename is None:
            others.append((name, module))
            continue

        key = (base_dir, name, filename)
        local = _locality_cache.get(key)
        if local is None:
            local = is_local_source(filename, name, base_dir)
            _locality_cache[key] = local
        if local:
            files.add(os.path.realpath(source_file_for(filename)))
        else:
            others.append((name, module))
    return files, others


def python_files_under(base_dir: str) -> set[str]:
    """Return every ``*.py`` file below ``base_dir`` (the ``dir`` mode).

    Like Sacred 0.8.7 it skips ``__pycache__`` folders. Unlike Sacred it also
    skips virtual environments (folders with a ``pyvenv.cfg``), whose thousands
    of installed modules are not the experiment's sources.
    """
    files: set[str] = set()
    for folder, subfolders, filenames in os.walk(base_dir):
        subfolders[:] = [
            name
            for name in subfolders
            if name != "__pycache__" and not os.path.exists(os.path.join(folder, name, "pyvenv.cfg"))
        ]
        for filename in filenames:
            if filename.endswith(".py"):
                files.add(os.path.realpath(os.path.join(folder, filename)))
    return files
