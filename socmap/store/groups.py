"""Rows <-> OCG register records (ocgs, ocg_refs, nominals, memberships, locations)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from typing import Any

from socmap.domain.errors import ConflictError, NotFoundError
from socmap.domain.groups import ExternalRef, Location, Membership, Nominal, Ocg
from socmap.domain.ids import AreaId, GroupId, LocationId, MembershipId, NominalId
from socmap.domain.vocab import Marking, Role, Status
from socmap.store import dialect
from socmap.store.db import Store


def _d(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


# ------------------------------------------------------------------------------------- OCGs

OCG_COLUMNS = (
    "id, name, aliases, status, primary_market, secondary_markets, enablers, lead_area_id, lro,"
    " identified_on, archived_on, marking, notes, version"
)


def _ocg_from_row(row: sqlite3.Row | tuple[Any, ...], refs: tuple[ExternalRef, ...]) -> Ocg:
    (
        oid,
        name,
        aliases,
        status,
        primary,
        secondary,
        enablers,
        lead,
        lro,
        ident,
        archived,
        marking,
        notes,
        version,
    ) = row
    return Ocg(
        id=GroupId(oid),
        name=name,
        aliases=tuple(json.loads(aliases)),
        status=Status(status),
        primary_market=primary,
        secondary_markets=tuple(json.loads(secondary)),
        enablers=tuple(json.loads(enablers)),
        lead_area_id=AreaId(lead) if lead is not None else None,
        lro=lro,
        identified_on=_d(ident),
        archived_on=_d(archived),
        marking=Marking(marking),
        references=refs,
        notes=notes,
        version=version,
    )


def _ocg_values(ocg: Ocg) -> list[Any]:
    return [
        ocg.name,
        json.dumps(list(ocg.aliases)),
        ocg.status.value,
        ocg.primary_market,
        json.dumps(list(ocg.secondary_markets)),
        json.dumps(list(ocg.enablers)),
        ocg.lead_area_id,
        ocg.lro,
        _iso(ocg.identified_on),
        _iso(ocg.archived_on),
        str(ocg.marking),
        ocg.notes,
    ]


def get_ocg(store: Store, ocg_id: int) -> Ocg:
    """The OCG with ``ocg_id``; NotFoundError when there is none."""
    row = store.conn.execute(f"SELECT {OCG_COLUMNS} FROM ocgs WHERE id = ?", [ocg_id]).fetchone()
    if row is None:
        raise NotFoundError(f"there is no OCG with id {ocg_id}")
    refs = tuple(
        ExternalRef(s, v)
        for s, v in store.conn.execute(
            "SELECT system, value FROM ocg_refs WHERE ocg_id = ? ORDER BY id", [ocg_id]
        )
    )
    return _ocg_from_row(row, refs)


def ocg_exists(store: Store, ocg_id: int) -> bool:
    """True when an OCG with this id exists."""
    return store.conn.execute("SELECT 1 FROM ocgs WHERE id = ?", [ocg_id]).fetchone() is not None


def _write_refs(store: Store, ocg_id: int, refs: tuple[ExternalRef, ...]) -> None:
    store.conn.execute("DELETE FROM ocg_refs WHERE ocg_id = ?", [ocg_id])
    store.conn.executemany(
        "INSERT INTO ocg_refs (ocg_id, system, value) VALUES (?, ?, ?)",
        [(ocg_id, r.system, r.value) for r in refs],
    )


def insert_ocg(store: Store, ocg: Ocg) -> Ocg:
    """Insert a new OCG (or re-insert one with its old id, for undo); returns it as stored."""
    cur = store.conn.execute(
        "INSERT INTO ocgs (id, name, aliases, status, primary_market, secondary_markets, enablers,"
        " lead_area_id, lro, identified_on, archived_on, marking, notes, version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [ocg.id, *_ocg_values(ocg), max(ocg.version, 1)],
    )
    oid = GroupId(int(cur.lastrowid or 0)) if ocg.id is None else ocg.id
    _write_refs(store, oid, ocg.references)
    return dataclasses.replace(ocg, id=oid, version=max(ocg.version, 1))


def update_ocg(store: Store, ocg: Ocg, *, expected_version: int | None = None) -> Ocg:
    """Overwrite the stored OCG; ConflictError when someone saved a newer version first."""
    assert ocg.id is not None
    current = store.conn.execute("SELECT version FROM ocgs WHERE id = ?", [ocg.id]).fetchone()
    if current is None:
        raise NotFoundError(f"there is no OCG with id {ocg.id}")
    if expected_version is not None and current[0] != expected_version:
        raise ConflictError(
            f"OCG-{ocg.id:04d} was changed by someone else since you opened it "
            f"(version {current[0]}, yours {expected_version}); reload it and make your edit again"
        )
    version = current[0] + 1
    # Compare and set: the row is written only while it still holds the version read above. On
    # a server two editors can both pass the check; the second's UPDATE then waits for the
    # first's row lock and, once it commits, matches nothing instead of overwriting it.
    cur = store.conn.execute(
        "UPDATE ocgs SET name=?, aliases=?, status=?, primary_market=?, secondary_markets=?,"
        " enablers=?, lead_area_id=?, lro=?, identified_on=?, archived_on=?, marking=?, notes=?,"
        " version=? WHERE id=? AND version=?",
        [*_ocg_values(ocg), version, ocg.id, current[0]],
    )
    if cur.rowcount == 0:
        raise ConflictError(
            f"OCG-{ocg.id:04d} was changed by someone else while you saved it; reload it and "
            "make your edit again"
        )
    _write_refs(store, ocg.id, ocg.references)
    return dataclasses.replace(ocg, version=version)


def delete_ocg(store: Store, ocg_id: int) -> None:
    """Delete an OCG and what hangs off it (used to undo a creation)."""
    store.conn.execute("DELETE FROM ocgs WHERE id = ?", [ocg_id])


def ocg_count_by_status(store: Store) -> dict[str, int]:
    """Number of OCGs per status."""
    return dict(store.conn.execute("SELECT status, COUNT(*) FROM ocgs GROUP BY status").fetchall())


# --------------------------------------------------------------------------------- nominals

NOMINAL_COLUMNS = "id, surname, forenames, aliases, date_of_birth, flags, marking, notes, version"


def _nominal_from_row(row: tuple[Any, ...]) -> Nominal:
    nid, surname, forenames, aliases, dob, flags, marking, notes, version = row
    return Nominal(
        id=NominalId(nid),
        surname=surname,
        forenames=forenames,
        aliases=tuple(json.loads(aliases)),
        date_of_birth=_d(dob),
        flags=tuple(json.loads(flags)),
        marking=Marking(marking),
        notes=notes,
        version=version,
    )


def get_nominal(store: Store, nominal_id: int) -> Nominal:
    """The nominal with ``nominal_id``; NotFoundError when there is none."""
    row = store.conn.execute(
        f"SELECT {NOMINAL_COLUMNS} FROM nominals WHERE id = ?", [nominal_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"there is no nominal with id {nominal_id}")
    return _nominal_from_row(row)


def _nominal_values(n: Nominal) -> list[Any]:
    return [
        n.surname,
        n.forenames,
        json.dumps(list(n.aliases)),
        _iso(n.date_of_birth),
        json.dumps(list(n.flags)),
        str(n.marking),
        n.notes,
    ]


def insert_nominal(store: Store, n: Nominal) -> Nominal:
    """Insert a nominal; returns it with its id."""
    cur = store.conn.execute(
        "INSERT INTO nominals (id, surname, forenames, aliases, date_of_birth, flags, marking,"
        " notes, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [n.id, *_nominal_values(n), max(n.version, 1)],
    )
    nid = NominalId(int(cur.lastrowid or 0)) if n.id is None else n.id
    return dataclasses.replace(n, id=nid, version=max(n.version, 1))


def update_nominal(store: Store, n: Nominal, *, expected_version: int | None = None) -> Nominal:
    """Overwrite a nominal; ConflictError when someone saved a newer version first."""
    current = store.conn.execute("SELECT version FROM nominals WHERE id = ?", [n.id]).fetchone()
    if current is None:
        raise NotFoundError(f"there is no nominal with id {n.id}")
    if expected_version is not None and current[0] != expected_version:
        raise ConflictError(f"nominal {n.id} was changed by someone else since you opened it")
    version = current[0] + 1
    cur = store.conn.execute(  # compare and set, as update_ocg
        "UPDATE nominals SET surname=?, forenames=?, aliases=?, date_of_birth=?, flags=?,"
        " marking=?, notes=?, version=? WHERE id=? AND version=?",
        [*_nominal_values(n), version, n.id, current[0]],
    )
    if cur.rowcount == 0:
        raise ConflictError(f"nominal {n.id} was changed by someone else while you saved it")
    return dataclasses.replace(n, version=version)


def nominal_exists(store: Store, nominal_id: int) -> bool:
    """True when a nominal with this id exists."""
    return (
        store.conn.execute("SELECT 1 FROM nominals WHERE id=?", [nominal_id]).fetchone() is not None
    )


# ------------------------------------------------------------------------------ memberships


def _membership_from_row(row: tuple[Any, ...]) -> Membership:
    mid, ocg_id, nominal_id, role, tags, start, end = row
    return Membership(
        id=MembershipId(mid),
        ocg_id=GroupId(ocg_id),
        nominal_id=NominalId(nominal_id),
        role=Role(role),
        tags=tuple(json.loads(tags)),
        start=_d(start),
        end=_d(end),
    )


def insert_membership(store: Store, m: Membership) -> Membership:
    """Insert a membership; returns it with its id."""
    cur = store.conn.execute(
        'INSERT INTO memberships (id, ocg_id, nominal_id, role, tags, start, "end")'
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            m.id,
            m.ocg_id,
            m.nominal_id,
            m.role.value,
            json.dumps(list(m.tags)),
            _iso(m.start),
            _iso(m.end),
        ],
    )
    return dataclasses.replace(
        m, id=MembershipId(int(cur.lastrowid or 0)) if m.id is None else m.id
    )


def get_membership(store: Store, membership_id: int) -> Membership:
    """The membership with this id; NotFoundError when there is none."""
    row = store.conn.execute(
        'SELECT id, ocg_id, nominal_id, role, tags, start, "end" FROM memberships WHERE id=?',
        [membership_id],
    ).fetchone()
    if row is None:
        raise NotFoundError(f"there is no membership with id {membership_id}")
    return _membership_from_row(row)


def set_membership_end(store: Store, membership_id: int, end: dt.date | None) -> None:
    """Set (or clear) the date a membership ended."""
    store.conn.execute('UPDATE memberships SET "end" = ? WHERE id = ?', [_iso(end), membership_id])


def update_membership(store: Store, m: Membership) -> None:
    """Save a membership's role, tags and dates."""
    store.conn.execute(
        'UPDATE memberships SET role = ?, tags = ?, start = ?, "end" = ? WHERE id = ?',
        [m.role.value, json.dumps(list(m.tags)), _iso(m.start), _iso(m.end), m.id],
    )


