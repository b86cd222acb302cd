"""The one parametrised fixture that runs store and service tests on both engines.

Every test under ``tests/store`` and ``tests/services`` that uses ``store``, ``demo_store`` (or
asks for ``engine``) runs twice: on the embedded SQLite engine and on a real PostgreSQL +
PostGIS server (``[postgresql]`` in its id). Each PostgreSQL run gets a private database
cloned from a template made once per session with ``socmap server init`` (and, for the demo,
``socmap server import`` of the demo file), acting as the same account the SQLite run acts as.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.pg import pg_login as with_login
from tests.pg import with_database

ENGINES = ("sqlite", "postgresql")
#: Test directories whose store/service fixtures run on both engines.
BOTH_ENGINES_DIRS = ("tests/store/", "tests/services/")
#: Per session (two test runs may share one server): an initialised register, and the demo.
_SESSION = uuid.uuid4().hex[:8]
TEMPLATE_EMPTY = f"socmap_tmpl_empty_{_SESSION}"
TEMPLATE_DEMO = f"socmap_tmpl_demo_{_SESSION}"
#: The test server's admin URL, once a test asked for the server (for ``grant_role``).
ADMIN_URL: str | None = None


def _admin_sql(admin_url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


class ServerDatabases:
    """Template databases on the test server, cloned per test."""

    def __init__(self, admin_url: str, account: str):
        self.admin_url = admin_url
        self.account = account
        self._made: set[str] = set()
        self._roles_before: dict[str, set[str]] = {}

    def ensure_login(self, login: str) -> None:
        _admin_sql(
            self.admin_url,
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{login}') "
            f'THEN CREATE ROLE "{login}" LOGIN CREATEROLE; END IF; END $$',
        )

    def template(self, name: str, *, demo: Path | None = None) -> str:
        from socmap.store.server import import_file, init_server

        if name in self._made:
            return name
        # As a DBA would set it up: the test account owns the database (not a superuser, so
        # every grant and rule applies to it), PostGIS installed by the superuser.
        _admin_sql(
            self.admin_url,
            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
            f"CREATE DATABASE {name} OWNER \"{self.account}\" LC_COLLATE 'C' LC_CTYPE 'C'"
            " TEMPLATE template0",
        )
        _admin_sql(with_database(self.admin_url, name), "CREATE EXTENSION postgis")
        url = with_login(with_database(self.admin_url, name), self.account)
        init_server(url, admins=[self.account])
        if demo is not None:
            import_file(demo, url)
        self._made.add(name)
        return name

    def drop_templates(self) -> None:
        """Drop the session's templates and their group roles (roles outlive databases)."""
        from socmap.store.pg_schema import GROUP_ROLES, group_role, role_prefix

        for name in sorted(self._made):
            _admin_sql(self.admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            for role in GROUP_ROLES:
                _admin_sql(
                    self.admin_url,
                    f'DROP ROLE IF EXISTS "{group_role(role_prefix(name), role)}"',
                )
        self._made.clear()

    def clone(self, template: str) -> tuple[str, str]:
        from tests.pg import _roles

        name = f"socmap_t_{uuid.uuid4().hex[:12]}"
        self._roles_before[name] = _roles(self.admin_url)
        _admin_sql(
            self.admin_url,
            f'CREATE DATABASE {name} OWNER "{self.account}" TEMPLATE {template} STRATEGY FILE_COPY',
        )
        return name, with_login(with_database(self.admin_url, name), self.account)

    def drop(self, name: str) -> None:
        """Drop a clone, and take back every socmap role its test gave (roles outlive
        databases, and clones of one template share its group roles)."""
        import psycopg

        with psycopg.connect(with_database(self.admin_url, name), autocommit=True) as conn:
            conn.execute(
                "SELECT socmap_remove_user(account) FROM users WHERE account <> %s",
                [self.account],
            )
            conn.execute("SELECT socmap_set_role(%s, 'admin')", [self.account])
        _admin_sql(self.admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        before = self._roles_before.pop(name, None)
        if before is not None:
            from tests.pg import _drop_roles, _roles

            _drop_roles(self.admin_url, _roles(self.admin_url) - before)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run store/service tests that use a store on both engines."""
    if "engine" not in metafunc.fixturenames:
        return
    path = str(metafunc.definition.path).replace("\\", "/")
    both = any(f"/{d}" in path or path.startswith(d) for d in BOTH_ENGINES_DIRS)
    if metafunc.definition.get_closest_marker("server_only") is not None:
        metafunc.parametrize("engine", ["postgresql"], indirect=True)
    elif both and metafunc.definition.get_closest_marker("sqlite_only") is None:
        metafunc.parametrize("engine", ENGINES, indirect=True)
    else:
        metafunc.parametrize("engine", ["sqlite"], indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgresql": which engine this run of the test uses."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def server_databases(request: pytest.FixtureRequest) -> Iterator[ServerDatabases]:
    from tests.conftest import TEST_ACCOUNT

    global ADMIN_URL
    admin_url = request.getfixturevalue("pg_admin_url")
    ADMIN_URL = admin_url
    dbs = ServerDatabases(admin_url, TEST_ACCOUNT)
    dbs.ensure_login(TEST_ACCOUNT)
    yield dbs
    dbs.drop_templates()


def server_store(request: pytest.FixtureRequest, template: str, demo: Path | None = None) -> Any:
    from socmap.store.db import open_store

    dbs: ServerDatabases = request.getfixturevalue("server_databases")
    dbs.template(template, demo=demo)
    name, url = dbs.clone(template)
    store = open_store(url)
    request.addfinalizer(lambda: dbs.drop(name))
    return store


@pytest.fixture
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A private socmap register on the test server (initialised, empty), as its admin."""
    dbs: ServerDatabases = request.getfixturevalue("server_databases")
    dbs.template(TEMPLATE_EMPTY)
    name, url = dbs.clone(TEMPLATE_EMPTY)
    yield url
    dbs.drop(name)


def grant_role(server: str, account: str, role: str) -> None:
    """Give ``account`` socmap's ``role`` in the register at ``server``, as the server's admin
    (what a DBA or a socmap admin does; the test's own login may not be allowed to)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    assert ADMIN_URL is not None, "no test server in use"
    name = conninfo_to_dict(server)["dbname"]
    with psycopg.connect(with_database(ADMIN_URL, str(name)), autocommit=True) as conn:
        conn.execute("SELECT socmap_set_role(%s, %s)", [account, role])
