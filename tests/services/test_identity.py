"""Identity comes from the operating system, never from the environment (issue 12, finding 4)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

import socmap.store.db as db
from socmap.cli import main
from socmap.domain.accounts import canonical_account
from socmap.domain.errors import StoreError, ValidationError
from socmap.services import accounts, auth
from socmap.store import audit
from socmap.store.db import open_store
from tests.conftest import REAL_OS_ACCOUNT_NAME, TEST_ACCOUNT, act_as

ENV_NAMES = ("SOCMAP_USER", "LOGNAME", "USER", "USERNAME", "LNAME")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX account database")
def test_the_account_is_the_real_uid_not_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pwd

    monkeypatch.setattr(db, "_os_account_name", REAL_OS_ACCOUNT_NAME)
    for name in ENV_NAMES:
        monkeypatch.setenv(name, "mallory.admin")
    assert db.current_account() == pwd.getpwuid(os.getuid()).pw_name.lower()
    assert db.current_account() != "mallory.admin" or pwd.getpwuid(os.getuid()).pw_name == (
        "mallory.admin"
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX account database")
def test_environment_variables_cannot_make_a_viewer_an_admin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """``LOGNAME=<an admin> socmap users set-role me admin`` is refused and audited as nobody."""
    import pwd

    path = tmp_path / "s.db"
    open_store(path).close()  # created by the test account, its admin
    me = pwd.getpwuid(os.getuid()).pw_name.lower()
    assert me != TEST_ACCOUNT
    monkeypatch.setattr(db, "_os_account_name", REAL_OS_ACCOUNT_NAME)
    for name in ENV_NAMES:
        monkeypatch.setenv(name, TEST_ACCOUNT)
    assert main(["users", "set-role", me, "admin", "--db", str(path)]) != 0
    assert main(["users", "add", me, "--role", "admin", "--db", str(path)]) != 0
    s = open_store(path)
    try:
        assert s.actor == me
        assert auth.current_role(s) is None
        assert all(r.actor == TEST_ACCOUNT for r in audit.rows(s))
        assert not any(r.entity_id == me for r in audit.rows(s))
    finally:
        s.close()


def test_accounts_compare_case_insensitively(store: Any, os_account: Any, tmp_path: Path) -> None:
    accounts.add_account(store, "DS.Smith", "supervisor")
    assert [a.account for a in accounts.list_accounts(store)] == ["analyst.test", "ds.smith"]
    path = tmp_path / "c.db"
    s = open_store(path)
    accounts.add_account(s, "ds.smith", "supervisor")
    s.close()
    os_account("DS.SMITH")
    s = open_store(path)
    try:
        assert s.actor == "ds.smith"
        assert auth.current_role(s) is not None and auth.current_role(s).value == "supervisor"
    finally:
        s.close()
    with pytest.raises(Exception):  # noqa: B017 - already registered, whatever the case
        accounts.add_account(act_as(store, "analyst.test", "admin"), "DS.SMITH", "viewer")


@pytest.mark.parametrize(
    "name",
    [
        "ana\u202elyst",  # right-to-left override: displays as another name
        "ana\u2066lyst",  # left-to-right isolate
        "admin\u200b",  # zero-width space
        "ad\u00admin",  # soft hyphen
        "ana\x07lyst",  # control character
        "ana\nlyst",
        "ana lyst",
    ],
)
def test_account_names_with_control_or_bidi_characters_are_refused(
    name: str, os_account: Any, tmp_path: Path, store: Any
) -> None:
    with pytest.raises(ValidationError):
        canonical_account(name)
    with pytest.raises(ValidationError):
        accounts.add_account(store, name, "viewer")
    os_account(name)
    with pytest.raises(StoreError, match="cannot be used"):
        open_store(tmp_path / "x.db")