def delete_membership(store: Store, membership_id: int) -> None:
    """Remove a membership."""
    store.conn.execute("DELETE FROM memberships WHERE id = ?", [membership_id])


def members_of(store: Store, ocg_id: int) -> list[tuple[Membership, Nominal]]:
    """The OCG's memberships with their nominals, principals first."""
    rows = store.conn.execute(
        'SELECT m.id, m.ocg_id, m.nominal_id, m.role, m.tags, m.start, m."end", '
        "n.id, n.surname, n.forenames, n.aliases, n.date_of_birth, n.flags, n.marking, n.notes,"
        " n.version FROM memberships m JOIN nominals n ON n.id = m.nominal_id WHERE m.ocg_id = ?"
        " ORDER BY CASE m.role WHEN 'principal' THEN 0 WHEN 'significant' THEN 1 ELSE 2 END,"
        " n.surname, n.forenames",
        [ocg_id],
    ).fetchall()
    return [(_membership_from_row(r[:7]), _nominal_from_row(r[7:])) for r in rows]


# -------------------------------------------------------------------------------- locations

LOCATION_COLUMNS = (
    "id, ocg_id, kind, label, easting, northing, source_x, source_y, source_crs, area_id"
)


def _location_from_row(row: tuple[Any, ...]) -> Location:
    lid, ocg_id, kind, label, e, n, sx, sy, crs, area = row
    return Location(
        id=LocationId(lid),
        ocg_id=GroupId(ocg_id),
        kind=kind,
        label=label,
        easting=e,
        northing=n,
        source_x=sx,
        source_y=sy,
        source_crs=crs,
        area_id=AreaId(area) if area is not None else None,
    )


