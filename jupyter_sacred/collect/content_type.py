"""Content types for artifacts, guessed from the file name as Sacred's MongoObserver does.

Sacred 0.8.7 loads Debian's mime.types list on top of Python's built-in
``mimetypes`` table, so its guesses do not depend on the machine. We return the
same guesses for the extensions in `CONTENT_TYPES` without shipping that list:
our table comes first, and Python's built-in table (``strict=True``, never the
system's mime.types files) guesses the rest. For an extension in neither table
we return None where Sacred may know a type.
"""

from __future__ import annotations

import logging
import mimetypes
import os

logger = logging.getLogger(__name__)

# Extension (lower case) -> content type, or None where Sacred 0.8.7 finds no type.
# Each value is Sacred's guess. The table lists the common artifact types and
# every extension where Python 3.11's built-in table disagrees with Sacred.
# The None entries stop newer Python versions, whose built-in table grows,
# from guessing where Sacred does not.
CONTENT_TYPES: dict[str, str | None] = {
    # images
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jp2": "image/jp2",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".svgz": "image/svg+xml",
    ".bmp": "image/x-ms-bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".ico": "image/vnd.microsoft.icon",
    ".webp": None,
    # text, markup and documents
    ".txt": "text/plain",
    ".text": "text/plain",
    ".asc": "text/plain",
    ".pot": "text/plain",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".css": "text/css",
    ".xml": "application/xml",
    ".xsl": "application/xslt+xml",
    ".rdf": "application/rdf+xml",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".pdf": "application/pdf",
    ".ps": "application/postscript",
    ".eps": "application/postscript",
    ".tex": "text/x-tex",
    ".bib": "text/x-bibtex",
    ".rtf": "application/rtf",
    ".ics": "text/calendar",
    ".vcf": "text/vcard",
    ".diff": "text/x-diff",
    ".patch": "text/x-diff",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".epub": "application/epub+zip",
    ".yaml": None,
    ".yml": None,
    ".toml": None,
    ".log": None,
    ".ipynb": None,
    # source code
    ".py": "text/x-python",
    ".js": "application/javascript",
    ".mjs": "application/javascript",
    ".sh": "text/x-sh",
    ".csh": "text/x-csh",
    ".bat": "application/x-msdos-program",
    ".c": "text/x-csrc",
    ".h": "text/x-chdr",
    ".cc": "text/x-c++src",
    ".cpp": "text/x-c++src",
    ".cxx": "text/x-c++src",
    ".hpp": "text/x-c++hdr",
    ".java": "text/x-java",
    ".scala": "text/x-scala",
    ".hs": "text/x-haskell",
    ".pl": "text/x-perl",
    ".rb": "application/x-ruby",
    ".tcl": "text/x-tcl",
    ".sql": "application/x-sql",
    # audio and video
    ".mp4": "video/mp4",
    ".mpeg": "video/mpeg",
    ".mpg": "video/mpeg",
    ".mov": "video/quicktime",
    ".avi": "video/x-msvideo",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".ogv": "video/ogg",
    ".flv": "video/x-flv",
    ".wmv": "video/x-ms-wmv",
    ".3gp": "video/3gpp",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mpeg",
    ".aac": "audio/aac",
    ".wav": "audio/x-wav",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
    ".mid": "audio/midi",
    ".midi": "audio/midi",
    ".ra": "audio/x-realaudio",
    ".ram": "audio/x-pn-realaudio",
    ".m3u": "audio/x-mpegurl",
    ".m3u8": "application/x-mpegURL",
    # fonts
    ".ttf": "font/ttf",
    ".otf": "font/ttf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    # binary data, programs and archives
    ".bin": "application/octet-stream",
    ".h5": "application/x-hdf5",
    ".cdf": "application/x-cdf",
    ".nc": "application/x-netcdf",
    ".exe": "application/x-msdos-program",
    ".dll": "application/x-msdos-program",
    ".o": "application/x-object",
    ".jar": "application/java-archive",
    ".iso": "application/x-iso9660-image",
    ".zip": "application/zip",
    ".tar": "application/x-tar",
    ".7z": "application/x-7z-compressed",
    ".rar": "application/rar",
    ".pt": None,
    ".pth": None,
    ".pkl": None,
    ".pickle": None,
    ".npy": None,
    ".npz": None,
    ".parquet": None,
    ".onnx": None,
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
