"""A socmap register on a PostgreSQL + PostGIS server: open, create, and move a file onto it.

Who is acting is the server's business: the store's ``actor`` is the session's login
(``session_user``), never an environment variable or a name the client sends, and the audit
trail records it through a trigger (see :mod:`socmap.store.pg_schema`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socmap.domain.accounts import canonical_account
from socmap.domain.errors import StoreError, ValidationError
from socmap.domain.text import plural
from socmap.store.db import Store
from socmap.store.dialect import POSTGRESQL, PgConnection, connect_server, redact_url
from socmap.store.pg_schema import CHANGES_CHANNEL


def _connect(target: str) -> Any:
    import psycopg

    try:
        return connect_server(target)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"cannot connect to {redact_url(target)}: {reason}") from None


def _is_socmap(conn: PgConnection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_name = 'meta'"
    ).fetchone()
    if row is None:
        return False
    app = conn.execute("SELECT value FROM meta WHERE key = 'app'").fetchone()
    return app is not None and app[0] == "socmap"


def open_server(target: str, *, migrate: bool = True) -> Store:
    """Open the socmap register on the server ``target`` as the login the server says we are.

    Raises:
        StoreError: no connection, or the database holds no socmap register (run
            ``socmap server init``), or one written by a newer socmap.
    """
    from socmap.store.migrations import known_migration_names

    raw = _connect(target)
    conn = PgConnection(raw)
    try:
        if not _is_socmap(conn):
            raise StoreError(
                f"{redact_url(target)} holds no socmap register; a DBA creates it with "
                f"'socmap server init {redact_url(target)}'"
            )
        applied = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'socmap' ORDER BY id"
            ).fetchall()
        ]
        known = known_migration_names()
        unknown = [n for n in applied if n not in known]
        if unknown:
            raise StoreError(
                f"{redact_url(target)} was set up by a newer version of socmap (schema step "
                f"'{unknown[0]}' is unknown to this version); upgrade socmap to use it"
            )
        missing = [n for n in known if n not in applied]
        if missing:
            raise StoreError(
                f"{redact_url(target)} was set up by an older socmap (it lacks schema step "
                f"'{missing[0]}'); open it with the socmap version that created it: this one "
                "cannot upgrade a server register in place yet, and nothing was changed"
            )
        login = str(conn.execute("SELECT session_user").fetchone()[0])  # type: ignore[index]
        try:
            actor = canonical_account(login)
        except ValidationError as exc:
            raise StoreError(f"the login {login!r} cannot be used: {exc}") from None
    except BaseException:
        raw.close()
        raise
    del migrate  # the server's schema is a DBA's: 'socmap server init' creates it
    return Store(
        db=None,
        path=None,
        actor=actor,
        dialect=POSTGRESQL,
        server=target,
        server_conn=conn,
        own_sessions={int(raw.info.backend_pid)},
    )


# --- other people's changes, as the server announces them ------------------------------------


@dataclass(frozen=True)
class ServerChange:
    """One committed transaction as announced on :data:`CHANGES_CHANNEL`."""

    txid: int
    tables: frozenset[str]
    logins: frozenset[str]
    ops: frozenset[str]
    session: int


class ChangeListener:
    """A dedicated connection LISTENing for committed changes to the register at ``target``.

    Used from one thread: :meth:`wait` blocks up to ``timeout`` seconds for the next commit and
    returns every transaction announced by then, grouped (a transaction's tables arrive
    together, at its commit). Changes made by the sessions in ``ignore`` (the app's own
    connections, by backend process id) are left out.
    """

    def __init__(self, target: str, *, ignore: set[int] | None = None) -> None:
        self.raw = _connect(target)
        self.raw.execute(f"LISTEN {CHANGES_CHANNEL}")
        self.ignore = ignore if ignore is not None else set()

    def wait(self, timeout: float) -> list[ServerChange]:
        """The transactions committed by others, waiting up to ``timeout`` s for the first."""
        import json

        import psycopg

        found: dict[tuple[int, int], dict[str, set[str]]] = {}
        try:
            batches = [list(self.raw.notifies(timeout=timeout, stop_after=1))]
            while batches[-1]:  # what else arrived with it (the same commit, or just after)
                batches.append(list(self.raw.notifies(timeout=0.05, stop_after=64)))
        except psycopg.Error as exc:
            raise StoreError(f"lost the connection that listens for changes: {exc}") from None
        for notice in (n for batch in batches for n in batch):
            if notice.pid in self.ignore:
                continue
            try:
                body = json.loads(notice.payload)
                key = (int(body["txid"]), int(notice.pid))
            except (ValueError, KeyError, TypeError):
                continue  # not socmap's announcement
            entry = found.setdefault(key, {"tables": set(), "logins": set(), "ops": set()})
            entry["tables"].update(str(t) for t in body.get("tables", ()))
            entry["logins"].add(str(body.get("login", "")))
            entry["ops"].add(str(body.get("op", "")))
        return [
            ServerChange(
                txid=txid,
                tables=frozenset(e["tables"]),
                logins=frozenset(e["logins"] - {""}),
                ops=frozenset(e["ops"] - {""}),
                session=pid,
            )
            for (txid, pid), e in found.items()
        ]

    def close(self) -> None:
        """Stop listening and close the connection."""
        self.raw.close()


def listen(store: Store) -> ChangeListener:
    """A listener for the changes others commit to ``store``'s register (not its own)."""
    if store.server is None:
        raise StoreError("only a server announces changes; poll data_version on a file")
    return ChangeListener(store.server, ignore=store.own_sessions)


