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
    """The role of ``account``, or None when it is not registered.

    On a server the roles are PostgreSQL group roles and ``users`` is a view of who is a
    member of which (see ``socmap.store.pg_schema``); the highest role a login holds counts.
    """
    if store.on_server:
        rows = store.conn.execute(
            "SELECT role FROM users WHERE lower(account) = lower(?)", [account]
        ).fetchall()
        order = ["viewer", "analyst", "supervisor", "admin"]
        held = [str(r[0]) for r in rows if r[0] in order]
        return max(held, key=order.index) if held else None
    # Names are stored in canonical (lower-case) form; NOCASE also matches a row written
    # before that rule, so "DS.Smith" and "ds.smith" are always the same account.
    row = store.conn.execute(
        "SELECT role FROM users WHERE lower(account) = lower(?) ORDER BY account = ? DESC",
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
    if store.on_server:
        # The database creates the login when missing (no password: the DBA decides how it
        # authenticates) and refuses anyone but a socmap admin.
        before_row = store.conn.execute("SELECT socmap_set_role(?, ?)", [account, role]).fetchone()
        return str(before_row[0]) if before_row and before_row[0] is not None else None
    before = role_of(store, account)
    store.conn.execute(
        "INSERT INTO users (account, role, added_on) VALUES (?, ?, ?) "
        "ON CONFLICT(account) DO UPDATE SET role = excluded.role",
        [account, role, dt.date.today().isoformat()],
    )
    return before


def remove_user(store: Store, account: str) -> None:
    """Unregister ``account`` (on a server: revoke its socmap role; the login stays)."""
    if store.on_server:
        store.conn.execute("SELECT socmap_remove_user(?)", [account])
        return
    store.conn.execute("DELETE FROM users WHERE account = ?", [account])
