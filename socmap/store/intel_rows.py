"""Rows of the ``intel`` table written by imports (batches) and the look-ups imports need."""

from __future__ import annotations

from socmap.store.db import Store


def categories_with_digest(store: Store, digest: str) -> dict[str, str]:
    """Category -> batch label of earlier imported rows whose file had this SHA-256 prefix."""
    return {
        str(c): str(b)
        for c, b in store.conn.execute(
            "SELECT category, MIN(batch) FROM intel WHERE batch LIKE ? GROUP BY category",
            [f"%@{digest}"],
        )
    }


def existing_source_refs(store: Store, refs: list[str]) -> set[str]:
    """Those of ``refs`` (e.g. ``police.uk:<Crime ID>``) that rows already carry."""
    found: set[str] = set()
    for i in range(0, len(refs), 500):
        part = refs[i : i + 500]
        marks = ", ".join("?" for _ in part)
        found.update(
            str(r[0])
            for r in store.conn.execute(
                f"SELECT DISTINCT source_ref FROM intel WHERE source_ref IN ({marks})", part
            )
        )
    return found


def ocg_ids(store: Store) -> set[int]:
    """Every OCG id (to check references in imported rows)."""
    return {int(r[0]) for r in store.conn.execute("SELECT id FROM ocgs")}


def batch_counts(store: Store, batch: str) -> tuple[int, int]:
    """(rows, rows with an area) of one import batch."""
    row = store.conn.execute(
        "SELECT COUNT(*), COUNT(area_id) FROM intel WHERE batch = ?", [batch]
    ).fetchone()
    return int(row[0]), int(row[1])
