"""`ConfigSummary`: which config entries a run's updates and named configs changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._paths import iter_prefixes, join_paths


class ConfigSummary:
    """The config modifications of a run (Sacred's `run.config_modifications`).

    `added` contains the dotted paths set by an update or named config but
    absent from the defaults. `modified` contains the paths whose value
    differs from the default, plus every parent of an added, modified or
    typechanged path. `typechanged` maps paths to (old type, new type), and
    `docs` maps paths to the comments found in config scopes. The three are
    kept disjoint, because typechanged paths leave `added` and `modified`
    and added paths leave `modified`.
    """

    def __init__(
        self,
        added: Iterable[str] = (),
        modified: Iterable[str] = (),
        typechanged: Mapping[str, tuple[type, type]] | None = None,
        docs: Mapping[str, str] | None = None,
    ):
        self.added: set[str] = set(added)
        self.modified: set[str] = set(modified)
        self.typechanged: dict[str, tuple[type, type]] = dict(typechanged or {})
        self.docs: dict[str, str] = dict(docs or {})
        self.ensure_coherence()

    def update_from(self, other: ConfigSummary, path: str = "") -> None:
        """Merge the summary of one config scope evaluated with the updates fixed.

        A path stays added only if that scope did not define it either.
        Docs already present are kept.
        """
        self.added &= {join_paths(path, key) for key in other.added}
        self.modified |= {join_paths(path, key) for key in other.modified}
        self.typechanged.update(
            {join_paths(path, key): types for key, types in other.typechanged.items()}
        )
        self.ensure_coherence()
        for key, doc in other.docs.items():
            if not self.docs.get(key, ""):
                self.docs[key] = doc

    def ensure_coherence(self) -> None:
        """Mark the parents of changed paths as modified and make the sets disjoint."""
        self.modified |= {prefix for key in self.added for prefix in iter_prefixes(key)}
        self.modified |= {prefix for key in set(self.modified) for prefix in iter_prefixes(key)}
        self.modified |= {prefix for key in self.typechanged for prefix in iter_prefixes(key)}

        self.added -= set(self.typechanged)
        self.modified -= set(self.typechanged)
        self.modified -= self.added

    def __repr__(self) -> str:
        return (
            f"ConfigSummary(added={sorted(self.added)!r}, modified={sorted(self.modified)!r}, "
            f"typechanged={self.typechanged!r}, docs={self.docs!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConfigSummary):
            return NotImplemented
        return (self.added, self.modified, self.typechanged, self.docs) == (
            other.added,
            other.modified,
            other.typechanged,
            other.docs,
        )
