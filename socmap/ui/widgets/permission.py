"""Hide or disable what the current role may not do (the services enforce it regardless)."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from socmap.domain.roles import ROLE_PERMISSIONS, Permission, UserRole
from socmap.ui.context import UiContext


def roles_allowed(permission: Permission) -> str:
    """The roles that have ``permission``, in words (e.g. "supervisor or admin")."""
    names = [r.value for r in UserRole if permission in ROLE_PERMISSIONS[r]]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def guard(
    ctx: UiContext, permission: Permission, *targets: QWidget | QAction, hide: bool = False
) -> bool:
    """Enable ``targets`` only when the current account has ``permission``; returns whether it has.

    Disabled targets get a tooltip naming the roles that may use them; with ``hide`` they are
    hidden instead.
    """
    allowed = ctx.can(permission)
    for target in targets:
        if hide:
            target.setVisible(allowed)
        target.setEnabled(allowed)
        if not allowed:
            target.setToolTip(f"Needs the {roles_allowed(permission)} role")
    return allowed
