"""Everything that differs between the two engines, in one place.

socmap's store is written once, in the SQL that SQLite (the embedded engine) understands. On a
PostgreSQL server (``--db postgresql://host/db`` or ``--db service=socmap``) the same statements
run through :class:`PgConnection`, which presents the part of the ``sqlite3.Connection`` API the
store uses and translates each distinct statement once (cached) with sqlglot:

* ``?`` placeholders become ``%s``; ``%`` in literals is escaped for psycopg;
* SQLite functions become their PostgreSQL equivalents (``max(a, b)`` → ``GREATEST``,
  ``group_concat`` → ``STRING_AGG``, ``instr`` → ``POSITION``), ``x IS ?`` becomes
  ``IS NOT DISTINCT FROM``, and SQLite's NULL ordering is kept (``NULLS FIRST`` ascending);
* ``LIKE`` becomes ``ILIKE`` (SQLite's ``LIKE`` ignores ASCII case, PostgreSQL's does not);
* an ``INSERT`` into a table with an ``id`` column returns it, for ``cursor.lastrowid``.

Errors from the server are raised as the ``sqlite3`` exception classes the store already
handles (``IntegrityError`` for a constraint or a rule a trigger enforces, ``OperationalError``
for a lock, a dropped connection or a serialisation failure), with the server's message, so the
store has one error policy for both engines.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

SQLITE = "sqlite"
POSTGRESQL = "postgresql"

_URL_PREFIXES = ("postgresql://", "postgres://", "postgresql+psycopg://")
_CONNINFO_KEYS = re.compile(r"(^|\s)(service|host|hostaddr|dbname|port|user)\s*=", re.IGNORECASE)


def is_server_url(target: object) -> bool:
    """True when ``--db`` names a PostgreSQL server (URL or libpq keyword string), not a file."""
    if target is None:
        return False
    text = str(target).strip()
    if text.lower().startswith(_URL_PREFIXES):
        return True
    return bool(_CONNINFO_KEYS.search(text)) and "/" not in text.split("=", 1)[0]


def redact_url(target: str) -> str:
    """The server address without any password, for messages and the status bar."""
    text = str(target)
    text = re.sub(r"(://[^:/@]+):[^@/]*@", r"\1@", text)
    return re.sub(r"(password\s*=\s*)(\S+)", r"\1***", text, flags=re.IGNORECASE)


# --- statement translation -------------------------------------------------------------------

_INSERT_TABLE = re.compile(r'^\s*INSERT\s+INTO\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE)
_CONFLICT_NULLS = re.compile(r"(ON CONFLICT\s*\([^)]*?)\s+NULLS (?:FIRST|LAST)", re.IGNORECASE)


def _escape_percent(sql: str) -> str:
    """Double every ``%`` that is not a ``%s`` placeholder (psycopg's paramstyle)."""
    out: list[str] = []
    i, n = 0, len(sql)
    quote: str | None = None
    while i < n:
        ch = sql[i]
        if quote:
            if ch == quote:
                quote = None
            out.append("%%" if ch == "%" else ch)
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "%":
            if i + 1 < n and sql[i + 1] == "s":
                out.append("%s")
                i += 1
            else:
                out.append("%%")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """The PostgreSQL form of one SQLite statement (cached: each text is translated once)."""
    import sqlglot
    from sqlglot import exp

    try:
        trees = sqlglot.parse(sql, read="sqlite")
    except sqlglot.errors.ParseError as exc:  # pragma: no cover - a store bug, not user input
        raise sqlite3.OperationalError(f"statement not understood for PostgreSQL: {exc}") from None

    counter = iter(range(1, 10_000))

    def _rewrite(node: exp.Expression) -> Any:
        if isinstance(node, exp.Like):
            return exp.ILike(this=node.this, expression=node.expression)
        if isinstance(node, exp.Anonymous) and str(node.this).upper() == "TOTAL":
            # SQLite's total(): a sum that is 0.0, never NULL, over no rows
            return exp.func("coalesce", exp.func("sum", *node.expressions), exp.Literal.number(0.0))
        if isinstance(node, exp.Anonymous) and str(node.this).upper() == "DATE":
            # date(x, '+6 years'): the modifier is a PostgreSQL interval; the result ISO text
            day: exp.Expression = exp.cast(node.expressions[0], "date")
            for modifier in node.expressions[1:]:
                day = exp.Add(this=day, expression=exp.cast(modifier, "interval"))
            return exp.func("to_char", day, exp.Literal.string("YYYY-MM-DD"))
        if isinstance(node, exp.Date) and not node.expressions:
            return exp.func(
                "to_char", exp.cast(node.this, "date"), exp.Literal.string("YYYY-MM-DD")
            )
        if isinstance(node, exp.Cast) and node.to.this in (
            exp.DataType.Type.VARBINARY,
            exp.DataType.Type.BINARY,
        ):
            # SQLite's CAST(text AS BLOB) is the text's UTF-8 bytes; PostgreSQL's cast to bytea
            # would read backslash escapes instead.
            return exp.func("convert_to", node.this, exp.Literal.string("UTF8"))
        if (
            isinstance(node, exp.Subquery)
            and not node.alias
            and isinstance(node.parent, exp.From | exp.Join)
        ):
            # PostgreSQL before 16 insists on a name for a subquery in FROM.
            node.set("alias", exp.TableAlias(this=exp.to_identifier(f"_q{next(counter)}")))
        return node

    parts = []
    for tree in trees:
        if tree is None:
            continue
        tree = tree.transform(_rewrite)
        parts.append(tree.sql(dialect="postgres"))
    text = ";\n".join(parts)
    text = _CONFLICT_NULLS.sub(r"\1", text)
    return text


def _with_placeholders(sql: str) -> str:
    return _escape_percent(translate(sql))


_PLACEHOLDER = re.compile(r"\?(\d+)|(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=4096)
def positional(sql: str) -> tuple[str, tuple[int | str, ...]]:
    """SQLite's numbered (``?2``) and named (``:area``) parameters as plain ``?`` in order, and
    which parameter each one takes (psycopg numbers parameters by position only)."""
    out: list[str] = []
    order: list[int | str] = []
    i, n = 0, len(sql)
    quote: str | None = None
    plain = 0
    while i < n:
        ch = sql[i]
        if quote:
            out.append(ch)
            if ch == quote:
                quote = None
            i += 1
            continue
        if ch in ("'", '"'):
            quote = ch
            out.append(ch)
            i += 1
            continue
        match = _PLACEHOLDER.match(sql, i) if ch in "?:" else None
        if match and (match.group(1) or (match.group(2) and sql[i - 1 : i] != ":")):
            order.append(int(match.group(1)) - 1 if match.group(1) else match.group(2))
            out.append("?")
            i = match.end()
            continue
        if ch == "?":
            order.append(plain)
            plain += 1
        out.append(ch)
        i += 1
    if all(isinstance(o, int) for o in order) and list(order) == list(range(len(order))):
        return sql, ()
    return "".join(out), tuple(order)


def bind(sql: str, params: Any) -> tuple[str, list[Any] | None]:
    """The statement with plain ``?`` and its parameters as a list, in that order."""
    if not params:
        return sql, None
    text, order = positional(sql)
    if not order:
        return sql, list(params)
    if isinstance(params, dict):
        return text, [params[o] for o in order]
    values = list(params)
    return text, [values[o] if isinstance(o, int) else None for o in order]


# --- errors ----------------------------------------------------------------------------------


def as_sqlite_error(exc: BaseException) -> sqlite3.Error:
    """The ``sqlite3`` exception the store handles for a psycopg error (message kept)."""
    import psycopg
    from psycopg import errors as pe

    message = _server_message(exc)
    if isinstance(exc, pe.RaiseException | psycopg.IntegrityError | pe.InsufficientPrivilege):
        err: sqlite3.Error = sqlite3.IntegrityError(message)
    elif isinstance(exc, psycopg.OperationalError | pe.SerializationFailure | pe.DeadlockDetected):
        err = sqlite3.OperationalError(message)
    elif isinstance(exc, psycopg.DataError):
        err = sqlite3.IntegrityError(message)
    else:
        err = sqlite3.DatabaseError(message)
    err.__cause__ = exc  # type: ignore[assignment]
    err.sqlstate = getattr(exc, "sqlstate", None)  # type: ignore[attr-defined]
    return err


def _server_message(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    return str(primary or exc).strip().splitlines()[0] if (primary or str(exc)) else repr(exc)


def is_retryable(exc: BaseException) -> bool:
    """A serialisation failure or deadlock: the whole transaction may simply be run again.

    The SQLSTATE is looked for on ``exc`` and on the exceptions it was raised from or while
    handling (a layer may have turned the server's error into one of its own on the way).
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "sqlstate", None) in RETRYABLE_STATES:
            return True
        current = current.__cause__ or current.__context__
    return False


#: SQLSTATEs after which the whole transaction is run again: serialization_failure,
#: deadlock_detected.
RETRYABLE_STATES = frozenset({"40001", "40P01"})


# --- the connection adapter ------------------------------------------------------------------


class PgCursor:
    """The result of one statement: rows as tuples, ``lastrowid`` and ``rowcount``."""

    def __init__(
        self,
        rows: list[tuple[Any, ...]] | None,
        rowcount: int,
        lastrowid: int | None,
        description: list[tuple[Any, ...]] | None = None,
    ):
        self._rows = rows or []
        self._pos = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        #: As sqlite3 gives it: one 7-tuple per column, its name first (None for no rows).
        self.description = description

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._pos >= len(self._rows):
            return None
        row = self._rows[self._pos]
        self._pos += 1
        return row

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows = self._rows[self._pos :]
        self._pos = len(self._rows)
        return rows

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        rows = self._rows[self._pos : self._pos + size]
        self._pos += len(rows)
        return rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        while self._pos < len(self._rows):
            yield self._rows[self._pos]
            self._pos += 1


def _numeric_loader() -> type:
    from psycopg.adapt import Loader

    class NumericLoader(Loader):
        """``numeric`` (SUM/AVG of integers) as int or float, as SQLite returns them."""

        def load(self, data: Any) -> Any:
            text = bytes(data).decode("ascii")
            if text in {"NaN", "Infinity", "-Infinity"}:
                return float(text)
            return float(text) if ("." in text or "e" in text.lower()) else int(text)

    return NumericLoader


def connect_server(target: str) -> Any:
    """A psycopg connection to ``target`` (URL or libpq keywords), in socmap's settings.

    Autocommit: the store's ``atomic`` issues ``BEGIN``/``COMMIT`` itself, exactly as on SQLite.
    """
    import psycopg

    url = target
    if url.lower().startswith("postgresql+psycopg://"):
        url = "postgresql://" + url.split("://", 1)[1]
    conn = psycopg.connect(url, autocommit=True, application_name="socmap", connect_timeout=10)
    conn.adapters.register_loader("numeric", _numeric_loader())
    conn.execute("SET TIME ZONE 'UTC'")
    return conn


class PgConnection:
    """The part of ``sqlite3.Connection`` the store uses, over a psycopg connection."""

    dialect = POSTGRESQL

    def __init__(self, raw: Any):
        self.raw = raw
        self.total_changes = 0
        self._id_tables: set[str] | None = None

    # sqlite3.Connection API -------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> PgCursor:
        sql, params = bind(sql, params)
        stripped = sql.strip().rstrip(";").strip()
        upper = stripped[:16].upper()
        if upper in {"BEGIN", "BEGIN IMMEDIATE", "BEGIN DEFERRED"}:
            return self._run("BEGIN", None)
        if upper.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")):
            return self._run(stripped, None)
        text = _with_placeholders(sql) if params else translate(sql)
        returning = False
        if upper.startswith("INSERT") and " RETURNING " not in text.upper():
            match = _INSERT_TABLE.match(stripped)
            if match and match.group(1).lower() in self._tables_with_id():
                text += " RETURNING id"
                returning = True
        return self._run(text, list(params) if params else None, returning=returning)

    def native(self, sql: str, params: Sequence[Any] | None = None) -> PgCursor:
        """Run PostgreSQL's own SQL (``%s`` placeholders), untranslated."""
        return self._run(sql, list(params) if params is not None else None)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> PgCursor:
        rows = [bind(sql, p)[1] or [] for p in seq]
        sql = positional(sql)[0]
        text = _with_placeholders(sql)
        if not rows:
            return PgCursor(None, 0, None)
        import psycopg

        try:
            with self.raw.cursor() as cur:
                cur.executemany(text, rows)
                count = cur.rowcount
        except psycopg.Error as exc:
            raise as_sqlite_error(exc) from None
        self.total_changes += max(count, 0)
        return PgCursor(None, count, None)

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Load ``rows`` into ``table`` with PostgreSQL's COPY (a bulk import: several times
        faster than ``executemany``; row triggers still fire). Returns how many rows."""
        import psycopg
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        )
        count = 0
        try:
            with self.raw.cursor() as cur, cur.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        except psycopg.Error as exc:
            raise as_sqlite_error(exc) from None
        self.total_changes += count
        return count

    def commit(self) -> None:
        if self.in_transaction:
            self._run("COMMIT", None)

    def rollback(self) -> None:
        if self.in_transaction:
            self._run("ROLLBACK", None)

    def close(self) -> None:
        self.raw.close()

    def executescript(self, sql: str) -> None:
        """Several statements at once (schema changes in tests and tools)."""
        self._run(translate(sql), None)
        self.forget_schema()

    def iterdump(self) -> Iterator[str]:
        """Every row of every table (and who holds which role), as text in a fixed order: what
        tests compare to prove that a refused change left the database exactly as it was."""
        for table in user_tables(self):
            cols = [c[1] for c in table_info(self, table)]
            order = ", ".join(f'"{c}"' for c in cols)
            yield f"-- {table} ({order})"
            for row in self.native(f'SELECT {order} FROM "{table}" ORDER BY {order}'):
                yield repr(row)
        yield "-- users"
        for row in self.native("SELECT account, role FROM users ORDER BY 1, 2"):
            yield repr(row)

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        raise sqlite3.NotSupportedError("SQL functions written in Python run on SQLite only")

    # internals --------------------------------------------------------------------------
    def _run(self, text: str, params: list[Any] | None, *, returning: bool = False) -> PgCursor:
        import psycopg

        try:
            with self.raw.cursor() as cur:
                cur.execute(text, params, prepare=False) if params is None else cur.execute(
                    text, params
                )
                rows = cur.fetchall() if cur.description is not None else None
                described = (
                    [(c.name, None, None, None, None, None, None) for c in cur.description]
                    if cur.description is not None and not returning
                    else None
                )
                count = cur.rowcount
        except psycopg.Error as exc:
            raise as_sqlite_error(exc) from None
        lastrowid = None
        if returning:
            lastrowid = int(rows[0][0]) if rows else None
            rows = None
        head = text.lstrip()[:6].upper()
        if head in {"INSERT", "UPDATE", "DELETE"} and count > 0:
            self.total_changes += count
        return PgCursor(rows, count, lastrowid, described)

    def _tables_with_id(self) -> set[str]:
        if self._id_tables is None:
            cur = self._run(
                "SELECT table_name FROM information_schema.columns WHERE column_name = 'id'"
                " AND table_schema = current_schema()",
                None,
            )
            self._id_tables = {str(r[0]).lower() for r in cur.fetchall()}
        return self._id_tables

    def forget_schema(self) -> None:
        """Drop what was learnt about tables (after the schema changed)."""
        self._id_tables = None


# --- the catalog: tables, columns and foreign keys, the same answer on both engines ---------

_PG_TYPES = {
    "text": "TEXT",
    "character varying": "TEXT",
    "bigint": "INTEGER",
    "integer": "INTEGER",
    "smallint": "INTEGER",
    "double precision": "REAL",
    "real": "REAL",
    "numeric": "NUMERIC",
    "bytea": "BLOB",
    "boolean": "INTEGER",
}


def is_server(conn: Any) -> bool:
    """True for the PostgreSQL adapter."""
    return isinstance(conn, PgConnection)


def user_tables(conn: Any) -> list[str]:
    """socmap's tables (no engine-internal ones: sqlite_*, PostGIS's spatial_ref_sys)."""
    if is_server(conn):
        rows = conn.native(
            "SELECT table_name FROM information_schema.tables WHERE table_schema ="
            " current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'spatial_ref_sys'"
            " ORDER BY table_name"
        ).fetchall()
    else:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        ).fetchall()
    return [str(r[0]) for r in rows]


def table_info(conn: Any, table: str) -> list[tuple[Any, ...]]:
    """Columns as SQLite's ``PRAGMA table_info`` gives them: (cid, name, type, notnull,
    default, pk). Columns the server generates (PostGIS ``geom``) are left out."""
    if is_server(conn):
        rows = conn.native(
            "SELECT c.ordinal_position - 1, c.column_name, c.data_type, c.is_nullable = 'NO',"
            " c.column_default, coalesce((SELECT k.ordinal_position FROM"
            " information_schema.key_column_usage k JOIN information_schema.table_constraints t"
            " ON t.constraint_name = k.constraint_name AND t.table_schema = k.table_schema"
            " WHERE t.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema AND"
            " k.table_name = c.table_name AND k.column_name = c.column_name), 0)"
            " FROM information_schema.columns c WHERE c.table_schema = current_schema()"
            " AND c.table_name = %s AND c.is_generated = 'NEVER' ORDER BY c.ordinal_position",
            [table],
        ).fetchall()
        return [
            (
                int(r[0]),
                str(r[1]),
                _PG_TYPES.get(str(r[2]), str(r[2]).upper()),
                int(r[3]),
                r[4],
                int(r[5]),
            )
            for r in rows
        ]
    # PRAGMA takes no parameters; callers pass names read from the catalog, quoted here.
    return [tuple(r) for r in conn.execute(f'PRAGMA table_info("{table}")').fetchall()]


def foreign_key_list(conn: Any, table: str) -> list[tuple[Any, ...]]:
    """Foreign keys as SQLite's ``PRAGMA foreign_key_list`` gives them: (id, seq, table,
    from, to, on_update, on_delete, match)."""
    if is_server(conn):
        rows = conn.native(
            "SELECT c.oid, k.n, ft.relname, a.attname, fa.attname, c.confupdtype, c.confdeltype"
            " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
            " JOIN pg_namespace ns ON ns.oid = t.relnamespace"
            " JOIN pg_class ft ON ft.oid = c.confrelid"
            " CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, fcol, n)"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col"
            " JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = k.fcol"
            " WHERE c.contype = 'f' AND t.relname = %s AND ns.nspname = current_schema()"
            " ORDER BY c.oid, k.n",
            [table],
        ).fetchall()
        actions = {
            "a": "NO ACTION",
            "r": "RESTRICT",
            "c": "CASCADE",
            "n": "SET NULL",
            "d": "SET DEFAULT",
        }
        ids: dict[Any, int] = {}
        out = []
        for oid, n, ftable, col, fcol, upd, dele in rows:
            fk_id = ids.setdefault(oid, len(ids))
            out.append(
                (
                    fk_id,
                    int(n) - 1,
                    str(ftable),
                    str(col),
                    str(fcol),
                    actions.get(str(upd), "NO ACTION"),
                    actions.get(str(dele), "NO ACTION"),
                    "NONE",
                )
            )
        return out
    return [tuple(r) for r in conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall()]


def rows_mentioning(
    conn: Any, table: str, column: str, mentions: Any, *, key: str = "rowid"
) -> list[tuple[Any, str]]:
    """(row key, value) of every row whose text ``column`` satisfies ``mentions``.

    SQLite calls ``mentions`` inside the query (a Python SQL function); on a server the values
    are read and tested here. The key is SQLite's ``rowid`` or PostgreSQL's ``ctid``, so tables
    without an ``id`` column are covered too; use it with :func:`update_by_row_key` in the same
    transaction.
    """
    if is_server(conn):
        found = conn.native(
            f'SELECT ctid::text, "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'
            if key == "rowid"
            else f'SELECT "{key}", "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'
        ).fetchall()
        return [(k, v) for k, v in found if isinstance(v, str) and mentions(v)]
    conn.create_function(
        "socmap_mentions", 1, lambda v: int(isinstance(v, str) and mentions(v)), deterministic=True
    )
    return [
        (r[0], r[1])
        for r in conn.execute(
            f'SELECT {key}, "{column}" FROM "{table}" WHERE socmap_mentions("{column}")'
        ).fetchall()
    ]


def update_by_row_key(conn: Any, table: str, column: str, value: Any, row_key: Any) -> None:
    """Set one column of the row ``rows_mentioning`` returned the key of."""
    if is_server(conn):
        conn.native(f'UPDATE "{table}" SET "{column}" = %s WHERE ctid = %s::tid', [value, row_key])
    else:
        conn.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?', [value, row_key])


def update_or_ignore(
    conn: Any, table: str, column: str, value: Any, where: str, params: list[Any]
) -> int:
    """SQLite's ``UPDATE OR IGNORE``: set ``column`` where ``where`` holds, leaving alone each
    row the change would make break a constraint (a unique key, a check); returns rows changed.

    A server has no such statement: each row is tried in a savepoint of its own (a refusal
    must not abort the caller's transaction), which is fine for the few rows a merge moves.
    """
    if not is_server(conn):
        return int(
            conn.execute(
                f'UPDATE OR IGNORE "{table}" SET "{column}" = ? WHERE {where}', [value, *params]
            ).rowcount
        )
    # ``where`` is identifiers and ``?`` placeholders only (built by the store, no literals)
    native_where = where.replace("?", "%s")
    keys = [
        r[0]
        for r in conn.native(
            f'SELECT ctid::text FROM "{table}" WHERE {native_where}', params
        ).fetchall()
    ]
    changed = 0
    for key in keys:
        conn.native("SAVEPOINT socmap_or_ignore")
        try:
            conn.native(f'UPDATE "{table}" SET "{column}" = %s WHERE ctid = %s::tid', [value, key])
        except sqlite3.IntegrityError:
            conn.native("ROLLBACK TO SAVEPOINT socmap_or_ignore")
        else:
            changed += 1
        conn.native("RELEASE SAVEPOINT socmap_or_ignore")
    return changed