def insert_location(store: Store, loc: Location) -> Location:
    """Insert a location; returns it with its id."""
    cur = store.conn.execute(
        f"INSERT INTO locations ({LOCATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            loc.id,
            loc.ocg_id,
            loc.kind,
            loc.label,
            loc.easting,
            loc.northing,
            loc.source_x,
            loc.source_y,
            loc.source_crs,
            loc.area_id,
        ],
    )
    return dataclasses.replace(
        loc, id=LocationId(int(cur.lastrowid or 0)) if loc.id is None else loc.id
    )


def get_location(store: Store, location_id: int) -> Location:
    """The location with this id; NotFoundError when there is none."""
    row = store.conn.execute(
        f"SELECT {LOCATION_COLUMNS} FROM locations WHERE id = ?", [location_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"there is no location with id {location_id}")
    return _location_from_row(row)


def delete_location(store: Store, location_id: int) -> None:
    """Remove a location."""
    store.conn.execute("DELETE FROM locations WHERE id = ?", [location_id])


def locations_of(store: Store, ocg_id: int) -> list[Location]:
    """The OCG's locations."""
    return [
        _location_from_row(r)
        for r in store.conn.execute(
            f"SELECT {LOCATION_COLUMNS} FROM locations WHERE ocg_id = ? ORDER BY id", [ocg_id]
        )
    ]


# ------------------------------------------------------------------------------ read models

REGISTER_SQL = """
SELECT o.id, o.name, o.status, o.primary_market, o.secondary_markets, a.name, o.lro,
       o.identified_on, o.marking, o.aliases,
       (SELECT COUNT(*) FROM memberships m WHERE m.ocg_id = o.id) AS members,
       (SELECT COUNT(*) FROM locations l WHERE l.ocg_id = o.id) AS locations,
       (SELECT group_concat(value, ' ') FROM ocg_refs r WHERE r.ocg_id = o.id) AS refs
FROM ocgs o LEFT JOIN areas a ON a.id = o.lead_area_id
ORDER BY o.id
"""


def register_rows(store: Store) -> list[tuple[Any, ...]]:
    """One tuple per OCG for the register table (see services.queries.RegisterRow)."""
    return store.conn.execute(REGISTER_SQL).fetchall()


def table_counts(store: Store) -> dict[str, int]:
    """Row count of every user table (for ``socmap info`` and the status bar)."""
    names = dialect.user_tables(store.conn)
    # Table names come from the catalog, never from user input; quoted for safety.
    return {n: int(store.conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0]) for n in names}


