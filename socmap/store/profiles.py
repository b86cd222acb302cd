"""Rows <-> SOC local profile records: handling, section versions, contributions, actions, rules."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from socmap.domain.errors import ConflictError, NotFoundError
from socmap.domain.profiles import (
    ActionItem,
    ActionStatus,
    Contribution,
    Handling,
    PartnerType,
    ProfileRules,
    SectionVersion,
    Strand,
)
from socmap.domain.vocab import Marking
from socmap.store.db import Store


def _d(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def now_iso() -> str:
    """The current UTC time, to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# -------------------------------------------------------------------------------- handling


def get_handling(store: Store, area_id: int) -> Handling | None:
    """The area's handling block, or None when its profile has not been started."""
    row = store.conn.execute(
        "SELECT area_id, marking, owner, partners_consulted, data_from, data_to, review_date,"
        " version, updated_by, updated_at FROM profiles WHERE area_id = ?",
        [area_id],
    ).fetchone()
    if row is None:
        return None
    return Handling(
        area_id=row[0],
        marking=Marking(row[1]),
        owner=row[2],
        partners_consulted=tuple(json.loads(row[3])),
        data_from=_d(row[4]),
        data_to=_d(row[5]),
        review_date=_d(row[6]),
        version=row[7],
        updated_by=row[8],
        updated_at=row[9],
    )


def save_handling(store: Store, h: Handling, *, expected_version: int) -> Handling:
    """Insert or update the handling block (optimistic: ``expected_version`` 0 means new)."""
    values = [
        str(h.marking),
        h.owner,
        json.dumps(list(h.partners_consulted)),
        _iso(h.data_from),
        _iso(h.data_to),
        _iso(h.review_date),
        store.actor,
        now_iso(),
    ]
    current = get_handling(store, h.area_id)
    if current is None:
        if expected_version not in (0, None):
            raise NotFoundError("this profile no longer exists")
        cur = store.conn.execute(
            "INSERT INTO profiles (area_id, marking, owner, partners_consulted, data_from, data_to,"
            " review_date, updated_by, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
            " ON CONFLICT (area_id) DO NOTHING",
            [h.area_id, *values],
        )
        if cur.rowcount == 0:  # someone else saved it first, meanwhile
            raise ConflictError(
                "the profile's handling was saved by someone else meanwhile; reload it and make "
                "your change again"
            )
    else:
        if current.version != expected_version:
            raise ConflictError(
                f"the profile's handling was changed by {current.updated_by} at "
                f"{current.updated_at}; reload it and make your change again"
            )
        cur = store.conn.execute(  # compare and set (see groups.update_ocg)
            "UPDATE profiles SET marking = ?, owner = ?, partners_consulted = ?, data_from = ?,"
            " data_to = ?, review_date = ?, updated_by = ?, updated_at = ?,"
            " version = version + 1 WHERE area_id = ? AND version = ?",
            [*values, h.area_id, expected_version],
        )
        if cur.rowcount == 0:
            raise ConflictError(
                "the profile's handling was changed by someone else while you saved it; reload "
                "it and make your change again"
            )
    stored = get_handling(store, h.area_id)
    assert stored is not None
    return stored


# -------------------------------------------------------------------------------- sections

_SV_COLUMNS = (
    "area_id, section, version, html, text, owner, sources, author, saved_at, based_on,"
    " conflict_with"
)


def _sv(row: tuple[Any, ...]) -> SectionVersion:
    return SectionVersion(*row)


def latest_sections(store: Store, area_id: int) -> dict[str, SectionVersion]:
    """The newest version of each narrative section of one area."""
    rows = store.conn.execute(
        f"SELECT {_SV_COLUMNS} FROM profile_section_versions v WHERE area_id = ? AND version ="
        " (SELECT MAX(version) FROM profile_section_versions w"
        "  WHERE w.area_id = v.area_id AND w.section = v.section)",
        [area_id],
    ).fetchall()
    return {r[1]: _sv(r) for r in rows}


def all_latest_sections(store: Store) -> dict[int, dict[str, SectionVersion]]:
    """The newest version of each section, for every area (area id -> section -> version)."""
    out: dict[int, dict[str, SectionVersion]] = {}
    for r in store.conn.execute(
        f"SELECT {_SV_COLUMNS} FROM profile_section_versions v WHERE version ="
        " (SELECT MAX(version) FROM profile_section_versions w"
        "  WHERE w.area_id = v.area_id AND w.section = v.section)"
    ):
        out.setdefault(r[0], {})[r[1]] = _sv(r)
    return out


