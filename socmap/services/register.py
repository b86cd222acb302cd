"""Writes to the OCG register. Each function is one transaction with its audit row.

Every function checks the acting account's permission, validates through the domain, writes,
records the audit entry and returns what changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from socmap.domain.changes import Changes
from socmap.domain.errors import NotFoundError, ValidationError
from socmap.domain.groups import (
    Location,
    Membership,
    Nominal,
    Ocg,
    check_transition,
    merged_membership,
    merged_nominal,
    validate_location,
    validate_membership,
    validate_nominal,
    validate_ocg,
)
from socmap.domain.ids import format_ocg_ref
from socmap.domain.roles import Permission
from socmap.services.auth import require
from socmap.services.geography import area_index
from socmap.services.neighbourhoods import sync as sync_neighbourhoods
from socmap.store import areas, audit, groups, nominal_merge
from socmap.store.db import Store, unit_of_work
from socmap.store.network import is_at_risk


def as_record(obj: Any) -> dict[str, Any]:
    """A dataclass as a JSON-ready dict for the audit payload."""

    def conv(v: Any) -> Any:
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, tuple | list):
            return [conv(x) for x in v]
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        return v

    return {k: conv(v) for k, v in dataclasses.asdict(obj).items()}


def _check_area(store: Store, area_id: int | None, *, kept: int | None = None) -> None:
    """A lead area must be a current area; one already set may stay though it was retired."""
    if area_id is None or area_id == kept:
        return
    if area_id not in {a.id for a in areas.list_areas(store)}:
        raise ValidationError("lead_area", f"there is no current area with id {area_id}")


# ------------------------------------------------------------------------------------ OCGs


@unit_of_work
def create_ocg(store: Store, ocg: Ocg) -> tuple[Ocg, Changes]:
    """Add a new OCG to the register."""
    require(store, Permission.EDIT, action="add OCGs")
    ocg = validate_ocg(ocg)
    _check_area(store, ocg.lead_area_id)
    with store.atomic():
        stored = groups.insert_ocg(store, ocg)
        audit.record(
            store,
            action="create",
            entity="ocg",
            entity_id=stored.id or "",
            summary=f"created {stored.display_id}",
            after=as_record(stored),
        )
    return stored, Changes.of("ocg", stored.id or 0)


@unit_of_work
def update_ocg(store: Store, ocg: Ocg, *, action: str = "update") -> tuple[Ocg, Changes]:
    """Save an edited OCG; ``ocg.version`` must be the version the editor started from.

    Raises:
        ConflictError: someone else saved the OCG since ``ocg.version``.
    """
    require(store, Permission.EDIT, action="edit OCGs")
    if ocg.id is None:
        raise ValidationError("id", "an OCG must be created before it can be edited")
    ocg_id = ocg.id
    ocg = validate_ocg(ocg)
    with store.atomic():
        before = groups.get_ocg(store, ocg_id)
        _check_area(store, ocg.lead_area_id, kept=before.lead_area_id)
        check_transition(before.status, ocg.status)
        stored = groups.update_ocg(store, ocg, expected_version=ocg.version)
        changed = {
            k: v
            for k, v in as_record(stored).items()
            if k != "version" and as_record(before).get(k) != v
        }
        audit.record(
            store,
            action=action,
            entity="ocg",
            entity_id=ocg_id,
            summary=f"{action} {stored.display_id}: {', '.join(sorted(changed)) or 'no change'}",
            before={k: as_record(before)[k] for k in changed},
            after=changed,
        )
    return stored, Changes.of("ocg", ocg_id)


@unit_of_work
def delete_ocg(store: Store, ocg_id: int, *, action: str = "delete") -> Changes:
    """Remove an OCG that was created by mistake (undo of a creation). Archive real groups."""
    require(store, Permission.EDIT, action="remove OCGs")
    with store.atomic():
        before = groups.get_ocg(store, ocg_id)
        if groups.members_of(store, ocg_id) or groups.locations_of(store, ocg_id):
            raise ValidationError(
                "id", f"{before.display_id} has members or locations; archive it instead"
            )
        groups.delete_ocg(store, ocg_id)
        audit.record(
            store,
            action=action,
            entity="ocg",
            entity_id=ocg_id,
            summary=f"{action} {before.display_id}",
            before=as_record(before),
        )
    return Changes.of("ocg", ocg_id)


@unit_of_work
def restore_ocg(store: Store, ocg: Ocg, *, action: str = "undo delete") -> Changes:
    """Put back an OCG removed by :func:`delete_ocg`, with its old id."""
    require(store, Permission.EDIT, action="restore OCGs")
    with store.atomic():
        stored = groups.insert_ocg(store, ocg)
        audit.record(
            store,
            action=action,
            entity="ocg",
            entity_id=stored.id or "",
            summary=f"{action} {stored.display_id}",
            after=as_record(stored),
        )
    return Changes.of("ocg", stored.id or 0)


# -------------------------------------------------------------------------------- nominals


@unit_of_work
def create_nominal(store: Store, nominal: Nominal) -> tuple[Nominal, Changes]:
    """Record a new nominal."""
    require(store, Permission.EDIT, action="add nominals")
    nominal = validate_nominal(nominal)
    with store.atomic():
        stored = groups.insert_nominal(store, nominal)
        sync_neighbourhoods(store, "nominals", [stored.id or 0])
        audit.record(
            store,
            action="create",
            entity="nominal",
            entity_id=stored.id or "",
            summary=f"created nominal {stored.id}",
            after=as_record(stored),
        )
    return stored, Changes.of("nominal", stored.id or 0)


@unit_of_work
def update_nominal(store: Store, nominal: Nominal) -> tuple[Nominal, Changes]:
    """Save an edited nominal (``nominal.version`` as read by the editor)."""
    require(store, Permission.EDIT, action="edit nominals")
    nominal = validate_nominal(nominal)
    with store.atomic():
        before = groups.get_nominal(store, nominal.id or 0)
        stored = groups.update_nominal(store, nominal, expected_version=nominal.version)
        sync_neighbourhoods(store, "nominals", [stored.id or 0])
        audit.record(
            store,
            action="update",
            entity="nominal",
            entity_id=nominal.id or "",
            summary=f"updated nominal {nominal.id}",
            before=as_record(before),
            after=as_record(stored),
        )
    return stored, Changes.of("nominal", nominal.id or 0)


@unit_of_work
def delete_nominal(store: Store, nominal_id: int, *, action: str = "delete") -> Changes:
    """Remove a nominal recorded by mistake (undo of a creation); refuses one with memberships."""
    require(store, Permission.EDIT, action="remove nominals")
    with store.atomic():
        before = groups.get_nominal(store, nominal_id)
        if groups.membership_count(store, nominal_id):
            raise ValidationError("id", f"nominal {nominal_id} still belongs to a group")
        groups.delete_nominal(store, nominal_id)
        audit.record(
            store,
            action=action,
            entity="nominal",
            entity_id=nominal_id,
            summary=f"{action} nominal {nominal_id}",
            before=as_record(before),
        )
    return Changes.of("nominal", nominal_id)


@dataclasses.dataclass(frozen=True)
class MergeResult:
    """What merging two records of the same person did."""

    kept: Nominal
    dropped_id: int
    #: {table.column: {"moved": n, "folded": n}}: rows re-pointed, and rows the kept record's
    #: own row now stands for (duplicates, self-links)
    moved: dict[str, dict[str, int]]
    #: groups both records belonged to: one membership now, the stronger role
    merged_memberships: tuple[int, ...]


def merge_refusal(store: Store, *, keep: int, drop: int) -> str:
    """Why ``drop`` cannot be folded into ``keep`` ('' when it can)."""
    if keep == drop:
        return "a nominal cannot be merged with itself"
    for member, at_risk in ((keep, drop), (drop, keep)):
        if groups.membership_count(store, member) and is_at_risk(store, at_risk):
            return (
                f"nominal {member} is recorded as a member of a group and nominal {at_risk} "
                "as a person at risk: socmap never holds one person as both, so these "
                "records are not merged; decide which is right (remove the at-risk entry "
                "or the memberships) first"
            )
    return ""


def merge_preview(store: Store, *, keep: int, drop: int) -> tuple[dict[str, int], str]:
    """What a merge would move (rows referring to ``drop``, by ``table.column``) and why it
    would be refused ('' when it would not); nothing is written."""
    groups.get_nominal(store, keep)
    groups.get_nominal(store, drop)
    return nominal_merge.count_referring(store, drop), merge_refusal(store, keep=keep, drop=drop)


@unit_of_work
def merge_nominals(store: Store, *, keep: int, drop: int) -> tuple[MergeResult, Changes]:
    """Fold nominal ``drop`` into ``keep`` (the same person): one transaction, one audit row.

    Memberships, associations, at-risk entries, indicators, interventions, exploitation links,
    disruption links, review decisions and import keys move to the kept record (every foreign
    key to ``nominals`` is found from the schema). Conflicts are resolved deterministically: a
    group both records belong to keeps one membership with the stronger role, the earlier start
    and both tags (``merged_membership``); where a table allows one row per person (an at-risk
    entry) the kept record's row stands; a link between the two records is dropped. The dropped
    record's name becomes an alias. The audit row holds both records and every row that referred
    to the dropped one, so both histories stay on the trail.
    """
    require(store, Permission.EDIT, action="merge nominals")
    if keep == drop:
        raise ValidationError("drop", merge_refusal(store, keep=keep, drop=drop))
    with store.atomic():
        kept = groups.get_nominal(store, keep)
        dropped = groups.get_nominal(store, drop)
        refusal = merge_refusal(store, keep=keep, drop=drop)
        if refusal:
            raise ValidationError("drop", refusal)
        snapshot = nominal_merge.rows_referring(store, drop)
        current = {m.ocg_id: m for m in groups.memberships_of_nominal(store, keep) if m.end is None}
        merged: list[int] = []
        for m in groups.memberships_of_nominal(store, drop):
            both = current.get(m.ocg_id)
            if both is None or m.end is not None:
                continue  # moves as it is (history, or a group only the dropped record is in)
            groups.update_membership(store, validate_membership(merged_membership(both, m)))
            groups.delete_membership(store, int(m.id or 0))
            merged.append(int(m.ocg_id))
        moved = nominal_merge.repoint(store, keep=keep, drop=drop)
        left = nominal_merge.count_referring(store, drop)
        if left:  # repoint folds what cannot move: nothing may be left
            raise ValidationError("drop", f"rows still refer to nominal {drop}: {left}")
        stored = groups.update_nominal(
            store, validate_nominal(merged_nominal(kept, dropped)), expected_version=kept.version
        )
        groups.delete_nominal(store, drop)
        sync_neighbourhoods(store, "nominals", [keep])
        moved_text = ", ".join(
            f"{k} {v['moved']} moved" + (f" {v['folded']} folded" if v["folded"] else "")
            for k, v in sorted(moved.items())
        )
        audit.record(
            store,
            action="merge",
            entity="nominal",
            entity_id=keep,
            summary=f"merged nominal {drop} into nominal {keep} (the same person): "
            + (moved_text or "nothing referred to it")
            + (f"; one membership kept in {', '.join(format_ocg_ref(g) for g in merged)}"
               if merged else ""),
            before={"kept": as_record(kept), "dropped": as_record(dropped), "rows": snapshot},
            after=as_record(stored),
            extra={"dropped_id": drop, "moved": moved, "merged_memberships": merged},
        )  # fmt: skip
    changes = Changes.of("nominal", keep, drop) | Changes.of("membership")
    for key in moved:
        table = key.split(".")[0]
        kind = {"memberships": "membership", "associations": "association",
                "disruption_nominals": "disruption"}.get(table, "at_risk")  # fmt: skip
        changes = changes | Changes.of(kind)
    if merged:
        changes = changes | Changes.of("ocg", *merged)
    return MergeResult(stored, drop, moved, tuple(merged)), changes


# ----------------------------------------------------------------------------- memberships


@unit_of_work
def add_membership(store: Store, membership: Membership) -> tuple[Membership, Changes]:
    """Record that a nominal belongs to an OCG in a role."""
    require(store, Permission.EDIT, action="change memberships")
    membership = validate_membership(membership)
    if not groups.ocg_exists(store, membership.ocg_id):
        raise NotFoundError(f"there is no group {format_ocg_ref(membership.ocg_id)}")
    if not groups.nominal_exists(store, membership.nominal_id):
        raise NotFoundError(f"there is no nominal with id {membership.nominal_id}")
    if is_at_risk(store, membership.nominal_id):  # issue 8: potential victims are never members
        raise ValidationError(
            "nominal_id",
            f"person {membership.nominal_id} is recorded as a person at risk (a potential "
            "victim) and cannot be recorded as a member of a group",
        )
    with store.atomic():
        stored = groups.insert_membership(store, membership)
        audit.record(
            store,
            action="create",
            entity="membership",
            entity_id=stored.id or "",
            summary=f"nominal {stored.nominal_id} added to OCG-{stored.ocg_id:04d} as {stored.role}",
            after=as_record(stored),
        )
    return stored, Changes.of("ocg", membership.ocg_id) | Changes.of("membership")


@unit_of_work
def add_member(
    store: Store, membership: Membership, *, new_nominal: Nominal | None = None
) -> tuple[Membership, Nominal | None, Changes]:
    """Add a membership, first recording ``new_nominal`` when given: one transaction."""
    require(store, Permission.EDIT, action="change memberships")
    with store.atomic():
        created = None
        changes = Changes()
        if new_nominal is not None:
            created, changes = create_nominal(store, new_nominal)
            assert created.id is not None
            membership = dataclasses.replace(membership, nominal_id=created.id)
        stored, more = add_membership(store, membership)
    return stored, created, changes | more


@unit_of_work
def remove_membership(store: Store, membership_id: int) -> tuple[Membership, Changes]:
    """End a membership record (undo of an addition, or a correction)."""
    require(store, Permission.EDIT, action="change memberships")
    with store.atomic():
        before = groups.get_membership(store, membership_id)
        groups.delete_membership(store, membership_id)
        audit.record(
            store,
            action="delete",
            entity="membership",
            entity_id=membership_id,
            summary=f"nominal {before.nominal_id} removed from OCG-{before.ocg_id:04d}",
            before=as_record(before),
        )
    return before, Changes.of("ocg", before.ocg_id) | Changes.of("membership")


@unit_of_work
def update_membership(store: Store, membership: Membership) -> tuple[Membership, Changes]:
    """Save a membership's changed role, tags or dates (the group and person stay)."""
    require(store, Permission.EDIT, action="change memberships")
    if membership.id is None:
        raise ValidationError("id", "a membership must be added before it can be changed")
    mid: int = membership.id
    membership = validate_membership(membership)
    with store.atomic():
        before = groups.get_membership(store, mid)
        if (before.ocg_id, before.nominal_id) != (membership.ocg_id, membership.nominal_id):
            raise ValidationError("ocg_id", "a membership's group and person cannot change")
        groups.update_membership(store, membership)
        changed = {k: v for k, v in as_record(membership).items() if as_record(before).get(k) != v}
        audit.record(
            store,
            action="update",
            entity="membership",
            entity_id=mid,
            summary=f"membership {mid} of OCG-{membership.ocg_id:04d} changed: "
            + (", ".join(sorted(changed)) or "no change"),
            before={k: as_record(before)[k] for k in changed},
            after=changed,
        )
    return membership, Changes.of("ocg", membership.ocg_id) | Changes.of("membership")


