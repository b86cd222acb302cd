"""A save that met someone else's newer save: what differs, who changed it, and resolving it.

The services refuse a stale save with ``ConflictError`` (optimistic ``version`` columns). The
app then asks :func:`ocg_conflict` for the differences field by field (my value, their value,
and who changed theirs and when, from the audit trail) and lets the analyst keep theirs, keep
mine or merge (:mod:`socmap.domain.merge`); :func:`resolved` gives the record to save over
their version. No Qt here: the dialog is a thin view of an :class:`EditConflict`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from socmap.domain.errors import NotFoundError
from socmap.domain.groups import Ocg
from socmap.domain.merge import FieldMerge, Pick, Resolution, resolve, three_way
from socmap.domain.vocab import MARKETS
from socmap.store import areas, audit, groups
from socmap.store.db import Store

#: How each OCG field is named to people.
OCG_LABELS = {
    "name": "Name",
    "status": "Status",
    "aliases": "Aliases",
    "primary_market": "Primary market",
    "secondary_markets": "Secondary markets",
    "enablers": "Enablers",
    "lead_area_id": "Lead area",
    "lro": "LRO",
    "identified_on": "Identified on",
    "archived_on": "Archived on",
    "marking": "Marking",
    "references": "References",
    "notes": "Notes",
}
#: Audit actions that read a record rather than change it.
_READS = frozenset({"view", "export"})


@dataclass(frozen=True)
class FieldDifference:
    """One field as the conflict dialog shows it."""

    merge: FieldMerge
    label: str
    mine_text: str
    theirs_text: str
    changed_by: str
    changed_at: str

    @property
    def field(self) -> str:
        """The field's name in the record."""
        return self.merge.field


@dataclass(frozen=True)
class EditConflict:
    """My edit of a record and the newer save it met."""

    ref: str
    base: Any
    mine: Any
    theirs: Any
    differences: tuple[FieldDifference, ...]
    last_changed_by: str
    last_changed_at: str

    def resolved(
        self, resolution: Resolution, picks: Mapping[str, Pick] | None = None
    ) -> Any | None:
        """The record to save over theirs, or None (keep theirs: nothing is saved)."""
        return resolve(self.base, self.mine, self.theirs, resolution, picks)


def _when(ts: str) -> str:
    """An audit time as people read it ('2026-12-06 14:31 UTC')."""
    try:
        moment = dt.datetime.fromisoformat(ts)
    except ValueError:
        return ts
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _attribution(
    store: Store, entity: str, entity_id: int, fields: list[str]
) -> tuple[dict[str, tuple[str, str]], tuple[str, str]]:
    """Who last changed each of ``fields`` and when (from the trail), and who saved last."""
    rows = [
        r
        for r in audit.rows(store, entity=entity, entity_id=str(entity_id), limit=200)
        if r.action not in _READS
    ]
    last = (rows[0].actor, _when(rows[0].ts)) if rows else ("someone", "")
    found: dict[str, tuple[str, str]] = {}
    for row in rows:  # newest first: the newest save that touched a field changed it last
        try:
            after = json.loads(row.payload or "{}").get("after") or {}
        except (ValueError, AttributeError):
            after = {}
        if not isinstance(after, dict):
            continue
        for name in fields:
            if name not in found and name in after:
                found[name] = (row.actor, _when(row.ts))
    return {name: found.get(name, last) for name in fields}, last


def _ocg_text(store: Store) -> Callable[[str, Any], str]:
    area_names = {int(a.id): a.name for a in areas.list_areas(store)}

    def text(field: str, value: Any) -> str:
        if value is None or value in ("", ()):
            return "—"
        if field == "lead_area_id":
            return area_names.get(int(value), f"area {value}")
        if field == "primary_market":
            return MARKETS.get(value, str(value))
        if field == "secondary_markets":
            return ", ".join(MARKETS.get(m, m) for m in value)
        if field == "references":
            return "; ".join(f"{r.system}: {r.value}" for r in value)
        if field == "status":
            return str(getattr(value, "value", value)).capitalize()
        if isinstance(value, tuple):
            return ", ".join(str(v) for v in value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    return text


def ocg_conflict(store: Store, *, base: Ocg, mine: Ocg) -> EditConflict:
    """The differences between my edit of an OCG (started from ``base``) and its saved state.

    Raises:
        NotFoundError: the group was removed meanwhile.
    """
    assert base.id is not None
    try:
        theirs = groups.get_ocg(store, base.id)
    except NotFoundError:
        raise NotFoundError(
            f"{base.display_id} was removed by someone else; your edit cannot be saved"
        ) from None
    merges = three_way(base, mine, theirs)
    text = _ocg_text(store)
    who, last = _attribution(store, "ocg", base.id, [m.field for m in merges])
    return EditConflict(
        ref=base.display_id,
        base=base,
        mine=mine,
        theirs=theirs,
        differences=tuple(
            FieldDifference(
                merge=m,
                label=OCG_LABELS.get(m.field, m.field.replace("_", " ")),
                mine_text=text(m.field, m.mine),
                theirs_text=text(m.field, m.theirs),
                changed_by=who[m.field][0] if m.they_changed else "",
                changed_at=who[m.field][1] if m.they_changed else "",
            )
            for m in merges
        ),
        last_changed_by=last[0],
        last_changed_at=last[1],
    )
