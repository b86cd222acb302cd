"""Bulk inserts for imports and the demo: plain ``executemany`` inside the caller's transaction.

sqlite-utils' ``insert_all`` is 3.5-4x slower for bulk writes (perf-notes F2), so the hot path
uses the sqlite3 connection directly. Table and column names come from code, never from input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from socmap.store.db import Store

BULK_TABLES = frozenset(
    {"ocgs", "ocg_refs", "nominals", "memberships", "locations", "intel", "associations"}
)


def insert_rows(
    store: Store,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    allowed: frozenset[str] = BULK_TABLES,
) -> int:
    """Insert ``rows`` into ``table`` (one of ``allowed``); returns how many were written."""
    if table not in allowed:
        raise ValueError(f"bulk insert into {table!r} is not allowed")
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    return execute_many(store, f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)


def execute_many(store: Store, sql: str, rows: Iterable[Sequence[Any]]) -> int:
    """Run one parameterised statement for every row; returns how many rows it changed."""
    before = store.conn.total_changes
    store.conn.executemany(sql, rows)
    return store.conn.total_changes - before


def max_id(store: Store, table: str) -> int:
    """The largest id in ``table`` (0 when empty)."""
    if table not in BULK_TABLES:
        raise ValueError(f"unknown table {table!r}")
    return int(store.conn.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"').fetchone()[0])
