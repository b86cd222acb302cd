"""Rows <-> partner agencies, contacts, areas served, partnership structures, links and LROs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from socmap.domain.errors import ConflictError, NotFoundError
from socmap.domain.partners import Contact, Lro, Partner, PartnerLink, PartnershipStructure
from socmap.store import bulk
from socmap.store.db import Store

#: tables the demo may bulk-load through :func:`insert_rows`
PARTNER_TABLES = frozenset(
    {
        "partners",
        "partner_contacts",
        "partner_areas",
        "partnership_structures",
        "structure_members",
        "partner_ocg_links",
        "ocg_lro",
        "disruptions",
        "disruption_partners",
        "disruption_nominals",
    }
)


def _d(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def insert_rows(
    store: Store, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Bulk-insert into one of this feature's tables (the demo); returns rows written."""
    return bulk.insert_rows(store, table, columns, rows, allowed=PARTNER_TABLES)


# ---------------------------------------------------------------------------------- partners


def _load_partners(store: Store, where: str = "", params: Sequence[Any] = ()) -> list[Partner]:
    rows = store.conn.execute(
        "SELECT id, name, partner_type, isa_reference, isa_expires, notes, marking, version"
        f" FROM partners {where} ORDER BY name",
        list(params),
    ).fetchall()
    if not rows:
        return []
    areas: dict[int, list[int]] = defaultdict(list)
    for pid, aid in store.conn.execute(
        "SELECT partner_id, area_id FROM partner_areas ORDER BY area_id"
    ):
        areas[pid].append(aid)
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for pid, role, name, detail in store.conn.execute(
        "SELECT partner_id, role, name, detail FROM partner_contacts ORDER BY id"
    ):
        contacts[pid].append(Contact(role, name, detail))
    return [
        Partner(
            id=r[0],
            name=r[1],
            partner_type=r[2],
            isa_reference=r[3],
            isa_expires=_d(r[4]),
            notes=r[5],
            marking=r[6],
            version=r[7],
            area_ids=tuple(areas.get(r[0], ())),
            contacts=tuple(contacts.get(r[0], ())),
        )
        for r in rows
    ]


def list_partners(store: Store) -> list[Partner]:
    """Every partner agency, by name, with areas and contacts."""
    return _load_partners(store)


def get_partner(store: Store, partner_id: int) -> Partner:
    """One partner agency; NotFoundError when there is none with this id."""
    found = _load_partners(store, "WHERE id = ?", [partner_id])
    if not found:
        raise NotFoundError(f"there is no partner agency with id {partner_id}")
    return found[0]


def partner_exists(store: Store, partner_id: int) -> bool:
    """True when a partner agency with this id exists."""
    return (
        store.conn.execute("SELECT 1 FROM partners WHERE id = ?", [partner_id]).fetchone()
        is not None
    )


def partner_id_by_name(store: Store, name: str) -> int | None:
    """The id of the partner called ``name`` (case-insensitive), or None."""
    row = store.conn.execute(
        "SELECT id FROM partners WHERE lower(name) = lower(?)", [name.strip()]
    ).fetchone()
    return int(row[0]) if row else None


def _write_partner_children(store: Store, p: Partner) -> None:
    store.conn.execute("DELETE FROM partner_areas WHERE partner_id = ?", [p.id])
    store.conn.executemany(
        "INSERT INTO partner_areas (partner_id, area_id) VALUES (?, ?)",
        [(p.id, a) for a in p.area_ids],
    )
    store.conn.execute("DELETE FROM partner_contacts WHERE partner_id = ?", [p.id])
    store.conn.executemany(
        "INSERT INTO partner_contacts (partner_id, role, name, detail) VALUES (?, ?, ?, ?)",
        [(p.id, c.role, c.name, c.detail) for c in p.contacts],
    )


def insert_partner(store: Store, p: Partner) -> Partner:
    """Insert a partner agency with its areas and contacts; returns it as stored."""
    cur = store.conn.execute(
        "INSERT INTO partners (id, name, partner_type, isa_reference, isa_expires, notes, marking,"
        " version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            p.id,
            p.name,
            p.partner_type,
            p.isa_reference,
            _iso(p.isa_expires),
            p.notes,
            p.marking,
            max(p.version, 1),
        ],
    )
    stored = dataclasses.replace(p, id=p.id or int(cur.lastrowid or 0), version=max(p.version, 1))
    _write_partner_children(store, stored)
    return stored


