"""Rows for MoPI review: review dates, retention rationale, decisions, and disposal's deletes.

Intelligence without its own review date is due six years after it was reported (review group
3's clear period); a nominal without a review date is due at once (no review was ever recorded).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any

from socmap.domain.errors import NotFoundError, SocmapError
from socmap.store import dialect
from socmap.store.db import Store, explain_sqlite_error

#: Tables under review, by entity name (names come from code, never from input).
REVIEWED = {"nominal": "nominals", "intel": "intel"}

_INTEL_DUE = "COALESCE(review_due, date(reported_on, '+6 years'), '0000-01-01')"
_NOMINAL_DUE = "COALESCE(review_due, '0000-01-01')"


def _table(entity: str) -> str:
    try:
        return REVIEWED[entity]
    except KeyError:
        raise NotFoundError(f"'{entity}' records are not reviewed (use nominal or intel)") from None


def queue_rows(store: Store, *, as_of: dt.date, limit: int) -> list[tuple[Any, ...]]:
    """(entity, id, label, due, group, rationale, marking) of records due by ``as_of``, oldest first.

    Public open data (police.uk crimes, ``open_data``) is not police information and is never
    due. ``due`` is None where no review date was ever recorded. The label is the nominal's name or
    the intelligence item's category and date (the queue is for people entitled to see them).
    """
    iso = as_of.isoformat()
    sql = f"""
    SELECT * FROM (
        SELECT 'nominal', id,
               upper(surname) || CASE WHEN forenames <> '' THEN ', ' || forenames ELSE '' END,
               review_due, review_group, retention_rationale, marking, {_NOMINAL_DUE} AS eff
        FROM nominals WHERE {_NOMINAL_DUE} <= ?
        UNION ALL
        SELECT 'intel', id,
               'intelligence ' || COALESCE(category, '') || ' ' || COALESCE(reported_on, ''),
               COALESCE(review_due, date(reported_on, '+6 years')), review_group,
               retention_rationale, marking, {_INTEL_DUE} AS eff
        FROM intel WHERE open_data = 0 AND {_INTEL_DUE} <= ?
    ) ORDER BY eff, 1, 2 LIMIT ?
    """
    return [r[:7] for r in store.conn.execute(sql, [iso, iso, limit])]


def queue_count(store: Store, *, as_of: dt.date) -> dict[str, int]:
    """Number of records due for review by ``as_of``, per entity."""
    iso = as_of.isoformat()
    n = store.conn.execute(f"SELECT COUNT(*) FROM nominals WHERE {_NOMINAL_DUE} <= ?", [iso])
    i = store.conn.execute(
        f"SELECT COUNT(*) FROM intel WHERE open_data = 0 AND {_INTEL_DUE} <= ?", [iso]
    )
    return {"nominal": int(n.fetchone()[0]), "intel": int(i.fetchone()[0])}


def review_state(store: Store, entity: str, entity_id: int) -> tuple[str | None, int, str]:
    """(review_due, review_group, retention_rationale) of one record; NotFoundError if absent."""
    table = _table(entity)
    row = store.conn.execute(
        f'SELECT review_due, review_group, retention_rationale FROM "{table}" WHERE id = ?',
        [entity_id],
    ).fetchone()
    if row is None:
        raise NotFoundError(f"there is no {entity} with id {entity_id}")
    return row[0], int(row[1]), row[2]


def set_review(
    store: Store, entity: str, entity_id: int, *, due: dt.date, group: int, rationale: str
) -> None:
    """Record the next review date, the review group and the rationale for holding the record."""
    table = _table(entity)
    store.conn.execute(
        f'UPDATE "{table}" SET review_due = ?, review_group = ?, retention_rationale = ? '
        "WHERE id = ?",
        [due.isoformat(), group, rationale, entity_id],
    )


def insert_decision(
    store: Store,
    *,
    entity: str,
    entity_id: int,
    decided_on: dt.date,
    decided_by: str,
    decision: str,
    group: int,
    next_review: dt.date | None,
    rationale: str,
) -> int:
    """Record one review decision; returns its id."""
    cur = store.conn.execute(
        "INSERT INTO review_decisions (entity, entity_id, decided_on, decided_by, decision,"
        " review_group, next_review, rationale) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            entity,
            entity_id,
            decided_on.isoformat(),
            decided_by,
            decision,
            group,
            next_review.isoformat() if next_review else None,
            rationale,
        ],
    )
    return int(cur.lastrowid or 0)


def decisions(store: Store, entity: str, entity_id: int) -> list[tuple[Any, ...]]:
    """(id, decided_on, decided_by, decision, group, next_review, rationale), oldest first."""
    return store.conn.execute(
        "SELECT id, decided_on, decided_by, decision, review_group, next_review, rationale "
        "FROM review_decisions WHERE entity = ? AND entity_id = ? ORDER BY id",
        [entity, entity_id],
    ).fetchall()


def erase_decision_rationales(store: Store, entity: str, entity_id: int, text: str) -> None:
    """Replace the rationale of earlier decisions on a disposed record (they may describe it)."""
    store.conn.execute(
        "UPDATE review_decisions SET rationale = ? WHERE entity = ? AND entity_id = ?",
        [text, entity, entity_id],
    )


def identity_of(store: Store, entity_id: int) -> tuple[int, str, str, str, str] | None:
    """(id, surname, forenames, aliases JSON, address) of a nominal, for redaction."""
    row = store.conn.execute(
        "SELECT id, surname, forenames, aliases, address_label FROM nominals WHERE id = ?",
        [entity_id],
    ).fetchone()
    return tuple(row) if row else None  # type: ignore[return-value]


def names_shared(store: Store, entity_id: int) -> tuple[bool, bool]:
    """(another nominal or an OCG name holds the surname, another nominal has the forenames)."""
    row = store.conn.execute(
        "SELECT surname, forenames FROM nominals WHERE id = ?", [entity_id]
    ).fetchone()
    if row is None:
        return False, False
    surname, forenames = row
    other = store.conn.execute(
        "SELECT 1 FROM nominals WHERE id <> ? AND lower(surname) = lower(?)"
        " UNION SELECT 1 FROM ocgs WHERE instr(lower(name), lower(?)) > 0 LIMIT 1",
        [entity_id, surname, surname],
    ).fetchone()
    same_first = store.conn.execute(
        "SELECT 1 FROM nominals WHERE id <> ? AND lower(forenames) = lower(?) LIMIT 1",
        [entity_id, forenames],
    ).fetchone()
    return other is not None, same_first is not None or not (forenames or "").strip()


def personal_strings(store: Store, entity: str, entity_id: int) -> list[str]:
    """Identifying strings of a record (a nominal's names and aliases), to keep out of rationales."""
    if entity != "nominal":
        return []
    row = store.conn.execute(
        "SELECT surname, forenames, aliases FROM nominals WHERE id = ?", [entity_id]
    ).fetchone()
    if row is None:
        return []
    import json

    out = [row[0], row[1], *json.loads(row[2] or "[]")]
    return [s for s in out if s and len(s.strip()) >= 3]


def referencing_columns(store: Store, entity: str) -> list[tuple[str, str, str]]:
    """(table, column, on_delete) of every foreign key pointing at the record's table.

    Read from the schema, so tables that features add later are covered without code changes.
    """
    target = _table(entity)
    out = []
    for t in dialect.user_tables(store.conn):
        for fk in dialect.foreign_key_list(store.conn, t):
            if fk[2] == target:
                out.append((t, fk[3], str(fk[6]).upper()))
    return out


def delete_record(store: Store, entity: str, entity_id: int) -> dict[str, int]:
    """Delete the record and what hangs off it; returns rows deleted (or unlinked) per table.

    Rows in other tables that refer to it go by their foreign key's ON DELETE rule (memberships
    and person-to-person links cascade); they are counted first so the audit can say how many.

    Raises:
        SocmapError: another table refers to the record without ON DELETE CASCADE/SET NULL.
    """
    table = _table(entity)
    counts: dict[str, int] = {}
    for ref_table, column, _rule in referencing_columns(store, entity):
        n = int(
            store.conn.execute(
                f'SELECT COUNT(*) FROM "{ref_table}" WHERE "{column}" = ?', [entity_id]
            ).fetchone()[0]
        )
        counts[ref_table] = counts.get(ref_table, 0) + n
    try:
        # A savepoint, so that a refusal leaves the caller's transaction usable (PostgreSQL
        # aborts the whole transaction on an error otherwise).
        with store.atomic():
            cur = store.conn.execute(f'DELETE FROM "{table}" WHERE id = ?', [entity_id])
    except sqlite3.IntegrityError:
        blocking = sorted(
            t
            for t, _c, rule in referencing_columns(store, entity)
            if rule not in ("CASCADE", "SET NULL") and counts.get(t)
        )
        raise SocmapError(
            f"{entity} {entity_id} cannot be disposed of: records in "
            f"{', '.join(blocking) or 'another table'} still refer to it; remove them first"
        ) from None
    if cur.rowcount == 0:
        raise NotFoundError(f"there is no {entity} with id {entity_id}")
    counts[table] = cur.rowcount
    return counts


#: Columns that identify *other* records (a relative sharing a surname keeps theirs) or are
#: the trail's own: disposal never rewrites them. Everything else of type TEXT is free text.
NOT_FREE_TEXT = {
    ("nominals", "surname"),
    ("nominals", "forenames"),
    ("nominals", "aliases"),
    ("ocgs", "name"),
    ("ocgs", "aliases"),
    ("users", "account"),
}
_NOT_SCRUBBED_TABLES = {"audit", "audit_payload"}


def free_text_columns(store: Store) -> list[tuple[str, str]]:
    """(table, column) of every text column that may hold free text, read from the schema (so
    tables that features add later are covered without code changes)."""
    out = []
    for t in dialect.user_tables(store.conn):
        if t in _NOT_SCRUBBED_TABLES:
            continue
        for col in dialect.table_info(store.conn, t):
            declared = str(col[2] or "").upper()
            if ("TEXT" in declared or "CHAR" in declared or declared == "") and (
                t,
                col[1],
            ) not in NOT_FREE_TEXT:
                out.append((t, str(col[1])))
    return out


def scrub_free_text(
    store: Store, mentions: Callable[[str], bool], redact: Callable[[str], str]
) -> dict[str, int]:
    """Rewrite every free-text value that ``mentions`` the person with ``redact``; returns the
    number of values rewritten per table (inside the caller's transaction)."""
    counts: dict[str, int] = {}
    for table, column in free_text_columns(store):
        try:
            found = dialect.rows_mentioning(store.conn, table, column, mentions)
        except sqlite3.OperationalError:  # a WITHOUT ROWID table: none hold free text today
            continue
        for row_key, value in found:
            dialect.update_by_row_key(store.conn, table, column, redact(value), row_key)
        if found:
            counts[table] = counts.get(table, 0) + len(found)
    return counts


def payload_ids_mentioning(store: Store, mentions: Callable[[str], bool]) -> list[int]:
    """Audit rows whose payload mentions the person (a narrative saved, a file imported)."""
    found = dialect.rows_mentioning(
        store.conn, "audit_payload", "payload", mentions, key="audit_id"
    )
    return [int(k) for k, _v in found]


def chained_fields_mentioning(store: Store, mentions: Callable[[str], bool]) -> list[int]:
    """Audit rows whose *chained* fields mention the person (they cannot be erased: socmap
    never writes user-supplied text there; older files may)."""
    ids = {
        int(k)
        for k, _v in dialect.rows_mentioning(store.conn, "audit", "summary", mentions, key="id")
    }
    ids |= {
        int(k)
        for k, _v in dialect.rows_mentioning(store.conn, "audit", "entity_id", mentions, key="id")
    }
    return sorted(ids)


def set_secure_delete(store: Store, on: bool) -> int:
    """Switch secure_delete (zero freed content) on or off; returns the previous setting.

    A server has no such switch: deleted rows are reclaimed by VACUUM (see ``compact``).
    """
    if store.on_server:
        return 0
    before = int(store.conn.execute("PRAGMA secure_delete").fetchone()[0])
    store.conn.execute(f"PRAGMA secure_delete = {1 if on else 0}")
    return before


def compact(store: Store) -> bool:
    """VACUUM the file and checkpoint-truncate the WAL; True when no old page copy remains.

    False (nothing done) inside a caller's transaction, where SQLite cannot vacuum.
    """
    if store.conn.in_transaction:
        return False
    if store.on_server:
        return _vacuum_server(store)
    try:
        store.conn.execute("VACUUM")
    except sqlite3.OperationalError as exc:
        explained = explain_sqlite_error(exc, store.path)
        if explained is None:
            raise
        raise explained from None
    if store.path is None:
        return True
    # Readers elsewhere block the truncation; do not wait for them for long (the busy timeout
    # would hold the writer for 15 s): report it, and compact again later.
    timeout = int(store.conn.execute("PRAGMA busy_timeout").fetchone()[0])
    store.conn.execute("PRAGMA busy_timeout = 500")
    try:
        busy, _log, _done = store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        store.conn.execute(f"PRAGMA busy_timeout = {timeout}")
    return int(busy) == 0


def set_reviews_bulk(store: Store, entity: str, rows: list[tuple[str, int, str, int]]) -> None:
    """(review_due, group, rationale, id) for many records (demo and imports; caller's transaction)."""
    table = _table(entity)
    store.conn.executemany(
        f'UPDATE "{table}" SET review_due = ?, review_group = ?, retention_rationale = ? '
        "WHERE id = ?",
        rows,
    )


def mark_open_data(store: Store, batch: str) -> int:
    """Mark an import batch as public open data (police.uk): outside MoPI review."""
    cur = store.conn.execute("UPDATE intel SET open_data = 1 WHERE batch = ?", [batch])
    return cur.rowcount


def mark_intel_due(store: Store, *, every: int, as_of: dt.date, rationale: str) -> int:
    """Make every ``every``-th intelligence item due up to 60 days before ``as_of`` (demo)."""
    cur = store.conn.execute(
        "UPDATE intel SET review_due = date(?, '-' || (id % 60) || ' days'),"
        " retention_rationale = ? WHERE id % ? = 0 AND reported_on < date(?, '-60 days')",
        [as_of.isoformat(), rationale, every, as_of.isoformat()],
    )
    return cur.rowcount


def _vacuum_server(store: Store) -> bool:
    """VACUUM the tables disposal touched, where this login may (their owner); else False.

    PostgreSQL keeps a deleted row's old version until VACUUM reclaims it; autovacuum does so
    within minutes, and a DBA's scheduled VACUUM makes it certain (README, "Disposal").
    """
    done = True
    for table in dialect.user_tables(store.conn):
        try:
            store.conn.native(f'VACUUM "{table}"')
        except sqlite3.DatabaseError:
            done = False
    return done