def section_history(store: Store, area_id: int, section: str) -> list[SectionVersion]:
    """Every saved version of one section, newest first."""
    return [
        _sv(r)
        for r in store.conn.execute(
            f"SELECT {_SV_COLUMNS} FROM profile_section_versions"
            " WHERE area_id = ? AND section = ? ORDER BY version DESC",
            [area_id, section],
        )
    ]


def insert_section_version(store: Store, sv: SectionVersion) -> SectionVersion:
    """Append a version (its number is the next one for the section)."""
    nxt = store.conn.execute(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM profile_section_versions"
        " WHERE area_id = ? AND section = ?",
        [sv.area_id, sv.section],
    ).fetchone()[0]
    store.conn.execute(
        f"INSERT INTO profile_section_versions ({_SV_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [
            sv.area_id,
            sv.section,
            nxt,
            sv.html,
            sv.text,
            sv.owner,
            sv.sources,
            sv.author,
            sv.saved_at,
            sv.based_on,
            sv.conflict_with,
        ],
    )
    return SectionVersion(**{**sv.__dict__, "version": nxt})


# ---------------------------------------------------------------------------- contributions

_C_COLUMNS = (
    "id, area_id, partner_name, partner_type, partner_id, data_supplied, supplied_on, isa_ref"
)


def partner_text(store: Store, area_id: int, section: str, version: int) -> str | None:
    """The partner-safe text cleared for one version of a section, if any."""
    row = store.conn.execute(
        "SELECT text FROM profile_partner_text WHERE area_id = ? AND section = ?"
        " AND for_version = ?",
        [area_id, section, version],
    ).fetchone()
    return str(row[0]) if row else None


def set_partner_text(
    store: Store, area_id: int, section: str, version: int, text: str, approved_by: str
) -> None:
    """Record the partner-safe text cleared for one version of a section (replacing any)."""
    store.conn.execute(
        "INSERT INTO profile_partner_text (area_id, section, for_version, text, approved_by,"
        " approved_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (area_id, section, for_version)"
        " DO UPDATE SET text = excluded.text, approved_by = excluded.approved_by,"
        " approved_at = excluded.approved_at",
        [area_id, section, version, text, approved_by, now_iso()],
    )


def _contribution(r: tuple[Any, ...]) -> Contribution:
    return Contribution(
        id=r[0],
        area_id=r[1],
        partner_name=r[2],
        partner_type=r[3],
        partner_id=r[4],
        data_supplied=r[5],
        supplied_on=dt.date.fromisoformat(r[6]),
        isa_ref=r[7],
    )


def contributions(store: Store, area_id: int | None = None) -> list[Contribution]:
    """Partner contributions (of one area, or all), newest first."""
    where, params = ("WHERE area_id = ?", [area_id]) if area_id is not None else ("", [])
    return [
        _contribution(r)
        for r in store.conn.execute(
            f"SELECT {_C_COLUMNS} FROM profile_contributions {where}"
            " ORDER BY supplied_on DESC, id DESC",
            params,
        )
    ]


def get_contribution(store: Store, contribution_id: int) -> Contribution:
    """One contribution; NotFoundError when there is none."""
    row = store.conn.execute(
        f"SELECT {_C_COLUMNS} FROM profile_contributions WHERE id = ?", [contribution_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"there is no partner contribution with id {contribution_id}")
    return _contribution(row)


def insert_contribution(store: Store, c: Contribution) -> Contribution:
    """Insert a contribution; returns it with its id."""
    cur = store.conn.execute(
        "INSERT INTO profile_contributions (id, area_id, partner_name, partner_type, partner_id,"
        " data_supplied, supplied_on, isa_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            c.id,
            c.area_id,
            c.partner_name,
            c.partner_type,
            c.partner_id,
            c.data_supplied,
            c.supplied_on.isoformat(),
            c.isa_ref,
        ],
    )
    return get_contribution(store, int(cur.lastrowid or 0))


def delete_contribution(store: Store, contribution_id: int) -> None:
    """Remove one contribution."""
    store.conn.execute("DELETE FROM profile_contributions WHERE id = ?", [contribution_id])


# ----------------------------------------------------------------------------------- actions

_A_COLUMNS = (
    "id, area_id, strand, action, owner, partner, due, measure, status, linked_ocgs, version"
)


def _action(r: tuple[Any, ...]) -> ActionItem:
    return ActionItem(
        id=r[0],
        area_id=r[1],
        strand=Strand(r[2]),
        action=r[3],
        owner=r[4],
        partner=r[5],
        due=_d(r[6]),
        measure=r[7],
        status=ActionStatus(r[8]),
        linked_ocgs=tuple(json.loads(r[9])),
        version=r[10],
    )


