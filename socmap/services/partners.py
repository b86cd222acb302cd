"""Partner register use cases: agencies, partnership structures, partner<->OCG links, LROs.

Each write checks permission, validates through the domain, writes in one transaction with its
audit row, and returns Changes. Read models for the Partners tab live here too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from socmap.domain.changes import Changes
from socmap.domain.errors import ValidationError
from socmap.domain.ids import format_ocg_ref
from socmap.domain.partners import (
    ISA_WARN_DAYS,
    PARTNER_TYPE_SHORT,
    STRUCTURE_KINDS,
    Lro,
    Partner,
    PartnerLink,
    PartnershipStructure,
    isa_status,
    isa_warning,
    meeting_overdue,
    validate_link,
    validate_lro,
    validate_partner,
    validate_structure,
)
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services.auth import require
from socmap.services.register import as_record
from socmap.store import audit
from socmap.store import partners as rows
from socmap.store.db import Store, unit_of_work


def _check_areas(store: Store, area_ids: tuple[int, ...], field: str) -> None:
    known = {a for a, _n in rows.area_rows(store)}
    for a in area_ids:
        if a not in known:
            raise ValidationError(field, f"there is no area with id {a}")


def _check_partners(store: Store, partner_ids: tuple[int, ...], field: str) -> None:
    for p in partner_ids:
        if not rows.partner_exists(store, p):
            raise ValidationError(field, f"there is no partner agency with id {p}")


@unit_of_work
def create_partner(store: Store, partner: Partner) -> tuple[Partner, Changes]:
    """Add a partner agency to the register."""
    require(store, Permission.EDIT, action="add partner agencies")
    partner = validate_partner(partner)
    _check_areas(store, partner.area_ids, "area_ids")
    if rows.partner_id_by_name(store, partner.name) is not None:
        raise ValidationError("name", f"a partner agency called '{partner.name}' already exists")
    with store.atomic():
        stored = rows.insert_partner(store, dataclasses.replace(partner, id=None))
        audit.record(
            store,
            action="create",
            entity="partner",
            entity_id=stored.id or "",
            summary=f"created partner {stored.id} ({stored.partner_type})",
            after=as_record(stored),
        )
    return stored, Changes.of("partner", stored.id or 0)


@unit_of_work
def update_partner(store: Store, partner: Partner) -> tuple[Partner, Changes]:
    """Save an edited partner (``partner.version`` as read by the editor)."""
    require(store, Permission.EDIT, action="edit partner agencies")
    if partner.id is None:
        raise ValidationError("id", "a partner must be created before it can be edited")
    pid: int = partner.id
    partner = validate_partner(partner)
    _check_areas(store, partner.area_ids, "area_ids")
    other = rows.partner_id_by_name(store, partner.name)
    if other is not None and other != partner.id:
        raise ValidationError("name", f"a partner agency called '{partner.name}' already exists")
    with store.atomic():
        before = rows.get_partner(store, pid)
        stored = rows.update_partner(store, partner, expected_version=partner.version)
        audit.record(
            store,
            action="update",
            entity="partner",
            entity_id=pid,
            summary=f"updated partner {pid}",
            before=as_record(before),
            after=as_record(stored),
        )
    return stored, Changes.of("partner", pid)


@unit_of_work
def save_structure(
    store: Store, structure: PartnershipStructure, *, today: dt.date | None = None
) -> tuple[PartnershipStructure, Changes]:
    """Create (no id) or update an area's SOC partnership structure."""
    require(store, Permission.EDIT, action="edit partnership structures")
    structure = validate_structure(structure, today=today)
    _check_areas(store, (structure.area_id,), "area_id")
    _check_partners(store, structure.member_ids, "member_ids")
    with store.atomic():
        before = rows.get_structure(store, structure.id) if structure.id is not None else None
        stored = rows.save_structure(store, structure)
        audit.record(
            store,
            action="update" if before else "create",
            entity="partnership_structure",
            entity_id=stored.id or "",
            summary=f"{'updated' if before else 'created'} partnership structure {stored.id}"
            f" for area {stored.area_id}",
            before=as_record(before) if before else None,
            after=as_record(stored),
        )
    return stored, Changes.of("partnership_structure", stored.id or 0)


