"""Shared fixtures. GUI tests run headless: the offscreen platform is set before Qt loads."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

import socmap.store.db as _socmap_db

#: PostgreSQL fixtures: pg_admin_url, pg_template, pg_database, pg_url (see tests/pg.py); the
#: one engine-parametrised store fixture (see tests/engines.py)
pytest_plugins = ["tests.pg", "tests.engines"]

#: The OS account every test acts as unless it picks another with ``os_account``. socmap reads
#: the account from the operating system only (never from the environment); tests replace the
#: one function that asks the OS. Subprocesses get the same with ``tests/run_as.py``.
TEST_ACCOUNT = "analyst.test"
REAL_OS_ACCOUNT_NAME = _socmap_db._os_account_name
_socmap_db._os_account_name = lambda: TEST_ACCOUNT

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("SOCMAP_SHARED_DATA", REPO.parent / "shared" / "data"))
TEST_DATA = Path(__file__).resolve().parent / "data"
DEMO_AS_OF = "2026-11-01"


@pytest.fixture(scope="session", autouse=True)
def _qt_application(qapp):  # type: ignore[no-untyped-def]
    """One QApplication for the whole run.

    Headless exports create a bare QGuiApplication when none exists; after that no QWidget could
    be made in the same process, so the widget-capable application is created first.
    """
    return qapp


@pytest.fixture(autouse=True)
def _isolated_user_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the user's data folder, settings and SOCMAP_DB out of every test."""
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("SOCMAP_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
    monkeypatch.delenv("SOCMAP_DB", raising=False)


@pytest.fixture
def os_account(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``os_account("ds.smith")``: the operating-system account socmap sees from here to the end
    of the test (what a fresh ``open_store`` or CLI command acts as).

    The one way tests choose an account; never set an environment variable for it.
    """

    def _os_account(account: str) -> None:
        monkeypatch.setattr(_socmap_db, "_os_account_name", lambda: account)

    return _os_account


@pytest.fixture
def store(engine, request):  # type: ignore[no-untyped-def]
    """An empty socmap register (the test account is admin): in memory on SQLite, or a private
    database on the test PostgreSQL server (``tests/engines.py``)."""
    from socmap.store.db import open_store

    if engine == "postgresql":
        from tests.engines import TEMPLATE_EMPTY, server_store

        s = server_store(request, TEMPLATE_EMPTY)
    else:
        s = open_store(":memory:")
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo-force database built once per test run (do not modify: copy it)."""
    import datetime as dt

    from socmap.services.demo import build_demo
    from socmap.store.db import open_store

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    s = open_store(path)
    build_demo(s, seed=7, as_of=dt.date.fromisoformat(DEMO_AS_OF))
    s.close()
    return path


@pytest.fixture
def demo_path(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database file for one test."""
    target = tmp_path / "demo.db"
    src = sqlite3.connect(demo_template)
    dst = sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return target


@pytest.fixture
def demo_store(engine: str, request: pytest.FixtureRequest) -> Iterator[object]:
    """An open Store on a private copy of the demo database (file, or server database)."""
    from socmap.store.db import open_store

    if engine == "postgresql":
        from tests.engines import TEMPLATE_DEMO, server_store

        s = server_store(request, TEMPLATE_DEMO, demo=request.getfixturevalue("demo_template"))
    else:
        s = open_store(request.getfixturevalue("demo_path"))
    yield s
    s.close()


@pytest.fixture
def shared_data() -> Path:
    """The real public data in ../shared/data; skipped (failed in CI) where it is absent."""
    if not (SHARED_DATA / "west-mercia-lad.geojson").exists():
        reason = f"real public data not found at {SHARED_DATA} (a fresh clone without ../shared)"
        if os.environ.get("SOCMAP_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(reason + "; SOCMAP_REQUIRE_SHARED_DATA=1 makes this a failure")
        pytest.skip(reason)
    return SHARED_DATA


def copy_test_data(name: str, dest: Path) -> Path:
    """Copy a file from tests/data into ``dest`` and return the copy's path."""
    target = dest / name
    shutil.copy(TEST_DATA / name, target)
    return target


def act_as(store, account: str, role: str):  # type: ignore[no-untyped-def]
    """Register ``account`` with ``role`` in ``store`` and make it the acting account."""
    from socmap.store import users

    if not store.on_server:
        with store.atomic():
            users.set_role(store, account, role)
    if store.on_server:
        # On a server the login is who you are: the server's admin grants the role, and the
        # store reconnects as that login.
        from socmap.store.dialect import PgConnection, connect_server
        from tests.engines import grant_role, with_login

        grant_role(store.server, account, role)
        store.conn.close()
        store.server = with_login(store.server, account)
        store.server_conn = PgConnection(connect_server(store.server))
    store.actor = account
    return store


@pytest.fixture
def viewer_store(store):  # type: ignore[no-untyped-def]
    """The in-memory store, acting as a registered viewer (every mutating service must refuse)."""
    return act_as(store, "viewer.test", "viewer")


@pytest.fixture
def viewer_demo_store(demo_store):  # type: ignore[no-untyped-def]
    """The demo store, acting as a registered viewer."""
    return act_as(demo_store, "viewer.test", "viewer")
