"""The test PostgreSQL server: real, with PostGIS and PROJ; fresh databases; skip only off CI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tests.pg import (
    DB_PREFIX,
    REPO,
    admin_server,
    missing_server_action,
    no_server,
    pg_login,
    pg_server,
    temporary_database,
    with_database,
)

SQUARE = "POLYGON((0 0,10 0,10 10,0 10,0 0))"


def _one(url: str, query: str, *params: object) -> object:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(query, params or None).fetchone()
    return None if row is None else row[0]


def _database_exists(admin_url: str, name: str) -> bool:
    return _one(admin_url, "SELECT count(*) FROM pg_database WHERE datname = %s", name) == 1


def _dbname(url: str) -> str:
    return str(_one(url, "SELECT current_database()"))


# -- the server and PostGIS ------------------------------------------------------------------


def test_postgis_measures_in_british_national_grid(pg_url: str) -> None:
    area = _one(pg_url, f"SELECT ST_Area(ST_GeomFromText('{SQUARE}', 27700))")
    assert area == 100.0


def test_postgis_transforms_to_wgs84_with_proj_data(pg_url: str) -> None:
    """EPSG:27700 -> 4326 needs PROJ's database: the point lands in Worcestershire."""
    with psycopg.connect(pg_url) as conn:
        lon, lat = conn.execute(
            "SELECT ST_X(g), ST_Y(g) FROM "
            "(SELECT ST_Transform(ST_SetSRID(ST_MakePoint(383000, 250000), 27700), 4326) g) t"
        ).fetchone()
    from pyproj import Transformer

    want_lon, want_lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(383000, 250000)
    # the engines may pick different OSGB36 -> WGS84 transformations (grid or Helmert): metres
    assert lon == pytest.approx(want_lon, abs=1e-3)
    assert lat == pytest.approx(want_lat, abs=1e-3)


def test_the_test_server_is_local_and_fast(pg_admin_url: str) -> None:
    with psycopg.connect(pg_admin_url) as conn:
        settings = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('server_encoding', 'max_connections')"
            ).fetchall()
        )
    assert settings["server_encoding"] == "UTF8"
    assert int(settings["max_connections"]) >= 50  # the load benchmark runs 20 analysts


# -- fresh databases -------------------------------------------------------------------------


def test_each_database_is_fresh_distinct_and_has_postgis(
    pg_url: str, pg_database: Callable[[], str]
) -> None:
    other = pg_database()
    assert _dbname(pg_url) != _dbname(other)
    assert _dbname(pg_url).startswith(DB_PREFIX)
    for url in (pg_url, other):
        assert _one(url, "SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
        tables = _one(
            url,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE' "
            "AND table_name <> 'spatial_ref_sys'",
        )
        assert tables == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE only_here (id int)")
    assert _one(other, "SELECT to_regclass('public.only_here') IS NULL") is True


def test_a_temporary_database_is_dropped_with_its_connections_and_roles(
    pg_admin_url: str, pg_template: str
) -> None:
    with temporary_database(pg_admin_url, pg_template) as url:
        name = _dbname(url)
        lingering = psycopg.connect(url)  # left open: the drop must still succeed
        lingering.execute("CREATE ROLE socmap_t_role_check LOGIN")
        lingering.commit()
        assert _database_exists(pg_admin_url, name)
    assert not _database_exists(pg_admin_url, name)
    assert (
        _one(pg_admin_url, "SELECT count(*) FROM pg_roles WHERE rolname = 'socmap_t_role_check'")
        == 0
    )
    with pytest.raises(psycopg.OperationalError):
        lingering.execute("SELECT 1")  # ended by the drop
    lingering.close()


def test_without_a_template_the_database_still_gets_postgis(
    pg_admin_url: str, pg_template: str
) -> None:
    with temporary_database(pg_admin_url) as url:
        assert _one(url, "SELECT extname FROM pg_extension WHERE extname = 'postgis'") == "postgis"


def test_pg_login_connects_as_another_login_whose_rights_the_server_enforces(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute('CREATE ROLE "viewer.test" LOGIN')
        conn.execute("CREATE TABLE groups (id int)")
        conn.execute('GRANT SELECT ON groups TO "viewer.test"')
    viewer = pg_login(pg_url, "viewer.test")
    assert _dbname(viewer) == _dbname(pg_url)
    with psycopg.connect(viewer) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("viewer.test",)
        assert conn.execute("SELECT count(*) FROM groups").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO groups VALUES (1)")


# -- URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "login", "want"),
    [
        (
            "postgresql://postgres@127.0.0.1:5433/socmap_t_1",
            "viewer.test",
            "postgresql://viewer.test@127.0.0.1:5433/socmap_t_1",
        ),
        (
            "postgresql://admin:s%40cret@db.example:5432/force",
            "ds smith",
            "postgresql://ds%20smith@db.example:5432/force",
        ),
        (
            "host=127.0.0.1 port=5433 user=postgres dbname=x",
            "analyst.test",
            "postgresql://analyst.test@127.0.0.1:5433/x",
        ),
        (
            "postgresql://postgres@/x?host=/tmp/pg/sock&port=5433",
            "v",
            "postgresql://v@/x?host=%2Ftmp%2Fpg%2Fsock&port=5433",
        ),
    ],
)
def test_pg_login_keeps_the_server_and_database(url: str, login: str, want: str) -> None:
    assert pg_login(url, login) == want


def test_with_database_keeps_the_login() -> None:
    assert (
        with_database("postgresql://postgres@127.0.0.1:5433/postgres", "socmap_t_ab")
        == "postgresql://postgres@127.0.0.1:5433/socmap_t_ab"
    )


# -- skip off CI, fail in CI -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "action"),
    [
        ({}, "skip"),
        ({"SOCMAP_REQUIRE_PG": "1"}, "fail"),
        ({"SOCMAP_REQUIRE_SHARED_DATA": "1"}, "fail"),
        ({"SOCMAP_REQUIRE_PG": "0"}, "skip"),
        ({"SOCMAP_REQUIRE_PG": ""}, "skip"),
        ({"SOCMAP_REQUIRE_PG": "0", "SOCMAP_REQUIRE_SHARED_DATA": "1"}, "fail"),
        ({"SOCMAP_TEST_PG": "postgresql://x@127.0.0.1/p"}, "skip"),
    ],
)
def test_a_missing_server_skips_only_off_ci(env: dict[str, str], action: str) -> None:
    assert missing_server_action(env) == action