def update_partner(store: Store, p: Partner, *, expected_version: int) -> Partner:
    """Overwrite a partner; ConflictError when someone saved a newer version first."""
    row = store.conn.execute("SELECT version FROM partners WHERE id = ?", [p.id]).fetchone()
    if row is None:
        raise NotFoundError(f"there is no partner agency with id {p.id}")
    if row[0] != expected_version:
        raise ConflictError(f"{p.name} was changed by someone else; reload it and try again")
    cur = store.conn.execute(  # compare and set (see groups.update_ocg)
        "UPDATE partners SET name = ?, partner_type = ?, isa_reference = ?, isa_expires = ?,"
        " notes = ?, marking = ?, version = version + 1 WHERE id = ? AND version = ?",
        [
            p.name,
            p.partner_type,
            p.isa_reference,
            _iso(p.isa_expires),
            p.notes,
            p.marking,
            p.id,
            expected_version,
        ],
    )
    if cur.rowcount == 0:
        raise ConflictError(f"{p.name} was changed by someone else; reload it and try again")
    _write_partner_children(store, p)
    return dataclasses.replace(p, version=expected_version + 1)


# ---------------------------------------------------------------------------- structures


def list_structures(store: Store) -> list[PartnershipStructure]:
    """Every partnership structure, by area then name, with member agencies."""
    members: dict[int, list[int]] = defaultdict(list)
    for sid, pid in store.conn.execute(
        "SELECT structure_id, partner_id FROM structure_members ORDER BY partner_id"
    ):
        members[sid].append(pid)
    return [
        PartnershipStructure(
            id=r[0],
            area_id=r[1],
            name=r[2],
            kind=r[3],
            chair=r[4],
            cadence=r[5],
            last_meeting=_d(r[6]),
            notes=r[7],
            member_ids=tuple(members.get(r[0], ())),
        )
        for r in store.conn.execute(
            "SELECT id, area_id, name, kind, chair, cadence, last_meeting, notes"
            " FROM partnership_structures ORDER BY area_id, name"
        )
    ]


def get_structure(store: Store, structure_id: int) -> PartnershipStructure:
    """One partnership structure; NotFoundError when absent."""
    for s in list_structures(store):
        if s.id == structure_id:
            return s
    raise NotFoundError(f"there is no partnership structure with id {structure_id}")


def save_structure(store: Store, s: PartnershipStructure) -> PartnershipStructure:
    """Insert (no id) or overwrite a partnership structure and its members."""
    values = [s.area_id, s.name, s.kind, s.chair, s.cadence, _iso(s.last_meeting), s.notes]
    if s.id is None:
        cur = store.conn.execute(
            "INSERT INTO partnership_structures (area_id, name, kind, chair, cadence,"
            " last_meeting, notes) VALUES (?, ?, ?, ?, ?, ?, ?)",
            values,
        )
        s = dataclasses.replace(s, id=int(cur.lastrowid or 0))
    else:
        store.conn.execute(
            "UPDATE partnership_structures SET area_id = ?, name = ?, kind = ?, chair = ?,"
            " cadence = ?, last_meeting = ?, notes = ? WHERE id = ?",
            [*values, s.id],
        )
    store.conn.execute("DELETE FROM structure_members WHERE structure_id = ?", [s.id])
    store.conn.executemany(
        "INSERT INTO structure_members (structure_id, partner_id) VALUES (?, ?)",
        [(s.id, p) for p in s.member_ids],
    )
    return s


# --------------------------------------------------------------------------------- links


def _link(r: Sequence[Any]) -> PartnerLink:
    return PartnerLink(
        id=r[0], partner_id=r[1], ocg_id=r[2], relation=r[3], since=_d(r[4]), notes=r[5]
    )


def list_links(store: Store, *, ocg_id: int | None = None) -> list[PartnerLink]:
    """Partner <-> OCG links (of one OCG when given)."""
    sql = "SELECT id, partner_id, ocg_id, relation, since, notes FROM partner_ocg_links"
    if ocg_id is not None:
        return [_link(r) for r in store.conn.execute(sql + " WHERE ocg_id = ?", [ocg_id])]
    return [_link(r) for r in store.conn.execute(sql + " ORDER BY id")]