def actions(store: Store, area_id: int | None = None) -> list[ActionItem]:
    """4P action items (of one area, or all), by due date."""
    where, params = ("WHERE area_id = ?", [area_id]) if area_id is not None else ("", [])
    return [
        _action(r)
        for r in store.conn.execute(
            f"SELECT {_A_COLUMNS} FROM profile_actions {where} ORDER BY due IS NULL, due, id",
            params,
        )
    ]


def get_action(store: Store, action_id: int) -> ActionItem:
    """One action item; NotFoundError when there is none."""
    row = store.conn.execute(
        f"SELECT {_A_COLUMNS} FROM profile_actions WHERE id = ?", [action_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"there is no action with id {action_id}")
    return _action(row)


def _action_values(a: ActionItem) -> list[Any]:
    return [
        a.area_id,
        str(a.strand),
        a.action,
        a.owner,
        a.partner,
        _iso(a.due),
        a.measure,
        str(a.status),
        json.dumps(list(a.linked_ocgs)),
    ]


def insert_action(store: Store, a: ActionItem) -> ActionItem:
    """Insert an action item; returns it with its id."""
    cur = store.conn.execute(
        "INSERT INTO profile_actions (area_id, strand, action, owner, partner, due, measure,"
        " status, linked_ocgs, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        _action_values(a),
    )
    return get_action(store, int(cur.lastrowid or 0))


def update_action(store: Store, a: ActionItem) -> ActionItem:
    """Save an edited action item; ConflictError when someone else saved it first."""
    cur = store.conn.execute(
        "UPDATE profile_actions SET area_id = ?, strand = ?, action = ?, owner = ?, partner = ?,"
        " due = ?, measure = ?, status = ?, linked_ocgs = ?, version = version + 1"
        " WHERE id = ? AND version = ?",
        [*_action_values(a), a.id, a.version],
    )
    if cur.rowcount == 0:
        get_action(store, a.id or 0)  # NotFoundError when it is gone
        raise ConflictError("someone else changed this action; reload it and try again")
    return get_action(store, a.id or 0)


# ------------------------------------------------------------------------------------- rules


def rules(store: Store) -> ProfileRules:
    """The completeness rules as configured in this database."""
    types = tuple(
        PartnerType(k, label)
        for k, label in store.conn.execute(
            "SELECT key, label FROM profile_partner_types ORDER BY position, key"
        )
    )
    settings = dict(store.conn.execute("SELECT key, value FROM profile_settings").fetchall())
    return ProfileRules(
        partner_types=types,
        section_max_age_days=int(settings.get("section_max_age_days", 365)),
        review_days=int(settings.get("review_days", 365)),
    )


def replace_partner_types(store: Store, types: tuple[PartnerType, ...]) -> None:
    """Replace the list of expected partner types."""
    store.conn.execute("DELETE FROM profile_partner_types")
    store.conn.executemany(
        "INSERT INTO profile_partner_types (key, label, position) VALUES (?, ?, ?)",
        [(t.key, t.label, i) for i, t in enumerate(types, start=1)],
    )


def contributed_types(store: Store) -> dict[int, set[str]]:
    """Area id -> partner types that have contributed to its profile."""
    out: dict[int, set[str]] = {}
    for area_id, ptype in store.conn.execute(
        "SELECT DISTINCT area_id, partner_type FROM profile_contributions"
    ):
        out.setdefault(area_id, set()).add(ptype)
    return out


def all_handling(store: Store) -> dict[int, Handling]:
    """Every started profile's handling block, by area id."""
    ids = [r[0] for r in store.conn.execute("SELECT area_id FROM profiles")]
    return {i: h for i in ids if (h := get_handling(store, i)) is not None}


def action_counts(store: Store) -> dict[int, int]:
    """Area id -> number of 4P actions."""
    return dict(
        store.conn.execute("SELECT area_id, COUNT(*) FROM profile_actions GROUP BY area_id")
    )


def force_name(store: Store) -> str:
    """The force's name from ``meta`` (blank when none is recorded)."""
    row = store.conn.execute("SELECT value FROM meta WHERE key = 'force_name'").fetchone()
    return str(row[0]) if row else ""


def bulk_insert(
    store: Store, table: str, columns: tuple[str, ...], values: list[tuple[Any, ...]]
) -> int:
    """Insert demo rows into one of the profile tables (names come from code, never input)."""
    if table not in {
        "profiles",
        "profile_section_versions",
        "profile_contributions",
        "profile_actions",
    }:
        raise ValueError(f"bulk insert into {table!r} is not allowed")
    cols = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    store.conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)
    return len(values)
