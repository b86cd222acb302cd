"""Rows for merging two nominal records that are the same person (the only SQL of the merge).

Every table whose foreign key points at ``nominals`` is read from the schema
(:func:`socmap.store.review.referencing_columns`), so tables added later are moved too; the
references that are not foreign keys (review decisions and import keys name a nominal by kind and
id) are listed here.
"""

from __future__ import annotations

from typing import Any

from socmap.store import dialect
from socmap.store.db import Store
from socmap.store.review import referencing_columns

#: References to a nominal that are not foreign keys: (table, id column, kind column, kind).
POLYMORPHIC = (
    ("review_decisions", "entity_id", "entity", "nominal"),
    ("import_keys", "record_id", "kind", "nominal"),
)


def nominal_references(store: Store) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to ``nominals``, from the schema."""
    return [(t, c) for t, c, _rule in referencing_columns(store, "nominal")]


def rows_referring(store: Store, nominal_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row that refers to ``nominal_id``, by ``table.column`` (for the audit snapshot)."""
    out: dict[str, list[dict[str, Any]]] = {}
    refs = [(t, c, "", "") for t, c in nominal_references(store)]
    refs += [(t, c, k, v) for t, c, k, v in POLYMORPHIC]
    for table, column, kind_col, kind in refs:
        where = f'"{column}" = ?' + (f' AND "{kind_col}" = ?' if kind_col else "")
        params: list[Any] = [nominal_id, *([kind] if kind_col else [])]
        cur = store.conn.execute(f'SELECT * FROM "{table}" WHERE {where}', params)
        names = [d[0] for d in cur.description]
        found = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        if found:
            out[f"{table}.{column}"] = found
    return out


def repoint(store: Store, *, keep: int, drop: int) -> dict[str, dict[str, int]]:
    """Point every reference to ``drop`` at ``keep``; returns ``{table.column: {moved, folded}}``.

    A row that cannot move because the kept person already has its match (a unique key such as
    one at-risk entry per person, a disruption naming both) or because it would link the person
    to themselves (an association between the two records) is *folded*: deleted, the kept
    record's row standing for both. The caller snapshots the rows first for the audit.
    """
    out: dict[str, dict[str, int]] = {}
    refs = [(t, c, "", "") for t, c in nominal_references(store)]
    refs += [(t, c, k, v) for t, c, k, v in POLYMORPHIC]
    for table, column, kind_col, kind in refs:
        extra = f' AND "{kind_col}" = ?' if kind_col else ""
        params: list[Any] = [*([kind] if kind_col else [])]
        moved = dialect.update_or_ignore(
            store.conn, table, column, keep, f'"{column}" = ?{extra}', [drop, *params]
        )
        folded = store.conn.execute(
            f'DELETE FROM "{table}" WHERE "{column}" = ?{extra}', [drop, *params]
        ).rowcount
        if moved or folded:
            key = f"{table}.{column}"
            out[key] = {"moved": int(moved), "folded": int(folded)}
    return out


def count_referring(store: Store, nominal_id: int) -> dict[str, int]:
    """How many rows still refer to ``nominal_id``, by ``table.column`` (zero ones left out)."""
    return {k: len(v) for k, v in rows_referring(store, nominal_id).items()}