@dataclass
class InitReport:
    """What ``socmap server init`` did."""

    target: str
    tables: int
    created: bool
    admins: list[str]


def init_server(target: str, *, admins: list[str] | None = None) -> InitReport:
    """Create socmap's schema, roles, rules and audit trigger on an empty database.

    Needs a login that owns the database (or may create in its schema) and has CREATEROLE, and
    the PostGIS extension available (``CREATE EXTENSION postgis``). ``admins`` are logins made
    socmap admins (created without a password when missing). Running it again on a socmap
    database changes nothing.
    """
    from socmap.store.migrations import known_migration_names
    from socmap.store.pg_schema import role_prefix, schema_statements, table_names

    raw = _connect(target)
    conn = PgConnection(raw)
    try:
        if _is_socmap(conn):
            created = False
        else:
            others = conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema ="
                " current_schema() AND table_name NOT IN ('spatial_ref_sys', 'geometry_columns',"
                " 'geography_columns') ORDER BY 1 LIMIT 3"
            ).fetchall()
            if others:
                names = ", ".join(str(r[0]) for r in others)
                raise StoreError(
                    f"{redact_url(target)} is not empty (it holds tables such as {names}); "
                    "give socmap a database of its own"
                )
            schema, database = conn.execute(
                "SELECT current_schema(), current_database()"
            ).fetchone()  # type: ignore[misc]
            prefix = role_prefix(str(database))
            conn.execute("BEGIN")
            try:
                for statement in schema_statements(str(schema), prefix):
                    raw.execute(statement)
                raw.execute("INSERT INTO meta (key, value) VALUES ('app', 'socmap')")
                raw.execute("INSERT INTO meta (key, value) VALUES ('role_prefix', %s)", [prefix])
                _copy_seed_rows(conn)
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
                for name in known_migration_names():
                    raw.execute(
                        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                        " VALUES ('socmap', %s, %s)",
                        [name, stamp],
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.rollback()
                raise
            created = True
        made = []
        for login in admins or []:
            conn.execute("SELECT socmap_set_role(?, 'admin')", [login])
            made.append(login)
        if created:
            # the trail starts with the register's creation, as a file's does
            from socmap.store import audit

            store = open_server(target)
            try:
                audit.record(
                    store,
                    action="create",
                    entity="register",
                    summary="register created on the server"
                    + (f"; admins: {', '.join(made)}" if made else ""),
                    after={"admins": made},
                )
            finally:
                store.close()
        count = len(table_names())
    except sqlite3.Error as exc:
        raise StoreError(f"{redact_url(target)}: {exc}") from None
    finally:
        raw.close()
    return InitReport(target=redact_url(target), tables=count, created=created, admins=made)


#: Tables whose rows are the register's own history or people: never seeded, always imported.
_NOT_SEEDED = frozenset({"users", "audit", "audit_payload", "_sqlite_migrations", "meta"})


def _copy_seed_rows(conn: PgConnection) -> None:
    """The rows the migrations put into a new register (scoring configurations, settings),
    copied from a freshly migrated embedded database, so both engines start the same."""
    from socmap.store.db import open_store
    from socmap.store.dialect import table_info
    from socmap.store.pg_schema import table_names

    lite = open_store(None, actor="schema")
    try:
        for table in table_names():
            if table in _NOT_SEEDED:
                continue
            cols = [c[1] for c in table_info(lite.conn, table)]
            col_list = ", ".join(f'"{c}"' for c in cols)
            rows = lite.conn.execute(f'SELECT {col_list} FROM "{table}"').fetchall()
            if rows:
                marks = ", ".join("?" for _ in cols)
                conn.executemany(f'INSERT INTO "{table}" ({col_list}) VALUES ({marks})', rows)
                if "id" in cols:
                    conn.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f' (SELECT max(id) FROM "{table}"))'
                    )
    finally:
        lite.close()


@dataclass
class ImportReport:
    """What ``socmap server import`` copied and what it verified."""

    source: str
    target: str
    rows: dict[str, int]
    audit_rows: int
    audit_head: str


