"""The observer's copy of a run document, and the fields the server has not received yet."""

from __future__ import annotations

import copy
import logging
from typing import Any

from pymongo.errors import DocumentTooLarge, WriteError

from jupyter_sacred.observers._mongo_encode import (
    DOCUMENT_MARGIN_BYTES,
    MAX_DOCUMENT_BYTES,
    cap_text,
    encoded_size,
    sanitize,
)

logger = logging.getLogger(__name__)

# Server error codes for a document over 16 MB after an update.
_TOO_LARGE_CODES = {10334, 17419, 17420}


class RunDocument:
    """A local copy of one run document that sends only changed top-level fields.

    ``save`` ``$set``s every field whose value differs from what the last
    successful save sent, so a save after a lost connection catches up.
    """

    def __init__(self, document: dict[str, Any], captured_out_limit: int, artifact_name: str) -> None:
        self._doc = document
        self._sent = {key: copy.deepcopy(value) for key, value in document.items()}
        self._sizes = {key: encoded_size(value) for key, value in document.items()}
        self._captured_out_limit = captured_out_limit
        self._artifact_name = artifact_name
        self._raw_captured_out = document.get("captured_out", "")
        self._reported_keys: set[str] = set()
        self.full_output: str | None = None
        self.full_output_stored = False

    @property
    def run_id(self) -> Any:
        return self._doc["_id"]

    def get(self, field: str) -> Any:
        return self._doc.get(field)

    def set(self, field: str, value: Any, sanitize_keys: bool = False) -> None:
        """Set a top-level field; with ``sanitize_keys`` rewrite the keys MongoDB rejects first."""
        if sanitize_keys:
            renamed: set[str] = set()
            value = sanitize(value, renamed)
            self._report_renamed(field, renamed)
            # The flattened value may be the caller's live dict, which can change before the next save.
            value = copy.deepcopy(value)
        if field in self._doc and self._doc[field] == value:
            return
        self._doc[field] = value
        self._sizes[field] = encoded_size(value)

    def set_captured_out(self, text: str) -> None:
        """Store the captured output, cut at the front to fit the size limits."""
        if text == self._raw_captured_out:
            return
        self._raw_captured_out = text
        others = sum(size for key, size in self._sizes.items() if key != "captured_out")
        budget = min(self._captured_out_limit, MAX_DOCUMENT_BYTES - DOCUMENT_MARGIN_BYTES - others)
        stored, cut = cap_text(text, max(budget, 0), self._artifact_name)
        if cut:
            self.full_output = text
            self.full_output_stored = False
        self.set("captured_out", stored)

    def add_resource(self, path: str, md5: str) -> None:
        entry = [path, md5]
        if entry not in self._doc["resources"]:
            self.set("resources", [*self._doc["resources"], entry])

    def add_artifact(self, name: str, file_id: Any) -> None:
        self.set("artifacts", [*self._doc["artifacts"], {"name": name, "file_id": file_id}])

    def add_metric_links(self, links: list[dict[str, str]]) -> None:
        """Make sure ``info.metrics`` lists every metric document of the run."""
        info = dict(self._doc.get("info") or {})
        known = {link.get("id") for link in info.get("metrics", []) if isinstance(link, dict)}
        missing = [link for link in links if link["id"] not in known]
        if missing:
            info["metrics"] = [*info.get("metrics", []), *missing]
            self.set("info", info)

    def changes(self) -> dict[str, Any]:
        return {key: value for key, value in self._doc.items() if key not in self._sent or self._sent[key] != value}

    def save(self, runs, upsert: bool) -> None:
        """``$set`` the changed fields; shrink the captured output if the server finds the document too large."""
        changes = self.changes()
        if not changes:
            return
        try:
            self._update(runs, changes, upsert)
        except (DocumentTooLarge, WriteError) as error:
            if isinstance(error, WriteError) and error.code not in _TOO_LARGE_CODES:
                raise
            self._shrink(error)
            self._update(runs, self.changes(), upsert)

    def _update(self, runs, changes: dict[str, Any], upsert: bool) -> None:
        # "_id" is set to its own value on purpose: nx-27017 0.8.1 stores a
        # $set datetime as a string unless the update touches _id (which moves
        # it to its Python code path). A real MongoDB accepts the unchanged _id.
        runs.update_one({"_id": self.run_id}, {"$set": {"_id": self.run_id, **changes}}, upsert=upsert)
        self._sent.update({key: copy.deepcopy(value) for key, value in changes.items()})

    def _shrink(self, error: BaseException) -> None:
        largest = max(("info", "result"), key=lambda key: self._sizes.get(key, 0))
        size = self._sizes.get(largest, 0)
        if size > MAX_DOCUMENT_BYTES // 2:
            logger.error(
                "run %s: %s takes %d bytes, too large for a MongoDB document; storing a note in its place",
                self.run_id, largest, size,
            )
            self.set(largest, {"jupyter_sacred_error": f"{largest} was {size} bytes, over MongoDB's 16 MB limit"})
        logger.warning("run %s: the document is too large (%s); shortening the captured output", self.run_id, error)
        self._captured_out_limit //= 4
        text, self._raw_captured_out = self._raw_captured_out, None
        self.set_captured_out(text)

    def snapshot(self) -> dict[str, Any]:
        """Return a copy of the whole document, with the full captured output if it was cut."""
        document = copy.deepcopy(self._doc)
        if self.full_output is not None:
            document["captured_out"] = self.full_output
        return document

    def _report_renamed(self, field: str, renamed: set[str]) -> None:
        new = sorted(renamed - self._reported_keys)
        if new:
            self._reported_keys.update(new)
            logger.warning(
                "run %s: MongoDB rejects keys with '.' or a leading '$'; renamed in %s: %s",
                self.run_id, field, ", ".join(repr(key) for key in new),
            )
