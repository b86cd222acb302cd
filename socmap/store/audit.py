"""The audit trail: every write, export and view of a nominal, in a hash chain.

Each ``audit`` row carries ``row_hash = sha256(prev_hash + the row's fields + payload_digest)``.
The before/after values live apart in ``audit_payload``: disposal may erase a payload (it holds
personal data) and leave a tombstone, and the chain still verifies, because it covers only the
payload's digest. Verification recomputes everything from the rows themselves and does not rely
on the triggers, which anyone with the sqlite3 shell can drop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

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
    return row_id


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
    sql = (
        "SELECT a.id, a.ts, a.actor, a.action, a.entity, a.entity_id, a.summary, p.payload "
        "FROM audit a LEFT JOIN audit_payload p ON p.audit_id = a.id "
        f"WHERE {' AND '.join(where)} ORDER BY a.id DESC LIMIT ?"
    )
    return [AuditRow(*r) for r in store.conn.execute(sql, [*params, limit])]


def count(store: Store) -> int:
    """Number of audit rows."""
    return int(store.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0])


@dataclass(frozen=True)
class ChainProblem:
    """The first audit row at which the chain breaks, and why."""

    row_id: int
    reason: str


def verify_chain(store: Store) -> ChainProblem | None:
    """Recompute the chain from the first row; the first problem found, or None when intact."""
    prev = GENESIS
    expected_id = 1
    cur = store.conn.execute(
        "SELECT a.id, a.ts, a.actor, a.action, a.entity, a.entity_id, a.summary, a.payload_digest,"
        " a.prev_hash, a.row_hash, p.payload FROM audit a "
        "LEFT JOIN audit_payload p ON p.audit_id = a.id ORDER BY a.id"
    )
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
    ) in cur:
        if row_id != expected_id:
            return ChainProblem(expected_id, f"row {expected_id} is missing (next row is {row_id})")
        if prev_hash != prev:
            return ChainProblem(row_id, "its link to the previous row does not match")
        computed = _row_hash(
            prev,
            row_id=row_id,
            ts=ts,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            summary=summary,
            payload_digest=digest,
        )
        if computed != row_hash:
            return ChainProblem(row_id, "its content does not match its hash (the row was altered)")
        if (
            payload is not None
            and payload != TOMBSTONE
            and hashlib.sha256(payload.encode("utf-8")).hexdigest() != digest
        ):
            return ChainProblem(row_id, "its before/after values were altered")
        prev = row_hash
        expected_id += 1
    return None
