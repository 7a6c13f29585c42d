"""Content types for artifacts, guessed from the file name as Sacred's MongoObserver does.

Sacred 0.8.7 loads Debian's mime.types list on top of Python's built-in
``mimetypes`` table, so its answers do not depend on the machine. We give the
same answers for the extensions in `CONTENT_TYPES` without shipping that list:
our table comes first, and Python's built-in table (``strict=True``, never the
system's mime.types files) answers for the rest.
"""

from __future__ import annotations

import logging
import mimetypes
import os

logger = logging.getLogger(__name__)

# Extension (lower case) -> content type, or None where Sacred 0.8.7 finds no type.
# Every entry is Sacred's answer; the None entries stop newer Python versions,
# whose built-in table grows, from answering differently.
CONTENT_TYPES: dict[str, str | None] = {
    # images
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".bmp": "image/x-ms-bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".webp": None,
    # text and documents
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".md": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "application/xml",
    ".json": "application/json",
    ".pdf": "application/pdf",
    ".tex": "text/x-tex",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".yaml": None,
    ".yml": None,
    ".log": None,
    ".ipynb": None,
    # source code
    ".py": "text/x-python",
    ".sh": "text/x-sh",
    ".c": "text/x-csrc",
    ".h": "text/x-chdr",
    ".cpp": "text/x-c++src",
    ".java": "text/x-java",
    # audio and video
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".mp3": "audio/mpeg",
    ".wav": "audio/x-wav",
    ".ogg": "audio/ogg",
    ".flac": "audio/flac",
    # binary data and archives
    ".bin": "application/octet-stream",
    ".h5": "application/x-hdf5",
    ".zip": "application/zip",
    ".tar": "application/x-tar",
    ".7z": "application/x-7z-compressed",
    ".pt": None,
    ".pth": None,
    ".pkl": None,
    ".pickle": None,
    ".npy": None,
    ".npz": None,
}

# A private table holding only Python's built-in defaults: MimeTypes() copies
# the module defaults and does not read /etc/mime.types or the Windows registry.
_BUILTIN_TYPES = mimetypes.MimeTypes()


def guess_content_type(filename: str | os.PathLike[str]) -> str | None:
    """Guess the content type of an artifact from its file name, or return None.

    The guess is logged at debug level (Sacred prints it into the captured output).
    """
    name = os.fspath(filename)
    extension = os.path.splitext(name)[1].lower()
    if extension in CONTENT_TYPES:
        content_type = CONTENT_TYPES[extension]
    else:
        content_type = _BUILTIN_TYPES.guess_type(name, strict=True)[0]

    if content_type is None:
        logger.debug("No content type found for artifact %s", name)
    else:
        logger.debug("Using %s as content type of artifact %s", content_type, name)
    return content_type
