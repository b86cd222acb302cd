"""Database-wide key/value facts (the app marker, the force's name)."""

from __future__ import annotations

from socmap.store.db import Store


def set_value(store: Store, key: str, value: str) -> None:
    """Set ``key`` to ``value``."""
    store.conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def get_value(store: Store, key: str, default: str = "") -> str:
    """The value of ``key``, or ``default``."""
    row = store.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return str(row[0]) if row else default
