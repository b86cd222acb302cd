"""Accounts and roles: who may use a database and with which role (admins only may change it).

Identity is the OS account (``store.actor``); the account that created the database is its
first admin. A database always keeps at least one admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from socmap.domain.accounts import canonical_account
from socmap.domain.changes import Changes
from socmap.domain.errors import ConflictError, NotFoundError, ValidationError
from socmap.domain.roles import Permission, UserRole
from socmap.services.auth import require
from socmap.store import audit, users
from socmap.store.db import Store, unit_of_work


@dataclass(frozen=True)
class Account:
    """A registered account and its role."""

    account: str
    role: str
    added_on: str


def parse_role(value: str) -> UserRole:
    """A role from text; ValidationError naming the allowed roles otherwise."""
    try:
        return UserRole(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in UserRole)
        raise ValidationError("role", f"unknown role '{value}' (use one of: {allowed})") from None


def parse_account(value: str) -> str:
    """An OS account name in canonical form (case-insensitive); ValidationError when empty, too
    long, or holding spaces, control, bidirectional-override or invisible characters."""
    return canonical_account(value)


def list_accounts(store: Store) -> list[Account]:
    """Every registered account, by name."""
    return [Account(a, r, d) for a, r, d in users.list_users(store)]


def _admins(store: Store) -> list[str]:
    return [a for a, r, _ in users.list_users(store) if r == UserRole.ADMIN.value]


@unit_of_work
def add_account(store: Store, account: str, role: str) -> Changes:
    """Register a new account with ``role``."""
    require(store, Permission.ADMIN, action="add accounts")
    name = parse_account(account)
    new_role = parse_role(role)
    with store.atomic():
        if users.role_of(store, name) is not None:
            raise ConflictError(
                f"'{name}' is already registered; change its role with 'socmap users set-role'"
            )
        users.set_role(store, name, new_role.value)
        audit.record(
            store,
            action="create",
            entity="user",
            entity_id=name,
            summary=f"account added as {new_role.value}",
            after={"account": name, "role": new_role.value},
        )
    return Changes.of("user")


@unit_of_work
def set_account_role(store: Store, account: str, role: str) -> Changes:
    """Change a registered account's role; the last admin cannot be demoted."""
    require(store, Permission.ADMIN, action="change roles")
    name = parse_account(account)
    new_role = parse_role(role)
    with store.atomic():
        before = users.role_of(store, name)
        if before is None:
            raise NotFoundError(f"'{name}' is not registered; add it with 'socmap users add'")
        if before == new_role.value:
            return Changes()
        if before == UserRole.ADMIN.value and _admins(store) == [name]:
            raise ValidationError(
                "role", f"'{name}' is the last admin; make another account admin first"
            )
        users.set_role(store, name, new_role.value)
        audit.record(
            store,
            action="set_role",
            entity="user",
            entity_id=name,
            summary=f"role changed from {before} to {new_role.value}",
            before={"role": before},
            after={"role": new_role.value},
        )
    return Changes.of("user")


@unit_of_work
def remove_account(store: Store, account: str) -> Changes:
    """Unregister an account (it then acts as a viewer); the last admin cannot be removed."""
    require(store, Permission.ADMIN, action="remove accounts")
    name = parse_account(account)
    with store.atomic():
        before = users.role_of(store, name)
        if before is None:
            raise NotFoundError(f"'{name}' is not registered")
        if before == UserRole.ADMIN.value and _admins(store) == [name]:
            raise ValidationError("account", f"'{name}' is the last admin and cannot be removed")
        users.remove_user(store, name)
        audit.record(
            store,
            action="delete",
            entity="user",
            entity_id=name,
            summary=f"account removed (was {before})",
            before={"account": name, "role": before},
        )
    return Changes.of("user")
