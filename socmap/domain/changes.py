"""What a write touched, so each view can decide whether to refresh (Anki's OpChanges)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Changes:
    """Kinds of record and ids touched by one write.

    ``kinds`` holds entity names such as ``"ocg"``, ``"nominal"``, ``"location"``, ``"area"``;
    ``ids`` maps a kind to the ids touched (empty when the whole kind may have changed).
    """

    kinds: frozenset[str] = frozenset()
    ids: dict[str, frozenset[int]] = field(default_factory=dict)

    @staticmethod
    def of(kind: str, *ids: int) -> Changes:
        """Changes to ``ids`` of one kind (no ids: the whole kind)."""
        return Changes(frozenset({kind}), {kind: frozenset(ids)} if ids else {})

    @staticmethod
    def everything() -> Changes:
        """A change that may have touched anything (imports, restores)."""
        return Changes(frozenset({"*"}))

    def __or__(self, other: Changes) -> Changes:
        ids = dict(self.ids)
        for kind, touched in other.ids.items():
            ids[kind] = ids.get(kind, frozenset()) | touched
        return Changes(self.kinds | other.kinds, ids)

    def touches(self, *kinds: str) -> bool:
        """True when this change may affect any of ``kinds``."""
        return "*" in self.kinds or any(k in self.kinds for k in kinds)

    @property
    def empty(self) -> bool:
        """True when nothing was changed."""
        return not self.kinds
