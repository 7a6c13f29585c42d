"""GridFS uploads for sources, resources and artifacts, each file content stored once."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
from typing import Any

logger = logging.getLogger(__name__)

_BLOCK_BYTES = 1024 * 1024


def file_md5(path: str) -> str:
    """Return the hex md5 of a file's content, read in 1 MiB blocks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


def guess_content_type(filename: str) -> str | None:
    """Guess an artifact's content type from its file name (Sacred's table where available)."""
    try:
        from jupyter_sacred.collect import guess_content_type as guess
    except ImportError:
        content_type, _ = mimetypes.guess_type(filename, strict=True)
    else:
        content_type = guess(filename)
    if content_type is None:
        logger.info("no content type found for artifact %s; storing it without one", filename)
    else:
        logger.info("using content type %s for artifact %s", content_type, filename)
    return content_type


def upload_once(fs, path: str, md5: str, query: dict[str, Any], **put_kwargs: Any):
    """Return the GridFS id of a file matching ``query``, uploading ``path`` first if none does.

    pymongo 4 no longer stores an ``md5`` field, so the digest goes into
    ``metadata.md5``, where ``query`` can find it on the next run.
    """
    existing = fs.find_one(query)
    if existing is not None:
        return existing._id
    with open(path, "rb") as handle:
        return fs.put(handle, metadata={"md5": md5}, **put_kwargs)


def upload_sources(fs, ex_info: dict) -> list[list]:
    """Upload the experiment's sources and return Sacred's ``[[name, file_id], ...]`` list.

    A source is reused when a file with the same absolute path and md5 is
    already stored, so running an unchanged script again uploads nothing.
    """
    base_dir = ex_info.get("base_dir") or ""
    stored = []
    for name, md5 in ex_info.get("sources", []):
        path = os.path.join(base_dir, name)
        file_id = upload_once(fs, path, md5, {"filename": path, "metadata.md5": md5}, filename=path)
        stored.append([name, file_id])
    return stored


def upload_resource(fs, path: str) -> str:
    """Store a resource in GridFS unless a file with the same md5 is stored already; return the md5.

    NOTE: two processes that upload the same new resource at the same moment
    can both store it; readers find the content by md5 either way.
    """
    md5 = file_md5(path)
    upload_once(fs, path, md5, {"metadata.md5": md5}, filename=path)
    return md5


def upload_artifact(fs, runs_name: str, run_id: Any, name: str, path: str, metadata, content_type):
    """Store an artifact under Sacred's GridFS name ``artifact://<runs>/<run id>/<name>``; return its id."""
    if content_type is None:
        content_type = guess_content_type(path)
    with open(path, "rb") as handle:
        return fs.put(
            handle,
            filename=f"artifact://{runs_name}/{run_id}/{name}",
            metadata=metadata,
            content_type=content_type,
        )


def upload_text_artifact(fs, runs_name: str, run_id: Any, name: str, text: str):
    """Store ``text`` as a UTF-8 artifact (used for the full captured output); return its id."""
    return fs.put(
        text.encode("utf-8"),
        filename=f"artifact://{runs_name}/{run_id}/{name}",
        metadata=None,
        content_type="text/plain",
    )
