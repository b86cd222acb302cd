"""The audit trail: every write, export and view of a nominal, in a hash chain.

Each ``audit`` row carries ``row_hash = sha256(prev_hash + the row's fields + payload_digest)``.
The before/after values live apart in ``audit_payload``: disposal may erase a payload (it holds
personal data) and leave a tombstone, and the chain still verifies, because it covers only the
payload's digest. Verification recomputes everything from the rows themselves and does not rely
on the triggers, which anyone with the sqlite3 shell can drop.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socmap.store import dialect
from socmap.store.db import Store

GENESIS = "0" * 64
TOMBSTONE = '{"erased": true}'


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _row_hash(
    prev_hash: str,
    *,
    row_id: int,
    ts: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    summary: str,
    payload_digest: str,
) -> str:
    fields = [prev_hash, str(row_id), ts, actor, action, entity, entity_id, summary, payload_digest]
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def record(
    store: Store,
    *,
    action: str,
    entity: str,
    entity_id: str | int = "",
    summary: str = "",
    before: Any = None,
    after: Any = None,
    extra: dict[str, Any] | None = None,
) -> int:
    """Append one audit row (inside the caller's transaction, or its own); returns its id.

    ``summary`` must hold no personal data: it is kept when a payload is erased.
    """
    payload: dict[str, Any] = {"before": before, "after": after}
    if extra:
        payload.update(extra)
    payload_text = canonical_json(payload)
    digest = hashlib.sha256(payload_text.encode("utf-8")).hexdigest()
    ts = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    if store.on_server:
        # The database writes the row: its trigger sets the id, the time, the session's login
        # and the hash chain under a lock, whatever a client sends (socmap.store.pg_schema).
        with store.atomic():
            cur = store.conn.execute(
                "INSERT INTO audit (id, ts, actor, action, entity, entity_id, summary,"
                " payload_digest, prev_hash, row_hash) VALUES (0, '', '', ?, ?, ?, ?, ?, '', '')",
                [action, entity, str(entity_id), summary, digest],
            )
            row_id = int(cur.lastrowid)
            store.pending_audit_ids.add(row_id)
            store.conn.execute(
                "INSERT INTO audit_payload (audit_id, payload) VALUES (?, ?)",
                [row_id, payload_text],
            )
        return row_id
    with store.atomic():
        last = store.conn.execute(
            "SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1"
        ).fetchone()
        row_id = (last[0] + 1) if last else 1
        prev = last[1] if last else GENESIS
        h = _row_hash(
            prev,
            row_id=row_id,
            ts=ts,
            actor=store.actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            summary=summary,
            payload_digest=digest,
        )
        store.conn.execute(
            "INSERT INTO audit (id, ts, actor, action, entity, entity_id, summary, payload_digest,"
            " prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [row_id, ts, store.actor, action, entity, str(entity_id), summary, digest, prev, h],
        )
        store.conn.execute(
            "INSERT INTO audit_payload (audit_id, payload) VALUES (?, ?)", [row_id, payload_text]
        )
        # The head (last id and hash) is kept in meta too, so that rows cut off the end of the
        # trail are noticed; an anchor kept outside the file (``socmap audit head``) is stronger.
        store.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('audit_head', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [f"{row_id}:{h}"],
        )
        store.audited = True  # the outermost commit anchors the new head outside the file
        store.pending_audit_ids.add(row_id)
    return row_id


ANCHOR_FOLDER = "audit-anchors"


def anchor_file(store: Store) -> Path | None:
    """The append-only file outside the database where its trail's heads are anchored.

    One file per database, named from the database's path and its first audit row (which no
    other database shares); None for an in-memory database or an empty trail.
    """
    if store.path is None:
        return None
    from socmap.paths import user_data_dir

    try:
        first = store.conn.execute("SELECT row_hash FROM audit WHERE id = 1").fetchone()
    except sqlite3.DatabaseError:
        return None
    if first is None:
        return None
    key = hashlib.sha256(f"{store.path.resolve()}\n{first[0]}".encode()).hexdigest()[:32]
    return user_data_dir() / ANCHOR_FOLDER / f"{key}.log"


def write_anchor(store: Store) -> None:
    """Append the trail's current head to its anchor file (after a commit; best effort)."""
    with contextlib.suppress(OSError, sqlite3.DatabaseError):
        path = anchor_file(store)
        if path is None:
            return
        row_id, h = head(store)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{row_id}:{h}\n".encode("ascii"))
        finally:
            os.close(fd)


