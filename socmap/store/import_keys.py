"""Stable keys from a force's own spreadsheets -> socmap record ids (issue 15 import specs)."""

from __future__ import annotations

from socmap.store.db import Store


def lookup(store: Store, *, system: str, kind: str, key: str) -> int | None:
    """The record id a spreadsheet key was imported as, or None."""
    row = store.conn.execute(
        "SELECT record_id FROM import_keys WHERE system = ? AND kind = ? AND key = ?",
        [system, kind, key],
    ).fetchone()
    return int(row[0]) if row else None


def remember(store: Store, *, system: str, kind: str, key: str, record_id: int) -> None:
    """Record (or move) a spreadsheet key's record id."""
    store.conn.execute(
        "INSERT INTO import_keys (system, kind, key, record_id) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (system, kind, key) DO UPDATE SET record_id = excluded.record_id",
        [system, kind, key, record_id],
    )


def nominal_identities(store: Store) -> list[tuple[int, str, str, str | None]]:
    """(id, surname, forenames, date_of_birth) of every nominal, for candidate matching."""
    return [
        (int(r[0]), r[1] or "", r[2] or "", r[3])
        for r in store.conn.execute(
            "SELECT id, surname, forenames, date_of_birth FROM nominals"
        ).fetchall()
    ]


def ocg_ids_by_name(store: Store) -> dict[str, int]:
    """Lower-cased group name -> id (the first, when names repeat)."""
    out: dict[str, int] = {}
    for oid, name in store.conn.execute("SELECT id, name FROM ocgs ORDER BY id").fetchall():
        out.setdefault(str(name).casefold(), int(oid))
    return out
