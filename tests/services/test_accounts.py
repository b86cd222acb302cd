"""Accounts and roles: admin-only changes, audited, and never without an admin."""

from __future__ import annotations

from typing import Any

import pytest

from socmap.domain.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from socmap.domain.roles import Permission
from socmap.services import accounts, auth
from socmap.store import audit
from tests.conftest import act_as


def test_creator_is_admin_and_can_add_and_change_roles(store: Any) -> None:
    assert [(a.account, a.role) for a in accounts.list_accounts(store)] == [
        ("analyst.test", "admin")
    ]
    accounts.add_account(store, "  sam  ", "Supervisor")
    assert ("sam", "supervisor") in [(a.account, a.role) for a in accounts.list_accounts(store)]
    accounts.set_account_role(store, "sam", "viewer")
    rows = audit.rows(store, entity="user", entity_id="sam")
    assert [r.action for r in rows] == ["set_role", "create"]
    assert "supervisor to viewer" in rows[0].summary


def test_roles_grant_what_the_table_says(store: Any) -> None:
    for role, allowed in {
        "viewer": {Permission.VIEW},
        "analyst": {Permission.VIEW, Permission.EDIT, Permission.EXPORT},
        "supervisor": {Permission.VIEW, Permission.EDIT, Permission.EXPORT, Permission.APPROVE},
        "admin": set(Permission),
    }.items():
        act_as(store, f"{role}.p", role)
        assert {p for p in Permission if auth.can(store, p)} == allowed


def test_last_admin_cannot_be_demoted_or_removed(store: Any) -> None:
    before = list(store.conn.iterdump())
    with pytest.raises(ValidationError, match="last admin"):
        accounts.set_account_role(store, "analyst.test", "analyst")
    with pytest.raises(ValidationError, match="last admin"):
        accounts.remove_account(store, "analyst.test")
    assert list(store.conn.iterdump()) == before
    accounts.add_account(store, "second", "admin")
    accounts.set_account_role(store, "analyst.test", "analyst")  # now allowed
    assert auth.current_role(store) is not None and not auth.can(store, Permission.ADMIN)


@pytest.mark.parametrize(
    ("account", "role", "error"),
    [
        ("", "viewer", ValidationError),
        ("two words", "viewer", ValidationError),
        ("x" * 65, "viewer", ValidationError),
        ("bad\x00name", "viewer", ValidationError),
        ("ok", "superuser", ValidationError),
        ("analyst.test", "viewer", ConflictError),
    ],
)
def test_add_refuses_bad_input(store: Any, account: str, role: str, error: type) -> None:
    before = list(store.conn.iterdump())
    with pytest.raises(error):
        accounts.add_account(store, account, role)
    assert list(store.conn.iterdump()) == before


def test_unknown_accounts_are_named(store: Any) -> None:
    with pytest.raises(NotFoundError, match="'ghost' is not registered"):
        accounts.set_account_role(store, "ghost", "viewer")


@pytest.mark.parametrize("role", ["viewer", "analyst", "supervisor"])
def test_only_admins_change_accounts(store: Any, role: str) -> None:
    act_as(store, "someone", role)
    before = list(store.conn.iterdump())
    for call in (
        lambda: accounts.add_account(store, "new", "admin"),
        lambda: accounts.set_account_role(store, "someone", "admin"),
        lambda: accounts.remove_account(store, "analyst.test"),
    ):
        with pytest.raises(PermissionDenied, match="ask an administrator"):
            call()
    assert list(store.conn.iterdump()) == before