def get_link(store: Store, link_id: int) -> PartnerLink:
    """One link; NotFoundError when absent."""
    row = store.conn.execute(
        "SELECT id, partner_id, ocg_id, relation, since, notes FROM partner_ocg_links WHERE id = ?",
        [link_id],
    ).fetchone()
    if row is None:
        raise NotFoundError(f"there is no partner link with id {link_id}")
    return _link(row)


def link_exists(store: Store, link: PartnerLink) -> bool:
    """True when the same partner, OCG and relation are already linked."""
    return (
        store.conn.execute(
            "SELECT 1 FROM partner_ocg_links WHERE partner_id = ? AND ocg_id = ? AND relation = ?",
            [link.partner_id, link.ocg_id, link.relation],
        ).fetchone()
        is not None
    )


def insert_link(store: Store, link: PartnerLink) -> PartnerLink:
    """Insert a link; returns it with its id."""
    cur = store.conn.execute(
        "INSERT INTO partner_ocg_links (id, partner_id, ocg_id, relation, since, notes)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [link.id, link.partner_id, link.ocg_id, link.relation, _iso(link.since), link.notes],
    )
    return dataclasses.replace(link, id=link.id or int(cur.lastrowid or 0))


def delete_link(store: Store, link_id: int) -> None:
    """Remove a link."""
    store.conn.execute("DELETE FROM partner_ocg_links WHERE id = ?", [link_id])


# ----------------------------------------------------------------------------------- LROs


def get_lro(store: Store, ocg_id: int) -> Lro | None:
    """The structured LRO of an OCG, if one was recorded."""
    row = store.conn.execute(
        "SELECT ocg_id, kind, name, partner_id FROM ocg_lro WHERE ocg_id = ?", [ocg_id]
    ).fetchone()
    return Lro(row[0], row[1], row[2], row[3]) if row else None


def set_lro(store: Store, lro: Lro) -> None:
    """Insert or replace an OCG's LRO."""
    store.conn.execute(
        "INSERT INTO ocg_lro (ocg_id, kind, name, partner_id) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(ocg_id) DO UPDATE SET kind = excluded.kind, name = excluded.name,"
        " partner_id = excluded.partner_id",
        [lro.ocg_id, lro.kind, lro.name, lro.partner_id],
    )


def clear_lro(store: Store, ocg_id: int) -> None:
    """Remove an OCG's structured LRO."""
    store.conn.execute("DELETE FROM ocg_lro WHERE ocg_id = ?", [ocg_id])


# ---------------------------------------------------------------------------- read models


def ocg_rows(store: Store) -> list[tuple[int, str, str, int | None, str, str | None]]:
    """(id, name, status, lead_area_id, lro text, archived_on) of every OCG."""
    return store.conn.execute(
        "SELECT o.id, o.name, o.status, o.lead_area_id,"
        " COALESCE(l.name || CASE WHEN l.kind = 'partner' THEN ' (partner)' ELSE '' END, o.lro),"
        " o.archived_on FROM ocgs o LEFT JOIN ocg_lro l ON l.ocg_id = o.id ORDER BY o.id"
    ).fetchall()


def ocg_areas(store: Store) -> list[tuple[int, int]]:
    """(ocg_id, area_id) for every area an OCG has a location in, plus its lead area."""
    return store.conn.execute(
        "SELECT DISTINCT ocg_id, area_id FROM locations WHERE area_id IS NOT NULL"
        " UNION SELECT id, lead_area_id FROM ocgs WHERE lead_area_id IS NOT NULL"
    ).fetchall()


def area_rows(store: Store, *, include_retired: bool = False) -> list[tuple[int, str]]:
    """(id, name) of every current area (retired ones too with ``include_retired``), by name."""
    where = "" if include_retired else " WHERE retired_on IS NULL"
    return store.conn.execute(f"SELECT id, name FROM areas{where} ORDER BY name").fetchall()


def partner_lros(store: Store) -> list[tuple[int, int]]:
    """(ocg_id, partner_id) of every OCG whose LRO is partner staff."""
    return store.conn.execute(
        "SELECT ocg_id, partner_id FROM ocg_lro WHERE partner_id IS NOT NULL ORDER BY ocg_id"
    ).fetchall()


def lro_texts(store: Store) -> dict[int, str]:
    """The free-text LRO of every OCG, by id."""
    return dict(store.conn.execute("SELECT id, lro FROM ocgs").fetchall())