def read_anchor(store: Store) -> tuple[Path, tuple[int, str]] | None:
    """The anchor file and the last head it records, when there is one."""
    path = anchor_file(store)
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            fh.seek(max(path.stat().st_size - 4096, 0))
            tail = fh.read().decode("ascii", errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(tail):
        pair = _parse_head(line)
        if pair is not None:
            return path, pair
    return None


def head(store: Store) -> tuple[int, str]:
    """(id, row_hash) of the last audit row; (0, GENESIS) when the trail is empty."""
    row = store.conn.execute("SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def erase_payloads(store: Store, audit_ids: list[int]) -> int:
    """Replace the payloads of ``audit_ids`` with the tombstone (disposal); returns how many."""
    if not audit_ids:
        return 0
    before = store.conn.total_changes
    store.conn.executemany(
        "UPDATE audit_payload SET payload = ? WHERE audit_id = ? AND payload <> ?",
        [(TOMBSTONE, i, TOMBSTONE) for i in audit_ids],
    )
    return store.conn.total_changes - before


def payload_ids_referring(
    store: Store, *, entity: str, entity_id: int, keys: tuple[str, ...]
) -> list[int]:
    """Audit rows whose payload concerns the record: its own rows, and rows whose payload holds
    ``entity_id`` under one of ``keys`` (e.g. a membership's ``nominal_id``)."""
    # SQLite may give a disposed record's id to a new record; rows up to an earlier disposal
    # of the same id belong to the earlier record (already erased), and dispose rows themselves
    # hold no personal data and list what was erased: both are left alone.
    last = store.conn.execute(
        "SELECT COALESCE(MAX(id), 0) FROM audit WHERE action = 'dispose' AND entity = ?"
        " AND entity_id = ?",
        [entity, str(entity_id)],
    ).fetchone()[0]
    own = [
        r[0]
        for r in store.conn.execute(
            "SELECT id FROM audit WHERE entity = ? AND entity_id = ? AND id > ?"
            " AND action <> 'dispose'",
            [entity, str(entity_id), last],
        )
    ]
    if store.on_server:
        paths = " OR ".join(
            "jsonb_path_exists(p.payload::jsonb, %s::jsonpath, jsonb_build_object('v', %s))"
            for _ in keys
        )
        params: list[Any] = [last]
        for key in keys:
            params += [f"strict $.**.{json.dumps(key)} ? (@ == $v)", int(entity_id)]
        referring = [
            r[0]
            for r in store.conn.native(
                "SELECT DISTINCT p.audit_id FROM audit_payload p JOIN audit a ON a.id ="
                f" p.audit_id WHERE p.audit_id > %s AND a.action <> 'dispose' AND ({paths})",
                params,
            )
        ]
        return sorted(set(own) | set(referring))
    marks = ", ".join("?" for _ in keys)
    referring = [
        r[0]
        for r in store.conn.execute(
            "SELECT DISTINCT p.audit_id FROM audit_payload p JOIN audit a ON a.id = p.audit_id,"
            " json_tree(p.payload) t "
            f"WHERE p.audit_id > ? AND a.action <> 'dispose' AND json_valid(p.payload) "
            f"AND t.key IN ({marks}) AND t.type = 'integer' AND t.atom = ?",
            [last, *keys, entity_id],
        )
    ]
    return sorted(set(own) | set(referring))


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as the viewer and the CLI show it."""

    id: int
    ts: str
    actor: str
    action: str
    entity: str
    entity_id: str
    summary: str
    payload: str | None


def _where(
    entity: str | None,
    entity_id: str | None,
    actor: str | None,
    action: str | None,
    since: str | None,
    until: str | None,
) -> tuple[str, list[str]]:
    where, params = ["1=1"], []
    for column, value in (
        ("a.entity", entity),
        ("a.entity_id", entity_id),
        ("a.actor", actor),
        ("a.action", action),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if since:
        where.append("a.ts >= ?")
        params.append(since)
    if until:
        where.append("a.ts < ?")
        params.append(until)
    return " AND ".join(where), params


def rows(
    store: Store,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 1000,
) -> list[AuditRow]:
    """Audit rows, newest first, filtered by any of the given fields."""
    where, params = _where(entity, entity_id, actor, action, since, until)
    sql = (
        "SELECT a.id, a.ts, a.actor, a.action, a.entity, a.entity_id, a.summary, p.payload "
        "FROM audit a LEFT JOIN audit_payload p ON p.audit_id = a.id "
        f"WHERE {where} ORDER BY a.id DESC LIMIT ?"
    )
    return [AuditRow(*r) for r in store.conn.execute(sql, [*params, limit])]


def rows_after(store: Store, after_id: int, *, limit: int = 500) -> list[AuditRow]:
    """Audit rows with an id above ``after_id``, oldest first (what others wrote since)."""
    sql = (
        "SELECT a.id, a.ts, a.actor, a.action, a.entity, a.entity_id, a.summary, p.payload "
        "FROM audit a LEFT JOIN audit_payload p ON p.audit_id = a.id "
        "WHERE a.id > ? ORDER BY a.id LIMIT ?"
    )
    return [AuditRow(*r) for r in store.conn.execute(sql, [after_id, limit])]


def count_matching(
    store: Store,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> int:
    """How many audit rows match the filter ``rows`` takes."""
    where, params = _where(entity, entity_id, actor, action, since, until)
    sql = f"SELECT COUNT(*) FROM audit a WHERE {where}"
    return int(store.conn.execute(sql, params).fetchone()[0])


def count(store: Store) -> int:
    """Number of audit rows."""
    return int(store.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0])


@dataclass(frozen=True)
class ChainProblem:
    """The first audit row at which the chain breaks, and why."""

    row_id: int
    reason: str


def verify_chain(
    store: Store,
    *,
    expect_head: tuple[int, str] | None = None,
    anchored: tuple[str, tuple[int, str]] | None = None,
) -> ChainProblem | None:
    """Recompute the chain from the first row; the first problem found, or None when intact.

    Uses only the rows themselves (never the triggers). ``expect_head`` is an (id, hash) pair
    recorded outside the file earlier (``socmap audit head``): that row must still be there
    with that hash, which also catches rows cut off the end of the trail. ``anchored`` is
    (where, head) read from the anchor file. Records that no audit row accounts for (a trail
    emptied or cut short together with its recorded head) are a problem too.
    """
    prev = GENESIS
    expected_id = 1
    erased: list[int] = []
    erasure_listed: set[int] = set()
    hashes: dict[int, str] = {}
    # Text is read as bytes and decoded leniently: a damaged byte must show up as a row whose
    # hash does not match, not as a decoding error.
    try:
        cur = store.conn.execute(
            "SELECT a.id, CAST(a.ts AS BLOB), CAST(a.actor AS BLOB), CAST(a.action AS BLOB),"
            " CAST(a.entity AS BLOB), CAST(a.entity_id AS BLOB), CAST(a.summary AS BLOB),"
            " CAST(a.payload_digest AS BLOB), CAST(a.prev_hash AS BLOB),"
            " CAST(a.row_hash AS BLOB), CAST(p.payload AS BLOB) FROM audit a "
            "LEFT JOIN audit_payload p ON p.audit_id = a.id ORDER BY a.id"
        )
        rows_read = [(r[0], *(_text(v) for v in r[1:])) for r in cur]
    except sqlite3.DatabaseError as exc:
        if "no such table" in str(exc):
            return ChainProblem(
                expected_id,
                f"the audit trail is gone ({exc}: its table was dropped); the database no "
                "longer shows who did what. Restore it from a backup",
            )
        return ChainProblem(expected_id, f"the audit trail cannot be read ({exc})")
    for (
        row_id,
        ts,
        actor,
        action,
        entity,
        entity_id,
        summary,
        digest,
        prev_hash,
        row_hash,
        payload,
    ) in rows_read:
        if not isinstance(row_id, int):
            return ChainProblem(expected_id, "a row's id is not a number (the row was altered)")
        if row_id != expected_id:
            if row_id < expected_id:
                return ChainProblem(row_id, f"row {row_id} is out of order")
            return ChainProblem(expected_id, f"row {expected_id} is missing (next row is {row_id})")
        if prev_hash != prev:
            return ChainProblem(
                row_id,
                "its link to the previous row does not match (rows were "
                "removed, inserted or reordered before it)",
            )
        computed = _row_hash(
            prev,
            row_id=row_id,
            ts=str(ts),
            actor=str(actor),
            action=str(action),
            entity=str(entity),
            entity_id=str(entity_id),
            summary=str(summary),
            payload_digest=str(digest),
        )
        if computed != row_hash:
            return ChainProblem(row_id, "its content does not match its hash (the row was altered)")
        if payload is None:
            return ChainProblem(row_id, "its before/after values are missing")
        if payload == TOMBSTONE:
            erased.append(row_id)
        else:
            if hashlib.sha256(str(payload).encode("utf-8")).hexdigest() != digest:
                return ChainProblem(row_id, "its before/after values were altered")
            if action == "dispose":
                try:
                    listed = json.loads(payload).get("erased_audit_ids") or []
                    erasure_listed.update(int(i) for i in listed)
                except (ValueError, TypeError, AttributeError):
                    pass
        hashes[row_id] = row_hash
        prev = row_hash
        expected_id += 1
    unexplained = [i for i in erased if i not in erasure_listed]
    if unexplained:
        return ChainProblem(
            unexplained[0], "its before/after values were erased without a recorded disposal"
        )
    last_id = expected_id - 1
    try:
        anchor = store.conn.execute(
            "SELECT CAST(value AS BLOB) FROM meta WHERE key = 'audit_head'"
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        return ChainProblem(last_id, f"the record of the trail's head cannot be read ({exc})")
    anchor_text = _text(anchor[0]) if anchor else None
    own = _parse_head(anchor_text or "")
    if anchor_text is not None and own is None:
        return ChainProblem(last_id, "the record of the trail's head was altered")
    unaccounted = _unaccounted_records(store, last_id)
    if unaccounted is not None:
        return unaccounted
    for source, pair in (
        ("the database's own record", own),
        ("the head you gave", expect_head),
        (
            f"the head anchored outside the file ({anchored[0]})" if anchored else "",
            anchored and anchored[1],
        ),
    ):
        if pair is None:
            continue
        want_id, want_hash = pair
        if want_id > last_id:
            return ChainProblem(
                last_id + 1,
                f"rows {last_id + 1} to {want_id} are missing from the end of the trail "
                f"({source} of the latest row is row {want_id})",
            )
        if hashes.get(want_id) != want_hash:
            return ChainProblem(
                want_id, f"its hash differs from {source} of it (the trail was rewritten)"
            )
    return None


#: Tables that are the trail itself or bookkeeping, not records the trail must account for.
#: Configuration a new register starts with (the schema steps seed it): not records, so an
#: empty trail beside it is a new register, not a trail cut away.
_SEEDED_CONFIGURATION = frozenset({"scoring_configs", "profile_settings", "profile_partner_types"})
_NOT_RECORDS = frozenset({"audit", "audit_payload", "meta", "_sqlite_migrations"})


def _unaccounted_records(store: Store, last_id: int) -> ChainProblem | None:
    """Records that no audit row accounts for: the trail (or its tail) was removed.

    Every database records its own creation and every import batch on the trail, so an empty
    trail in a database holding records, or an intelligence batch without its import row,
    means audit rows were cut away.
    """
    try:
        tables = [t for t in dialect.user_tables(store.conn) if t not in _NOT_RECORDS]
        if last_id == 0:
            holding = [
                t
                for t in tables
                if t not in _SEEDED_CONFIGURATION
                if store.conn.execute(f'SELECT EXISTS (SELECT 1 FROM "{t}")').fetchone()[0]
            ]
            if holding:
                return ChainProblem(
                    1,
                    f"the trail is empty, but the database holds records (in {', '.join(holding[:4])}"
                    f"{'...' if len(holding) > 4 else ''}); its audit rows were removed",
                )
            return None
        checks = (
            (
                "intel",
                "SELECT batch, COUNT(*) FROM intel WHERE instr(batch, '@') > 0 AND batch NOT IN "
                "(SELECT entity_id FROM audit WHERE entity = 'intel') GROUP BY batch",
                "{1} intelligence rows of import batch '{0}' have no audit row recording "
                "their import",
            ),
        )
        for table, sql, text in checks:
            if table not in tables:
                continue
            row = store.conn.execute(sql + " LIMIT 1").fetchone()
            if row is not None:
                return ChainProblem(
                    last_id + 1,
                    text.format(*row) + " (audit rows were cut from the trail)",
                )
    except sqlite3.DatabaseError as exc:
        return ChainProblem(last_id + 1, f"the records cannot be checked against the trail ({exc})")
    return None


def _text(value: bytes | None) -> str | None:
    return None if value is None else bytes(value).decode("utf-8", errors="replace")


def _parse_head(text: str) -> tuple[int, str] | None:
    """Parse ``ID:HASH`` (as stored in meta and printed by ``socmap audit head``)."""
    row_id, sep, h = text.strip().partition(":")
    if not sep or not row_id.isdigit() or len(h) != 64:
        return None
    return int(row_id), h.lower()


def parse_head(text: str) -> tuple[int, str]:
    """Parse a head as printed by ``socmap audit head`` (``ID:HASH``); ValueError otherwise."""
    pair = _parse_head(text)
    if pair is None:
        raise ValueError(f"'{text}' is not an audit head (expected ID:SHA256, e.g. 42:9f86d0...)")
    return pair


def distinct_values(store: Store, column: str) -> list[str]:
    """Distinct values of ``actor`` or ``action`` (for filters)."""
    if column not in ("actor", "action", "entity"):
        raise ValueError(f"no filter on {column!r}")
    return [r[0] for r in store.conn.execute(f"SELECT DISTINCT {column} FROM audit ORDER BY 1")]
