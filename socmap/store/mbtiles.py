"""Read tiles from an MBTiles file (a SQLite database of map tiles), read-only."""

from __future__ import annotations

import sqlite3


def read_tile(path: str, zoom: int, column: int, tms_row: int) -> bytes | None:
    """The tile at ``zoom``/``column``/``tms_row`` (rows counted from the south), or None."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            [zoom, column, tms_row],
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return bytes(row[0]) if row else None
