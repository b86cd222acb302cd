"""Three-way merge of one record edited by two people at once (no Qt, no database).

``base`` is what the editor started from, ``mine`` what they want to save, ``theirs`` what
someone else saved in the meantime. Each field that now differs between mine and theirs is one
:class:`FieldMerge`; its default pick keeps every change that only one side made (mine where
only I changed it, theirs where only they did) and, where both changed it differently, mine,
flagged as a clash for the person to look at. Nothing is decided silently: the caller shows
every difference and the person confirms.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

#: Fields that identify a record or count its saves: never merged.
NOT_MERGED = frozenset({"id", "version"})


class Pick(enum.Enum):
    """Whose value a merged field takes."""

    MINE = "mine"
    THEIRS = "theirs"


class Resolution(enum.Enum):
    """What the person chose to do with a clash of saves."""

    KEEP_MINE = "keep mine"  # save mine over theirs, knowingly
    TAKE_THEIRS = "take theirs"  # discard my edit
    MERGE = "merge"  # field by field


@dataclass(frozen=True)
class FieldMerge:
    """One field that differs between my edit and theirs."""

    field: str
    base: Any
    mine: Any
    theirs: Any

    @property
    def i_changed(self) -> bool:
        """True when my edit changed this field."""
        return bool(self.mine != self.base)

    @property
    def they_changed(self) -> bool:
        """True when their save changed this field."""
        return bool(self.theirs != self.base)

    @property
    def clash(self) -> bool:
        """True when both changed the field, to different values."""
        return self.i_changed and self.they_changed

    @property
    def default(self) -> Pick:
        """Mine where only I changed it (or both did), theirs where only they did."""
        return Pick.THEIRS if self.they_changed and not self.i_changed else Pick.MINE


def three_way(base: T, mine: T, theirs: T) -> list[FieldMerge]:
    """Every field (of a dataclass record) where ``mine`` and ``theirs`` differ, in field order."""
    out = []
    for f in dataclasses.fields(base):  # type: ignore[arg-type]
        if f.name in NOT_MERGED:
            continue
        m, t = getattr(mine, f.name), getattr(theirs, f.name)
        if m != t:
            out.append(FieldMerge(f.name, getattr(base, f.name), m, t))
    return out


def merge(base: T, mine: T, theirs: T, picks: Mapping[str, Pick] | None = None) -> T:
    """``theirs`` with my value in every field picked MINE; fields not named in ``picks`` take
    their default pick (:attr:`FieldMerge.default`). Keeps ``theirs``' id and version."""
    chosen = {m.field: m.default for m in three_way(base, mine, theirs)}
    chosen.update(picks or {})
    taken = {name: getattr(mine, name) for name, pick in chosen.items() if pick is Pick.MINE}
    return dataclasses.replace(theirs, **taken)  # type: ignore[type-var]


def resolve(
    base: T,
    mine: T,
    theirs: T,
    resolution: Resolution,
    picks: Mapping[str, Pick] | None = None,
) -> T | None:
    """The record to save over ``theirs`` (with their version), or None: nothing to save.

    KEEP_MINE saves my edit whole (their changes to other fields are undone, knowingly);
    TAKE_THEIRS saves nothing; MERGE takes ``picks`` (defaults for fields not named).
    """
    if resolution is Resolution.TAKE_THEIRS:
        return None
    if resolution is Resolution.KEEP_MINE:
        version = {"version": theirs.version} if hasattr(theirs, "version") else {}
        return dataclasses.replace(mine, **version)  # type: ignore[type-var]
    return merge(base, mine, theirs, picks)