def import_file(
    source: Path,
    target: str,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Copy the SQLite register ``source`` into the empty socmap register at ``target``.

    Everything is copied in one transaction (ids, approvals and the audit trail as they were),
    then verified: the row count of every table, and the audit chain recomputed on the server
    to the same head as the file's. Any difference rolls it all back.
    """
    from socmap.store import audit
    from socmap.store.db import open_store
    from socmap.store.pg_schema import POINT_COLUMNS, POLYGON_TABLES, table_names

    src = open_store(source, migrate=False, create=False)
    try:
        src_head = audit.head(src)
        dst = open_server(target)
        try:
            busy = [
                t
                for t in ("ocgs", "nominals", "areas")
                if dst.conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is not None
            ]
            trail = dst.conn.execute("SELECT id, action, entity FROM audit ORDER BY id").fetchall()
            fresh = [tuple(r) for r in trail] in ([], [(1, "create", "register")])
            if busy or not fresh:
                raise StoreError(
                    f"{redact_url(target)} already holds a register (its table "
                    f"{(busy or ['audit'])[0]} is not empty); import only into a newly "
                    "initialised database"
                )
            generated = set(POLYGON_TABLES) | set(POINT_COLUMNS)
            order = [t for t in table_names() if t not in {"users", "_sqlite_migrations"}]
            counts: dict[str, int] = {}
            conn = dst.conn
            conn.execute("BEGIN")
            try:
                conn.execute("SET LOCAL socmap.importing = 'on'")
                if trail:
                    # The file's history replaces the new register's one creation row (its own
                    # trail starts with the file's creation); only the owner can lift the lock.
                    for table, trigger in (
                        ("audit_payload", "audit_payload_no_delete"),
                        ("audit", "audit_no_delete"),
                    ):
                        conn.native(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
                        conn.native(f"DELETE FROM {table}")
                        conn.native(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
                # the rows 'server init' seeded (configurations, settings) give way to the file's
                for table in reversed(order):
                    if table not in {"meta", "audit", "audit_payload"}:
                        conn.execute(f'DELETE FROM "{table}"')
                for i, table in enumerate(order):
                    cols = [
                        str(r[1])
                        for r in src.conn.execute(f'PRAGMA table_info("{table}")').fetchall()
                    ]
                    if table in generated:
                        cols = [c for c in cols if c != "geom"]
                    col_list = ", ".join(f'"{c}"' for c in cols)
                    order_by = "id" if "id" in cols else "rowid"
                    rows = src.conn.execute(
                        f'SELECT {col_list} FROM "{table}" ORDER BY {order_by}'
                    ).fetchall()
                    if table == "meta":
                        # The server's own 'app' row stays; the file's head of trail is the
                        # server's last audit row, which the database keeps itself.
                        rows = [r for r in rows if r[0] not in {"app", "audit_head", "role_prefix"}]
                        conn.execute("DELETE FROM meta WHERE key NOT IN ('app', 'role_prefix')")
                    if rows:
                        # COPY: the national demo's million rows in a fraction of the time
                        # INSERTs take (row triggers, geometry included, still run)
                        conn.copy_rows(table, cols, rows)
                    counts[table] = len(rows)
                    if "id" in cols and rows and table != "audit":
                        conn.execute(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                            f' (SELECT max(id) FROM "{table}"))'
                        )
                    if progress is not None:
                        progress(table, i + 1, len(order))
                accounts = src.conn.execute("SELECT account, role FROM users").fetchall()
                for account, role in accounts:
                    conn.execute("SELECT socmap_set_role(?, ?)", [account, role])
                counts["users"] = len(accounts)
                for table in order:
                    got = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                    if table == "meta":
                        got = int(got) - 2
                    if int(got) != counts[table]:
                        raise StoreError(
                            f"copying {table} into {redact_url(target)} gave "
                            f"{plural(int(got), 'row')}, not {counts[table]}; nothing was imported"
                        )
                dst_head = audit.head(dst)
                conn.execute("SET LOCAL socmap.importing = 'off'")
                if dst_head != src_head:
                    raise StoreError(
                        f"the audit trail copied into {redact_url(target)} does not verify "
                        f"(head {dst_head[0]} vs {src_head[0]} in {source}); nothing was imported"
                    )
                audit.record(
                    dst,
                    action="import",
                    entity="register",
                    entity_id=source.name,
                    summary=f"register copied from a file ({plural(sum(counts.values()), 'row')},"
                    f" audit head {src_head[0]}) by 'socmap server import', and verified",
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.rollback()
                raise
            problem = audit.verify_chain(dst)
            if problem is not None:
                raise StoreError(
                    f"the audit trail copied into {redact_url(target)} does not verify: "
                    f"row {problem.row_id}: {problem.reason}"
                )
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise StoreError(f"importing {source} into {redact_url(target)}: {exc}") from None
    finally:
        src.close()
    return ImportReport(
        source=str(source),
        target=redact_url(target),
        rows=counts,
        audit_rows=src_head[0],
        audit_head=src_head[1],
    )
