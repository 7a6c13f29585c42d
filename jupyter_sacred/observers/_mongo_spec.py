"""Parse Sacred's ``-m`` database specs and keep credentials out of logs and records."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

# user:password@ (or user@) after a mongodb:// or mongodb+srv:// scheme.
_CREDENTIALS = re.compile(r"(mongodb(?:\+srv)?://)[^@/\s]+@", re.IGNORECASE)

# Sacred 0.8.7's -m grammar: names of at most 64 characters from MongoDB's
# allowed set, an optional host:port prefix, an optional !priority suffix.
_NAME = r"[_A-Za-z][0-9A-Za-z#%&'()+\-;=@\[\]^_{}]{0,63}"
_HOST = r"[0-9A-Za-z](?:[0-9A-Za-z-]{0,61}[0-9A-Za-z])?(?:\.[0-9A-Za-z](?:[0-9A-Za-z-]{0,61}[0-9A-Za-z])?)*"
_HOST_ONLY = re.compile(rf"^(?P<host>{_HOST}):(?P<port>\d{{1,5}})$")
_FULL = re.compile(
    rf"^(?:(?P<host>{_HOST}):(?P<port>\d{{1,5}}):)?(?P<db_name>{_NAME})"
    rf"(?:\.(?P<collection>{_NAME})(?::(?P<overwrite>\d{{1,12}}))?)?"
    rf"(?:!(?P<priority>-?\d+))?$"
)
_PRIORITY_SUFFIX = re.compile(r"!(?P<priority>-?\d+)$")

SPEC_FORMS = "[host:port:]db_name[.collection][!priority], host:port, or a mongodb:// URL"


class MongoSpecError(ValueError):
    """A ``-m``/``%observe mongo`` database spec that cannot be parsed."""

    def __init__(self, spec: str, reason: str) -> None:
        super().__init__(f"invalid MongoDB spec {redact(spec)!r}: {reason}; expected {SPEC_FORMS}")
        self.spec = redact(spec)


def redact(text: str) -> str:
    """Return ``text`` with the credentials of every MongoDB URL in it replaced by ``***``."""
    return _CREDENTIALS.sub(r"\1***@", text)


def server_url(url: str) -> str:
    """Return ``url`` without its database path, credentials redacted: the server part alone."""
    parts = urlsplit(url)
    if not parts.scheme:
        return redact(url)  # host:port
    query = f"?{parts.query}" if parts.query else ""
    return redact(f"{parts.scheme}://{parts.netloc}{query}")


def describe_connection_error(error: Exception) -> str:
    """Return pymongo's connection error in one line, without its topology dump and timeout settings."""
    text = str(error).split(", Timeout: ")[0].split(", Topology Description: ")[0]
    text = re.sub(r" \(configured timeouts:[^)]*\)", "", text)
    # One reason per server, each after its host:port; the same reason is given once.
    reasons = [re.sub(r"^[^\s,]+:\d+: ", "", part.strip()) for part in text.split(",")]
    return redact(", ".join(dict.fromkeys(reason for reason in reasons if reason))) or type(error).__name__


def redact_strings(value: Any) -> Any:
    """Return a copy of ``value`` with credentials redacted from every string inside it."""
    if isinstance(value, str):
        return redact(value) if "@" in value else value
    if isinstance(value, dict):
        return {key: redact_strings(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_strings(item) for item in value)
    return value


def parse_url_spec(spec: str) -> dict[str, Any]:
    """Turn a database spec into ``MongoObserver`` keyword arguments.

    Accepted forms are Sacred's ``[host:port:]db_name[.collection][!priority]``
    and ``host:port``, or a ``mongodb://``/``mongodb+srv://`` URL whose path
    names the database (and optionally ``.collection``), optionally followed
    by ``!priority``. Sacred's
    ``db_name.collection:run_id`` (overwrite a run) is rejected.
    """
    spec = spec.strip()
    if not spec:
        raise MongoSpecError(spec, "the spec is empty")
    if spec.lower().startswith(("mongodb://", "mongodb+srv://")):
        return _parse_uri(spec)

    host_only = _HOST_ONLY.match(spec)
    if host_only:
        return {"url": f"{host_only['host']}:{_port(spec, host_only['port'])}"}
    match = _FULL.match(spec)
    if match is None:
        raise MongoSpecError(spec, "it matches none of the accepted forms")
    if match["overwrite"] is not None:
        raise MongoSpecError(spec, "overwriting a stored run (':run_id') is not supported")

    kwargs: dict[str, Any] = {"db_name": match["db_name"]}
    if match["host"]:
        kwargs["url"] = f"{match['host']}:{_port(spec, match['port'])}"
    if match["collection"]:
        kwargs["collection"] = match["collection"]
    if match["priority"] is not None:
        kwargs["priority"] = int(match["priority"])
    return kwargs


def _parse_uri(spec: str) -> dict[str, Any]:
    from pymongo.errors import InvalidURI
    from pymongo.uri_parser import parse_uri

    kwargs: dict[str, Any] = {}
    suffix = _PRIORITY_SUFFIX.search(spec)
    if suffix:
        kwargs["priority"] = int(suffix["priority"])
        spec = spec[: suffix.start()]
    if "+srv" in spec.lower():
        # parse_uri would resolve the SRV record here; the client does that when it connects.
        database, _, collection = urlsplit(spec).path.lstrip("/").partition(".")
    else:
        try:
            parsed = parse_uri(spec, validate=True)
        except (InvalidURI, ValueError) as error:
            raise MongoSpecError(spec, redact(str(error))) from None
        database, collection = parsed.get("database"), parsed.get("collection")
    kwargs["url"] = spec
    if database:
        kwargs["db_name"] = database
    if collection:
        kwargs["collection"] = collection
    return kwargs


def _port(spec: str, text: str) -> int:
    port = int(text)
    if not 0 < port < 65536:
        raise MongoSpecError(spec, f"port {port} is out of range 1-65535")
    return port