@unit_of_work
def link_partner(
    store: Store, link: PartnerLink, *, today: dt.date | None = None
) -> tuple[PartnerLink, Changes]:
    """Link a partner agency to an OCG with a typed relation."""
    require(store, Permission.EDIT, action="link partners to OCGs")
    link = validate_link(link, today=today)
    if not rows.partner_exists(store, link.partner_id):
        raise ValidationError("partner_id", f"there is no partner agency with id {link.partner_id}")
    from socmap.store import groups

    if not groups.ocg_exists(store, link.ocg_id):
        raise ValidationError("ocg_id", f"there is no group {format_ocg_ref(link.ocg_id)}")
    if rows.link_exists(store, link):
        raise ValidationError("relation", "this partner already has this link to the OCG")
    with store.atomic():
        stored = rows.insert_link(store, dataclasses.replace(link, id=None))
        audit.record(
            store,
            action="create",
            entity="partner_link",
            entity_id=stored.id or "",
            summary=f"partner {stored.partner_id} linked to OCG-{stored.ocg_id:04d}"
            f" as {stored.relation}",
            after=as_record(stored),
        )
    return stored, Changes.of("partner_link", stored.id or 0) | Changes.of("ocg", link.ocg_id)


@unit_of_work
def unlink_partner(store: Store, link_id: int) -> tuple[PartnerLink, Changes]:
    """Remove a partner <-> OCG link."""
    require(store, Permission.EDIT, action="unlink partners from OCGs")
    with store.atomic():
        before = rows.get_link(store, link_id)
        rows.delete_link(store, link_id)
        audit.record(
            store,
            action="delete",
            entity="partner_link",
            entity_id=link_id,
            summary=f"partner {before.partner_id} unlinked from OCG-{before.ocg_id:04d}",
            before=as_record(before),
        )
    return before, Changes.of("partner_link", link_id) | Changes.of("ocg", before.ocg_id)


@unit_of_work
def set_lro(store: Store, lro: Lro) -> Changes:
    """Record an OCG's Lead Responsible Officer (police or partner staff)."""
    require(store, Permission.EDIT, action="set an OCG's LRO")
    lro = validate_lro(lro)
    from socmap.store import groups

    if not groups.ocg_exists(store, lro.ocg_id):
        raise ValidationError("ocg_id", f"there is no group {format_ocg_ref(lro.ocg_id)}")
    if lro.partner_id is not None and not rows.partner_exists(store, lro.partner_id):
        raise ValidationError("partner_id", f"there is no partner agency with id {lro.partner_id}")
    with store.atomic():
        before = rows.get_lro(store, lro.ocg_id)
        rows.set_lro(store, lro)
        audit.record(
            store,
            action="update",
            entity="ocg_lro",
            entity_id=lro.ocg_id,
            summary=f"LRO of OCG-{lro.ocg_id:04d} set ({lro.kind})",
            before=as_record(before) if before else None,
            after=as_record(lro),
        )
    return Changes.of("ocg", lro.ocg_id) | Changes.of("ocg_lro", lro.ocg_id)


# ------------------------------------------------------------------------------ read models


@dataclass(frozen=True)
class PartnerRow:
    """One line of the partner register table."""

    id: int
    name: str
    partner_type: str
    type_label: str
    areas: str
    contacts: str
    isa_reference: str
    isa_expires: dt.date | None
    isa_status: str
    links: int
    warning: str


