"""Who may do what: roles and their permissions (enforced in services, mirrored by the UI)."""

from __future__ import annotations

from enum import StrEnum


class UserRole(StrEnum):
    """A person's role in one socmap database."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Permission(StrEnum):
    """An action a role may be allowed."""

    VIEW = "view"
    EDIT = "edit"
    APPROVE = "approve"
    EXPORT = "export"
    ADMIN = "admin"


ROLE_PERMISSIONS: dict[UserRole, frozenset[Permission]] = {
    UserRole.VIEWER: frozenset({Permission.VIEW}),
    UserRole.ANALYST: frozenset({Permission.VIEW, Permission.EDIT, Permission.EXPORT}),
    UserRole.SUPERVISOR: frozenset(
        {Permission.VIEW, Permission.EDIT, Permission.EXPORT, Permission.APPROVE}
    ),
    UserRole.ADMIN: frozenset(Permission),
}


def allows(role: UserRole | None, permission: Permission) -> bool:
    """True when ``role`` (None: an unregistered account, treated as a viewer) may do it."""
    return permission in ROLE_PERMISSIONS[role or UserRole.VIEWER]
