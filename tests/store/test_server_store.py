"""The shared PostgreSQL register: set up, moved in from a file, and its rules enforced by the
database itself (straight through psycopg, as a modified client or a psql session would)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from socmap.domain.errors import StoreError
from socmap.store import audit, dialect
from socmap.store.db import open_store
from socmap.store.server import import_file, init_server
from tests.conftest import REPO
from tests.engines import grant_role, with_login


def _as(url: str, login: str, role: str | None) -> psycopg.Connection[Any]:
    if role is not None:
        grant_role(url, login, role)
    return psycopg.connect(with_login(url, login), autocommit=True)


def _refused(conn: psycopg.Connection[Any], sql: str, params: list[Any] | None = None) -> str:
    with pytest.raises(psycopg.Error) as info:
        conn.execute(sql, params)
    return str(info.value)


def test_init_creates_the_register_once_and_refuses_a_database_in_use(pg_url: str) -> None:
    report = init_server(pg_url, admins=["dba.one"])
    assert report.created and report.tables >= 40 and report.admins == ["dba.one"]
    again = init_server(pg_url)
    assert not again.created
    store = open_store(pg_url)
    try:
        assert store.on_server and store.actor == "postgres"
        # every table of the embedded schema exists on the server
        sqlite_tables = set(dialect.user_tables(open_store(None).conn)) - {"users"}
        assert sqlite_tables <= set(dialect.user_tables(store.conn))
    finally:
        store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE other_app (x int)")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE meta CASCADE")
    with pytest.raises(StoreError, match="not empty"):
        init_server(pg_url)


def test_every_security_definer_function_pins_its_search_path(pg_url: str) -> None:
    """A function that runs with its owner's rights must not resolve names through the
    caller's search path (a caller's own ``socmap_importing()`` in a schema of theirs would
    otherwise be called with the owner's rights). Found from the catalog: every such socmap
    function the register has, now and later (PostGIS's own are PostGIS's business)."""
    init_server(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        definers = conn.execute(
            "SELECT p.proname, coalesce(array_to_string(p.proconfig, ','), '')"
            " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE p.prosecdef AND n.nspname = current_schema() AND p.proname LIKE 'socmap%'"
            " ORDER BY 1"
        ).fetchall()
    assert definers  # the audit stamp and the account functions at least
    assert "socmap_audit_stamp" in [name for name, _ in definers]
    unpinned = [name for name, config in definers if "search_path=" not in config]
    assert unpinned == []
    store = open_store(pg_url)
    try:  # the pinned audit stamp still chains and stamps a write
        with store.atomic():
            audit.record(store, action="test", entity="meta", entity_id=0, summary="pinned")
        last = store.conn.execute("SELECT actor FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        assert last == (store.actor,)
        assert audit.verify_chain(store) is None
    finally:
        store.close()


def test_a_register_from_an_older_socmap_is_refused_in_one_honest_line(server_url: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        last = conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'socmap'"
            " ORDER BY id DESC LIMIT 1"
        ).fetchone()
        assert last is not None
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = %s", [last[0]])
    with pytest.raises(StoreError) as info:
        open_store(server_url)
    message = str(info.value)
    assert last[0] in message and "older socmap" in message and "nothing was changed" in message
    assert "\n" not in message and "--upgrade" not in message  # no option that does not exist


def test_a_database_without_a_register_is_refused_with_a_pointer(pg_url: str) -> None:
    with pytest.raises(StoreError, match="socmap server init"):
        open_store(pg_url)


def test_the_server_schema_matches_the_embedded_one_column_for_column(server_url: str) -> None:
    """Derived from the migrations, so the two cannot drift: every table and column."""
    lite = open_store(None)
    server = open_store(server_url)
    try:
        for table in set(dialect.user_tables(lite.conn)) - {"users"}:
            cols_lite = [c[1] for c in dialect.table_info(lite.conn, table)]
            cols_pg = [c[1] for c in dialect.table_info(server.conn, table)]
            assert cols_pg == cols_lite, table
            fks_lite = sorted(
                (f[2], f[3], f[4], f[6]) for f in dialect.foreign_key_list(lite.conn, table)
            )
            fks_pg = sorted(
                (f[2], f[3], f[4], f[6]) for f in dialect.foreign_key_list(server.conn, table)
            )
            assert fks_pg == fks_lite, table
    finally:
        lite.close()
        server.close()


def test_a_viewer_cannot_write_anything_by_direct_sql(server_url: str) -> None:
    with _as(server_url, "viewer.direct", "viewer") as conn:
        assert conn.execute("SELECT count(*) FROM ocgs").fetchone() is not None
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                " AND table_type = 'BASE TABLE' AND table_name <> 'spatial_ref_sys'"
            )
        ]
        assert "ocgs" in tables and "audit" in tables
        for table in tables:
            msg = _refused(conn, f'DELETE FROM "{table}"')
            assert "permission denied" in msg, (table, msg)
            msg = _refused(conn, f'UPDATE "{table}" SET {_any_column(conn, table)} = NULL')
            assert "permission denied" in msg, (table, msg)
        assert "permission denied" in _refused(
            conn, "INSERT INTO ocgs (name, status) VALUES ('X', 'draft')"
        )
        assert "permission denied" in _refused(
            conn, "SELECT socmap_set_role('viewer.direct', 'admin')"
        )


def _any_column(conn: psycopg.Connection[Any], table: str) -> str:
    row = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
        " AND is_generated = 'NEVER' ORDER BY ordinal_position LIMIT 1",
        [table],
    ).fetchone()
    assert row is not None
    return f'"{row[0]}"'


def test_the_audit_trail_is_append_only_and_written_by_the_database(server_url: str) -> None:
    with _as(server_url, "analyst.direct", "analyst") as conn:
        # the client claims to be someone else, at another time, with a forged chain
        conn.execute(
            "INSERT INTO audit (id, ts, actor, action, entity, entity_id, summary,"
            " payload_digest, prev_hash, row_hash) VALUES (999, '2001-01-01', 'ds.someone',"
            " 'edit', 'ocg', '1', 'forged', %s, 'x', 'y')",
            [hashlib.sha256(b"{}").hexdigest()],
        )
        row = conn.execute(
            "SELECT id, actor, ts <> '2001-01-01', row_hash <> 'y' FROM audit"
            " ORDER BY id DESC LIMIT 1"
        ).fetchone()
        assert row is not None
        conn.execute("INSERT INTO audit_payload (audit_id, payload) VALUES (%s, '{}')", [row[0]])
        assert row is not None
        assert row[1] == "analyst.direct" and row[2] and row[3] and row[0] != 999
        assert "permission denied" in _refused(conn, "UPDATE audit SET summary = 'x'")
        assert "permission denied" in _refused(conn, "DELETE FROM audit")
        assert "permission denied" in _refused(conn, "TRUNCATE audit")
    # even the owner's own session cannot rewrite it (the triggers), short of dropping them
    with psycopg.connect(server_url, autocommit=True) as conn:
        assert "append-only" in _refused(conn, "UPDATE audit SET summary = 'x'")
        assert "append-only" in _refused(conn, "DELETE FROM audit")
    store = open_store(server_url)
    try:
        assert audit.verify_chain(store) is None
    finally:
        store.close()


def test_a_person_is_a_member_or_at_risk_never_both_whatever_the_client(
    request: pytest.FixtureRequest,
) -> None:
    """The database itself refuses a membership for a person at risk (added or moved) and a
    person at risk who is a member: one trigger function, told the other table."""
    from tests.engines import TEMPLATE_DEMO

    dbs = request.getfixturevalue("server_databases")
    dbs.template(TEMPLATE_DEMO, demo=request.getfixturevalue("demo_template"))
    name, url = dbs.clone(TEMPLATE_DEMO)
    request.addfinalizer(lambda: dbs.drop(name))
    with psycopg.connect(url, autocommit=True) as conn:
        at_risk = conn.execute("SELECT nominal_id FROM at_risk LIMIT 1").fetchone()
        member = conn.execute("SELECT nominal_id, id FROM memberships LIMIT 1").fetchone()
        ocg = conn.execute("SELECT id FROM ocgs LIMIT 1").fetchone()
        assert at_risk and member and ocg
        insert = "INSERT INTO memberships (ocg_id, nominal_id, role) VALUES (%s, %s, 'peripheral')"
        assert "person at risk cannot be recorded as a member" in _refused(
            conn, insert, [ocg[0], at_risk[0]]
        )
        assert "person at risk cannot be recorded as a member" in _refused(
            conn, "UPDATE memberships SET nominal_id = %s WHERE id = %s", [at_risk[0], member[1]]
        )
        assert "member cannot be recorded as a person at risk" in _refused(
            conn,
            "INSERT INTO at_risk (nominal_id, risk_level, rationale, review_date)"
            " VALUES (%s, 'low', 'x', '2027-01-01')",
            [member[0]],
        )


def test_assessment_and_disruption_rules_hold_for_any_client(
    demo_template: Path, pg_url: str, server_databases: Any
) -> None:
    init_server(pg_url)
    import_file(demo_template, pg_url)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        ocg_id, config_id, version = admin.execute(
            "SELECT ocg_id, config_id, config_version FROM assessments LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        disruption = admin.execute(
            "SELECT id FROM disruptions WHERE status = 'pending' LIMIT 1"
        ).fetchone()
        if disruption is None:
            disruption = admin.execute(
                "INSERT INTO disruptions (ocg_id, occurred_on, strand, tactic_area, tactic, level,"
                " rationale, lead_agency, status) SELECT ocg_id, occurred_on, strand,"
                " tactic_area, tactic, 'major', rationale, lead_agency, 'pending'"
                " FROM disruptions LIMIT 1 RETURNING id"
            ).fetchone()
        admin.execute("UPDATE disruptions SET level = 'major' WHERE id = %s", [disruption[0]])

    def new_assessment(conn: psycopg.Connection[Any], assessor: str) -> int:
        row = conn.execute(
            "INSERT INTO assessments (ocg_id, scheme, config_id, config_version, breakdown,"
            " total, band, assessor, assessed_on, status) VALUES (%s, 'mosa', %s, %s, '{}', 1,"
            " 'low', %s, '2026-12-01', 'submitted') RETURNING id",
            [ocg_id, config_id, version, assessor],
        ).fetchone()
        assert row is not None
        return int(row[0])

    with _as(pg_url, "an.analyst", "analyst") as conn:
        assert "login that makes it" in _refused(
            conn,
            "INSERT INTO assessments (ocg_id, scheme, config_id, config_version, breakdown,"
            " total, band, assessor, assessed_on) VALUES (%s, 'mosa', %s, %s, '{}', 1, 'low',"
            " 'someone.else', '2026-12-01')",
            [ocg_id, config_id, version],
        )
        mine = new_assessment(conn, "an.analyst")
        assert "only a supervisor" in _refused(
            conn,
            "UPDATE assessments SET status = 'approved', approver = 'an.analyst' WHERE id = %s",
            [mine],
        )
    with _as(pg_url, "sup.one", "supervisor") as one, _as(pg_url, "sup.two", "supervisor") as two:
        own = new_assessment(one, "sup.one")
        assert "own assessment" in _refused(
            one,
            "UPDATE assessments SET status = 'approved', approver = 'sup.one' WHERE id = %s",
            [own],
        )
        assert "must be the login" in _refused(
            two,
            "UPDATE assessments SET status = 'approved', approver = 'sup.one' WHERE id = %s",
            [own],
        )
        two.execute(
            "UPDATE assessments SET status = 'approved', approver = 'sup.two' WHERE id = %s",
            [own],
        )
        # a Major disruption: one approver is not enough, and nobody signs for another
        assert "second, different approver" in _refused(
            one,
            "UPDATE disruptions SET status = 'approved', approver = 'sup.one' WHERE id = %s",
            disruption,
        )
        assert "their own login" in _refused(
            one, "UPDATE disruptions SET approver = 'sup.two' WHERE id = %s", disruption
        )
        one.execute("UPDATE disruptions SET approver = 'sup.one' WHERE id = %s", disruption)
        assert "second, different approver" in _refused(
            one,
            "UPDATE disruptions SET second_approver = 'sup.one', status = 'approved' WHERE id = %s",
            disruption,
        )
        two.execute(
            "UPDATE disruptions SET second_approver = 'sup.two', status = 'approved' WHERE id = %s",
            disruption,
        )
    with _as(pg_url, "an.analyst", None) as conn:
        # switching the import mode on is the database owner's alone
        conn.execute("SET socmap.importing = 'on'")
        assert "login that makes it" in _refused(
            conn,
            "INSERT INTO assessments (ocg_id, scheme, config_id, config_version, breakdown,"
            " total, band, assessor, assessed_on) VALUES (%s, 'mosa', %s, %s, '{}', 1, 'low',"
            " 'someone.else', '2026-12-01')",
            [ocg_id, config_id, version],
        )


def test_import_copies_a_file_and_verifies_it(demo_template: Path, pg_url: str) -> None:
    init_server(pg_url)
    report = import_file(demo_template, pg_url)
    lite = open_store(demo_template, migrate=False)
    server = open_store(pg_url)
    try:
        # the file's chain, row for row, then the import itself, by the importing login
        last_id, last_hash = audit.head(lite)
        assert server.conn.execute(
            "SELECT row_hash FROM audit WHERE id = ?", [last_id]
        ).fetchone() == (last_hash,)
        top = server.conn.execute(
            "SELECT id, action, actor FROM audit ORDER BY id DESC LIMIT 1"
        ).fetchone()
        assert top == (last_id + 1, "import", "postgres")
        for table in dialect.user_tables(lite.conn):
            if table in {"users", "_sqlite_migrations", "meta", "audit", "audit_payload"}:
                continue  # the trail is checked row for row above
            n_lite = lite.conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            n_pg = server.conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            assert (table, n_pg) == (table, n_lite)
        assert report.audit_rows == audit.head(lite)[0]
        assert audit.verify_chain(server) is None
        # PostGIS geometry, generated from the same WKB: every located record lies in the
        # area the store assigned it to (or on its boundary)
        outside = server.conn.native(
            "SELECT count(*) FROM locations l JOIN areas a ON a.id = l.area_id"
            " WHERE l.geom IS NOT NULL AND NOT ST_Covers(a.geom, l.geom)"
        ).fetchone()[0]
        assert outside == 0
        assert (
            server.conn.native(
                "SELECT count(*) FROM areas WHERE NOT ST_IsValid(geom) OR ST_SRID(geom) <> 27700"
            ).fetchone()[0]
            == 0
        )
        # the next record gets a fresh id, above every imported one
        max_id = server.conn.execute("SELECT max(id) FROM nominals").fetchone()[0]
        cur = server.conn.execute("INSERT INTO nominals (surname) VALUES ('Newperson')")
        assert cur.lastrowid > max_id
    finally:
        lite.close()
        server.close()
    with pytest.raises(StoreError, match="already holds a register"):
        import_file(demo_template, pg_url)


def test_cli_server_init_import_and_users(
    demo_template: Path, pg_url: str, tmp_path: Path, server_databases: Any
) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                str(REPO / "tests" / "run_as.py"),
                "analyst.test",
                "-m",
                "socmap",
                *args,
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=300,
        )

    out = run("server", "init", pg_url, "--admin", "analyst.test")
    assert out.returncode == 0, out.stderr
    assert "created socmap's register" in out.stdout
    out = run("server", "import", str(demo_template), pg_url)
    assert out.returncode == 0, out.stderr
    assert "verified" in out.stdout
    admin_url = with_login(pg_url, "analyst.test")
    out = run("users", "add", "ds.new", "--role", "analyst", "--db", admin_url)
    assert out.returncode == 0, out.stderr
    out = run("users", "list", "--db", admin_url, "--json")
    assert '"ds.new"' in out.stdout
    out = run("audit", "verify", "--db", admin_url)
    assert out.returncode == 0, out.stdout + out.stderr
    out = run("ocg", "list", "--db", admin_url)
    assert out.returncode == 0, out.stderr
    # the app opens on the server too (both ways of giving --db), and says where it is
    for args in (["gui", "--db", admin_url], ["--db", admin_url, "gui"]):
        png = tmp_path / "window.png"
        png.unlink(missing_ok=True)
        out = run(*args, "--screenshot", str(png))
        assert out.returncode == 0 and png.stat().st_size > 10_000, out.stderr
    # the login decides who you are: a viewer cannot add people, whatever the OS account
    grant_role(pg_url, "viewer.cli", "viewer")
    out = run(
        "users", "add", "ds.other", "--role", "admin", "--db", with_login(pg_url, "viewer.cli")
    )
    assert out.returncode != 0 and "admin" in out.stderr.lower()
    # a file-only command says so in one line
    out = run("backup", "--db", admin_url, "-o", str(tmp_path / "b.db"))
    assert (
        out.returncode != 0 and "server" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    )