def test_no_server_fails_in_ci_and_skips_elsewhere() -> None:
    with pytest.raises(pytest.fail.Exception, match="SOCMAP_REQUIRE_PG=1 makes this a failure"):
        no_server("no PostgreSQL", {"SOCMAP_REQUIRE_PG": "1"})
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL"):
        no_server("no PostgreSQL", {})


def test_ci_requires_the_server() -> None:
    """.ci/run starts a server and sets both variables for the test and benchmark steps."""
    run = (REPO / ".ci" / "run").read_text()
    pg_up = (REPO / ".ci" / "pg-up").read_text()
    assert "source .ci/pg-up" in run or ". .ci/pg-up" in run
    assert run.index("pg-up") < run.index("python -m pytest")
    assert "export SOCMAP_TEST_PG=" in pg_up
    assert "export SOCMAP_REQUIRE_PG=1" in pg_up
    assert "trap" in pg_up


# -- the tool itself -------------------------------------------------------------------------


@pytest.mark.slow
def test_the_tool_starts_and_stops_a_server_leaving_nothing_behind(tmp_path: Path) -> None:
    if pg_server.find_bindir() is None:
        no_server("no PostgreSQL server binaries installed")
    directory = Path(pg_server.new_dir())
    tool = [sys.executable, str(REPO / "tools" / "pg_server.py")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*tool, *args, "--dir", str(directory)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    started = run("start")
    try:
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip()
        assert url.startswith("postgresql://postgres@127.0.0.1:") and url.endswith("/postgres")
        assert run("url").stdout.strip() == url
        again = run("start")
        assert again.returncode == 1 and "already runs" in again.stderr
        assert _one(url, "SHOW listen_addresses") == "127.0.0.1"
        assert _one(url, "SHOW fsync") == "off"
        assert _one(url, "SHOW unix_socket_directories") == str(directory / "sock")
        pid = int((directory / "data" / "postmaster.pid").read_text().split()[0])
    finally:
        stopped = run("stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not directory.exists()
    assert pg_server._gone(pid, 0.0), "the server process outlived stop"
    assert run("url").returncode == 1


def test_the_tool_never_removes_a_directory_it_did_not_make(tmp_path: Path) -> None:
    keep = tmp_path / "keep.txt"
    keep.write_text("mine")
    with pytest.raises(pg_server.PgServerError, match="not made by"):
        pg_server.stop(tmp_path)
    with pytest.raises(pg_server.PgServerError, match="not empty"):
        pg_server.start(tmp_path)
    assert keep.read_text() == "mine"


@pytest.mark.parametrize(
    ("env", "outcome"),
    [({}, pytest.skip.Exception), ({"SOCMAP_REQUIRE_PG": "1"}, pytest.fail.Exception)],
)
def test_without_binaries_the_session_server_skips_or_fails_and_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("SOCMAP_PG_BINDIR", "/nonexistent")
    before = set(Path(pg_server.tempfile.gettempdir()).glob("socmap-pg-*"))
    with pytest.raises(outcome, match="no PostgreSQL server binaries"):
        with admin_server(env):
            pass
    assert set(Path(pg_server.tempfile.gettempdir()).glob("socmap-pg-*")) == before


def test_an_unreachable_server_in_the_environment_fails_in_ci() -> None:
    env = {"SOCMAP_TEST_PG": "postgresql://postgres@127.0.0.1:1/postgres", "SOCMAP_REQUIRE_PG": "1"}
    with pytest.raises(pytest.fail.Exception, match="does not accept connections"):
        with admin_server(env):
            pass
