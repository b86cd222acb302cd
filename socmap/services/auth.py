"""Permission checks for every service: the UI hides what a role cannot do, this enforces it."""

from __future__ import annotations

from socmap.domain.errors import PermissionDenied
from socmap.domain.roles import Permission, UserRole, allows
from socmap.store import users
from socmap.store.db import Store


def current_role(store: Store) -> UserRole | None:
    """The acting account's role, or None when it is not registered (treated as a viewer)."""
    role = users.role_of(store, store.actor)
    return UserRole(role) if role else None


def can(store: Store, permission: Permission) -> bool:
    """True when the acting account may do ``permission``."""
    return allows(current_role(store), permission)


def require(store: Store, permission: Permission, *, action: str = "") -> None:
    """Raise PermissionDenied unless the acting account may do ``permission``."""
    if not can(store, permission):
        role = current_role(store)
        who = f"'{store.actor}' ({role.value if role else 'not registered: viewer'})"
        what = action or f"{permission.value} records"
        raise PermissionDenied(
            f"{who} may not {what}; ask an administrator for a role that allows it"
        )
