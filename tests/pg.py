"""PostgreSQL + PostGIS for tests (a pytest plugin, registered in tests/conftest.py).

Fixtures:

- ``pg_admin_url`` (session): a superuser URL of a running server. ``$SOCMAP_TEST_PG`` when set
  (CI sets it to the server ``.ci/run`` started); otherwise a throwaway server started with
  ``tools/pg_server.py`` for this session and stopped at its end (a developer machine with the
  PostgreSQL binaries installed). With neither, the tests that need it skip with the reason, or
  fail when ``SOCMAP_REQUIRE_PG=1`` or ``SOCMAP_REQUIRE_SHARED_DATA=1`` (CI never skips).
- ``pg_template`` (session): the name of a database that has PostGIS, cloned by the next two.
- ``pg_url``: the URL of a fresh, empty database with PostGIS (``socmap_t_<hex>``), dropped after
  the test, together with every role (login) created on the server during the test: roles are
  cluster-wide in PostgreSQL, so one test's logins would otherwise meet the next test's.
- ``pg_database``: a factory, ``pg_database() -> url``, for tests that need more than one database
  (each dropped after the test, roles likewise).

Helpers: ``pg_login(url, login)`` (the same database as another login: with the test server's
trust authentication no password is needed), ``with_database(url, name)``,
``temporary_database(admin_url, template)``.

URLs are libpq URLs (``postgresql://user@host:port/db``), which psycopg takes as they are;
SQLAlchemy needs the driver named (``postgresql+psycopg://...``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, NoReturn
from urllib.parse import quote, urlencode

import pytest

REPO = Path(__file__).resolve().parent.parent
#: The admin (superuser) URL of a running server the tests use instead of starting their own.
PG_ENV = "SOCMAP_TEST_PG"
#: Either set to 1: a missing server fails the tests that need it instead of skipping them.
REQUIRE_ENVS = ("SOCMAP_REQUIRE_PG", "SOCMAP_REQUIRE_SHARED_DATA")
DB_PREFIX = "socmap_t_"
TEMPLATE_PREFIX = "socmap_tmpl_"


def _load_pg_server() -> ModuleType:
    """tools/pg_server.py, loaded by path (tools is not a package)."""
    name = "socmap_tools_pg_server"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / "pg_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


pg_server = _load_pg_server()


# -- skip or fail ----------------------------------------------------------------------------


def missing_server_action(env: Mapping[str, str]) -> Literal["fail", "skip"]:
    """What a test that needs PostgreSQL does when there is none: CI fails, elsewhere skips."""
    return "fail" if any(env.get(name) == "1" for name in REQUIRE_ENVS) else "skip"


def no_server(reason: str, env: Mapping[str, str] | None = None) -> NoReturn:
    env = os.environ if env is None else env
    if missing_server_action(env) == "fail":
        required = " or ".join(f"{name}=1" for name in REQUIRE_ENVS if env.get(name) == "1")
        pytest.fail(f"{reason}; {required} makes this a failure", pytrace=False)
    pytest.skip(reason)


# -- URLs ------------------------------------------------------------------------------------


def _params(url: str) -> dict[str, str]:
    from psycopg.conninfo import conninfo_to_dict

    return {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}


def _to_url(params: Mapping[str, str]) -> str:
    rest = dict(params)
    user = rest.pop("user", "")
    password = rest.pop("password", "")
    host = rest.pop("host", "")
    port = rest.pop("port", "")
    dbname = rest.pop("dbname", "")
    auth = ""
    if user:
        auth = quote(user, safe="") + (":" + quote(password, safe="") if password else "") + "@"
    netloc = ""
    if host.startswith("/") or "," in host:
        rest["host"] = host  # a socket directory or several hosts: a query parameter
        if port:
            rest["port"] = port
    elif host:
        netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    query = ("?" + urlencode(rest)) if rest else ""
    return f"postgresql://{auth}{netloc}/{quote(dbname, safe='')}{query}"


def with_database(url: str, dbname: str) -> str:
    """``url`` pointing at database ``dbname``."""
    return _to_url({**_params(url), "dbname": dbname})


def pg_login(url: str, login: str) -> str:
    """``url`` connecting as ``login`` instead (its password, if any, dropped)."""
    params = _params(url)
    params.pop("password", None)
    return _to_url({**params, "user": login})


def _redacted(url: str) -> str:
    params = _params(url)
    if "password" in params:
        params["password"] = "***"
    return _to_url(params)


# -- databases -------------------------------------------------------------------------------


def _connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=10)


def _ident(name: str) -> Any:
    from psycopg import sql

    return sql.Identifier(name)


def _roles(admin_url: str) -> set[str]:
    with _connect(admin_url) as conn:
        return {row[0] for row in conn.execute("SELECT rolname FROM pg_roles")}


def drop_database(admin_url: str, name: str) -> None:
    """Drop ``name``, ending any connection still open to it."""
    from psycopg import sql

    with _connect(admin_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(_ident(name)))


def _drop_roles(admin_url: str, roles: set[str]) -> None:
    from psycopg import sql

    failed = []
    with _connect(admin_url) as conn:
        # group roles last is not needed: DROP ROLE removes memberships either way
        for role in sorted(roles):
            try:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(_ident(role)))
            except Exception as exc:
                failed.append(f"{role}: {exc}".strip())
    if failed:
        raise RuntimeError(
            "roles created during the test could not be dropped (they still own or hold "
            "something outside the test database): " + "; ".join(failed)
        )


@contextlib.contextmanager
def temporary_database(admin_url: str, template: str | None = None) -> Iterator[str]:
    """A new database (a copy of ``template``, or empty with PostGIS); its URL while in use.

    Afterwards the database is dropped (open connections ended) and so is every role created on
    the server meanwhile.
    """
    from psycopg import sql

    name = f"{DB_PREFIX}{uuid.uuid4().hex[:12]}"
    roles_before = _roles(admin_url)
    with _connect(admin_url) as conn:
        if template:
            # FILE_COPY (PostgreSQL 15+) copies the files: 2-3x faster than WAL_LOG for this size
            strategy = " STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else ""
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}" + strategy).format(
                    _ident(name), _ident(template)
                )
            )
        else:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(_ident(name)))
    url = with_database(admin_url, name)
    try:
        if not template:
            with _connect(url) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        yield url
    finally:
        drop_database(admin_url, name)
        _drop_roles(admin_url, _roles(admin_url) - roles_before)


# -- fixtures --------------------------------------------------------------------------------


def _check_server(url: str, env: Mapping[str, str]) -> None:
    """Fail or skip (the rule above) unless ``url`` accepts a superuser connection."""
    try:
        with _connect(url) as conn:
            row = conn.execute(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
    except Exception as exc:
        no_server(f"PostgreSQL at {_redacted(url)} does not accept connections: {exc}".strip(), env)
    if not row or not row[0]:
        no_server(
            f"{_redacted(url)} is not a superuser login (tests create databases and roles)", env
        )


@contextlib.contextmanager
def admin_server(env: Mapping[str, str] | None = None) -> Iterator[str]:
    """The superuser URL in ``$SOCMAP_TEST_PG``, or of a throwaway server stopped afterwards."""
    env = os.environ if env is None else env
    url = env.get(PG_ENV, "").strip()
    if url:
        _check_server(url, env)
        yield url
        return
    try:
        server = pg_server.start()  # its directory is made only once the binaries are found
    except pg_server.PgServerError as exc:
        no_server(f"no PostgreSQL for the tests: {exc}; or set {PG_ENV} to a superuser URL", env)
    try:
        # a session killed outright still stops its server
        pg_server.spawn_watchdog(server.directory)
        _check_server(server.url, env)
        yield server.url
    finally:
        pg_server.stop(server.directory)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A superuser URL of a running PostgreSQL server for this test session."""
    with admin_server() as url:
        yield url


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> Iterator[str]:
    """The name of a database with PostGIS that ``pg_url`` and ``pg_database`` clone."""
    from psycopg import sql

    with _connect(pg_admin_url) as conn:
        available = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
        ).fetchone()
    if not available:
        no_server(
            f"PostgreSQL at {_redacted(pg_admin_url)} has no PostGIS extension "
            "(Debian: apt-get install postgresql-postgis)"
        )
    name = f"{TEMPLATE_PREFIX}{uuid.uuid4().hex[:10]}"
    with _connect(pg_admin_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(_ident(name)))
    try:
        with _connect(with_database(pg_admin_url, name)) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        yield name
    finally:
        drop_database(pg_admin_url, name)


@pytest.fixture
def pg_database(pg_admin_url: str, pg_template: str) -> Iterator[Callable[[], str]]:
    """``pg_database()``: the URL of another fresh database with PostGIS (dropped after the test)."""
    with contextlib.ExitStack() as stack:

        def _new() -> str:
            return stack.enter_context(temporary_database(pg_admin_url, pg_template))

        yield _new


@pytest.fixture
def pg_url(pg_database: Callable[[], str]) -> str:
    """The URL (superuser) of a fresh, empty database with PostGIS, dropped after the test."""
    return pg_database()