@unit_of_work
def end_membership(
    store: Store, membership_id: int, *, on: dt.date | None = None
) -> tuple[Membership, Changes]:
    """Record that a membership ended on ``on`` (today by default); the record is kept."""
    require(store, Permission.EDIT, action="change memberships")
    day = on or dt.date.today()
    with store.atomic():
        before = groups.get_membership(store, membership_id)
        if before.end is not None:
            raise ValidationError(
                "end", f"membership {membership_id} already ended on {before.end}"
            )
        after = validate_membership(dataclasses.replace(before, end=day))
        groups.set_membership_end(store, membership_id, day)
        audit.record(
            store,
            action="update",
            entity="membership",
            entity_id=membership_id,
            summary=f"nominal {before.nominal_id}'s membership of OCG-{before.ocg_id:04d} "
            f"ended on {day.isoformat()}",
            before={"end": None},
            after={"end": day.isoformat()},
        )
    return after, Changes.of("ocg", before.ocg_id) | Changes.of("membership")


# ------------------------------------------------------------------------------- locations


@unit_of_work
def add_location(store: Store, location: Location) -> tuple[Location, Changes]:
    """Record an OCG location; its area is found from its coordinates."""
    require(store, Permission.EDIT, action="change locations")
    location = validate_location(location)
    if not groups.ocg_exists(store, location.ocg_id):
        raise NotFoundError(f"there is no group {format_ocg_ref(location.ocg_id)}")
    area = area_index(store).assign_one(location.easting, location.northing)
    location = dataclasses.replace(location, area_id=area)  # type: ignore[arg-type]
    with store.atomic():
        stored = groups.insert_location(store, location)
        sync_neighbourhoods(store, "locations", [stored.id or 0])
        audit.record(
            store,
            action="create",
            entity="location",
            entity_id=stored.id or "",
            summary=f"location added to OCG-{stored.ocg_id:04d}",
            after=as_record(stored),
        )
    return stored, Changes.of("ocg", location.ocg_id) | Changes.of("location", stored.id or 0)


@unit_of_work
def remove_location(store: Store, location_id: int) -> tuple[Location, Changes]:
    """Remove an OCG location."""
    require(store, Permission.EDIT, action="change locations")
    with store.atomic():
        before = groups.get_location(store, location_id)
        groups.delete_location(store, location_id)
        audit.record(
            store,
            action="delete",
            entity="location",
            entity_id=location_id,
            summary=f"location removed from OCG-{before.ocg_id:04d}",
            before=as_record(before),
        )
    return before, Changes.of("ocg", before.ocg_id) | Changes.of("location", location_id)