def journal_mode(store: Store) -> str:
    """The database's journal mode (``wal`` for files; ``server`` on PostgreSQL)."""
    if store.on_server:
        return "server"
    return str(store.conn.execute("PRAGMA journal_mode").fetchone()[0])


_NOMINAL_MATCH = (
    " WHERE surname LIKE ? OR forenames LIKE ? OR (forenames || ' ' || surname) LIKE ?"
    " OR aliases LIKE ?"
)


def find_nominals(store: Store, text: str, *, limit: int = 30) -> list[tuple[int, str]]:
    """(id, "SURNAME, Forenames (dob)") of nominals whose names or aliases match ``text``."""
    like = f"%{text.strip()}%"
    return [
        (nid, f"{s.upper()}, {f}" + (f" ({dob})" if dob else ""))
        for nid, s, f, dob in store.conn.execute(
            "SELECT id, surname, forenames, date_of_birth FROM nominals"
            f"{_NOMINAL_MATCH} ORDER BY surname, forenames LIMIT ?",
            [like, like, like, like, limit],
        )
    ]


def count_nominals_matching(store: Store, text: str) -> int:
    """How many nominals ``find_nominals`` would find with no limit."""
    like = f"%{text.strip()}%"
    sql = f"SELECT COUNT(*) FROM nominals{_NOMINAL_MATCH}"
    return int(store.conn.execute(sql, [like, like, like, like]).fetchone()[0])


def delete_nominal(store: Store, nominal_id: int) -> None:
    """Remove a nominal record."""
    store.conn.execute("DELETE FROM nominals WHERE id = ?", [nominal_id])


def membership_count(store: Store, nominal_id: int) -> int:
    """How many memberships a nominal has."""
    return int(
        store.conn.execute(
            "SELECT COUNT(*) FROM memberships WHERE nominal_id = ?", [nominal_id]
        ).fetchone()[0]
    )


def memberships_of_nominal(store: Store, nominal_id: int) -> list[Membership]:
    """A nominal's memberships, oldest first."""
    return [
        _membership_from_row(r)
        for r in store.conn.execute(
            'SELECT id, ocg_id, nominal_id, role, tags, start, "end" FROM memberships'
            " WHERE nominal_id = ? ORDER BY id",
            [nominal_id],
        )
    ]
