"""Accounts and their roles."""

from __future__ import annotations

import datetime as dt

from socmap.store import audit
from socmap.store.db import Store


def any_user(store: Store) -> bool:
    """True when at least one account is registered."""
    return store.conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def bootstrap_admin(store: Store) -> None:
    """Register the account that created the database as its admin."""
    with store.atomic():
        store.conn.execute(
            "INSERT INTO users (account, role, added_on) VALUES (?, 'admin', ?)",
            [store.actor, dt.date.today().isoformat()],
        )
        audit.record(
            store,
            action="create",
            entity="user",
            entity_id=store.actor,
            summary="database created; creator registered as admin",
            after={"account": store.actor, "role": "admin"},
        )


def role_of(store: Store, account: str) -> str | None:
    """The role of ``account``, or None when it is not registered."""
    # Names are stored in canonical (lower-case) form; NOCASE also matches a row written
    # before that rule, so "DS.Smith" and "ds.smith" are always the same account.
    row = store.conn.execute(
        "SELECT role FROM users WHERE account = ? COLLATE NOCASE ORDER BY account = ? DESC",
        [account, account],
    ).fetchone()
    return row[0] if row else None


def list_users(store: Store) -> list[tuple[str, str, str]]:
    """(account, role, added_on) for every registered account."""
    return store.conn.execute(
        "SELECT account, role, added_on FROM users ORDER BY account"
    ).fetchall()


def set_role(store: Store, account: str, role: str) -> str | None:
    """Add ``account`` or change its role; returns the previous role (None when new)."""
    before = role_of(store, account)
    store.conn.execute(
        "INSERT INTO users (account, role, added_on) VALUES (?, ?, ?) "
        "ON CONFLICT(account) DO UPDATE SET role = excluded.role",
        [account, role, dt.date.today().isoformat()],
    )
    return before


def remove_user(store: Store, account: str) -> None:
    """Unregister ``account``."""
    store.conn.execute("DELETE FROM users WHERE account = ?", [account])
