"""Git state of the folder a source file lives in, via GitPython."""

from __future__ import annotations

import logging
import os
import re
from typing import Any

logger = logging.getLogger(__name__)


def get_repository_info(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Return ``{"url", "commit", "dirty"}`` for the git repository containing ``path``.

    ``path`` may be a file or a folder. ``url`` is the ``origin`` remote's url, else ``"git:/"`` followed by the
    working tree's path, as Sacred 0.8.7 writes it. ``dirty`` ignores untracked
    files. Returns None when ``path`` is not in a repository, when GitPython or
    the git executable is missing, or when the repository has no commit yet.
    """
    path = os.fspath(path)
    folder = path if os.path.isdir(path) else os.path.dirname(path) or "."

    try:
        import git
    except ImportError as exc:  # GitPython missing, or it cannot find the git executable
        logger.warning("Cannot record git state for %s: %s", folder, exc)
        return None

    try:
        repo = git.Repo(folder, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None

    try:
        with repo:
            # One `git status` subprocess instead of is_dirty()'s two `git diff`
            # calls; HEAD is resolved from the refs without a subprocess.
            status = repo.git.execute(["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"])
            return {
                "url": _remote_url(repo),
                "commit": git.SymbolicReference.dereference_recursive(repo, "HEAD"),
                "dirty": bool(status),
            }
    except ValueError:
        # HEAD points at a branch without commits.
        logger.info("Git repository %s has no commit yet; not recording it", repo.working_dir)
        return None
    except git.GitError as exc:
        logger.warning("Cannot read the git state of %s: %s", repo.working_dir, exc)
        return None


def _remote_url(repo: Any) -> str:
    try:
        url = repo.remote("origin").url
    except ValueError:  # no remote named origin
        return "git:/" + str(repo.working_dir)
    # https://token@host/... or scheme://user:password@host/...: credentials must not reach a store.
    # A plain user name such as ssh://git@host/... is kept.
    return _HTTP_USERINFO.sub(r"\1", _PASSWORD.sub(r"\1", url))


_HTTP_USERINFO = re.compile(r"^(https?://)[^@/]*@", re.IGNORECASE)
_PASSWORD = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^@/:]*:[^@/]*@")