def partner_register(
    store: Store, *, today: dt.date | None = None, warn_days: int = ISA_WARN_DAYS
) -> list[PartnerRow]:
    """The partner register with ISA status and link counts."""
    today = today or dt.date.today()
    names = dict(rows.area_rows(store, include_retired=True))
    counts: dict[int, int] = {}
    for link in rows.list_links(store):
        counts[link.partner_id] = counts.get(link.partner_id, 0) + 1
    out = []
    for p in rows.list_partners(store):
        out.append(
            PartnerRow(
                id=p.id or 0,
                name=p.name,
                partner_type=p.partner_type,
                type_label=PARTNER_TYPE_SHORT.get(p.partner_type, p.partner_type),
                areas=(
                    f"All {plural(len(names), 'area')}"
                    if names and set(p.area_ids) >= set(names)
                    else ", ".join(sorted(names.get(a, str(a)) for a in p.area_ids))
                ),
                contacts="; ".join(f"{c.role}: {c.name}" for c in p.contacts),
                isa_reference=p.isa_reference,
                isa_expires=p.isa_expires,
                isa_status=isa_status(p.isa_expires, p.isa_reference, today, warn_days=warn_days),
                links=counts.get(p.id or 0, 0),
                warning=isa_warning(p, today, warn_days=warn_days),
            )
        )
    return out


def isa_warnings(
    store: Store, *, today: dt.date | None = None, within_days: int = ISA_WARN_DAYS
) -> list[str]:
    """Sentences for agreements expired or expiring within ``within_days``, soonest first."""
    today = today or dt.date.today()
    found = [
        (p.isa_expires, isa_warning(p, today, warn_days=within_days))
        for p in rows.list_partners(store)
    ]
    return [w for _d, w in sorted((f for f in found if f[1]), key=lambda f: f[0] or today)]


@dataclass(frozen=True)
class AreaPartnership:
    """An area and its SOC partnership structure (None: a gap)."""

    area_id: int
    area: str
    structure: PartnershipStructure | None
    kind_label: str
    members: str
    overdue: bool


def area_partnerships(store: Store, *, today: dt.date | None = None) -> list[AreaPartnership]:
    """One line per area (areas with several structures get several), gaps included."""
    today = today or dt.date.today()
    partner_names = {p.id: p.name for p in rows.list_partners(store)}
    by_area: dict[int, list[PartnershipStructure]] = {}
    for s in rows.list_structures(store):
        by_area.setdefault(s.area_id, []).append(s)
    out = []
    for aid, name in rows.area_rows(store):
        structures: list[PartnershipStructure | None] = list(by_area.get(aid, [])) or [None]
        for st in structures:
            out.append(
                AreaPartnership(
                    area_id=aid,
                    area=name,
                    structure=st,
                    kind_label=STRUCTURE_KINDS.get(st.kind, st.kind) if st else "",
                    members=", ".join(partner_names.get(m, str(m)) for m in st.member_ids)
                    if st
                    else "",
                    overdue=meeting_overdue(st, today) if st else False,
                )
            )
    return out


def partner_choices(store: Store) -> list[tuple[int, str]]:
    """(id, name) of every partner, for pickers."""
    return [(p.id or 0, p.name) for p in rows.list_partners(store)]


def links_of_ocg(store: Store, ocg_id: int) -> list[tuple[PartnerLink, str]]:
    """An OCG's partner links with the partner's name."""
    names = dict(partner_choices(store))
    return [(lk, names.get(lk.partner_id, "?")) for lk in rows.list_links(store, ocg_id=ocg_id)]


def get_partner(store: Store, partner_id: int) -> Partner:
    """One partner agency (for editing)."""
    return rows.get_partner(store, partner_id)


def get_structure(store: Store, structure_id: int) -> PartnershipStructure:
    """One partnership structure (for editing)."""
    return rows.get_structure(store, structure_id)


def link_rows(store: Store) -> list[tuple[PartnerLink, str]]:
    """Every partner <-> OCG link with the OCG's reference and name, by OCG."""
    names = {r[0]: f"OCG-{r[0]:04d} {r[1]}" for r in rows.ocg_rows(store)}
    return sorted(
        ((lk, names.get(lk.ocg_id, f"OCG-{lk.ocg_id:04d}")) for lk in rows.list_links(store)),
        key=lambda x: (x[0].ocg_id, x[0].relation),
    )


def links_of_partner(store: Store, partner_id: int) -> list[tuple[PartnerLink, str]]:
    """A partner's OCG links with each OCG's reference and name, by OCG."""
    return [x for x in link_rows(store) if x[0].partner_id == partner_id]
