"""Reading raster tiles from an MBTiles file (an SQLite database of its own, read-only)."""

from __future__ import annotations

import sqlite3


def mbtiles_tile(path: str, z: int, x: int, y: int) -> bytes | None:
    """A tile (XYZ numbering) from an MBTiles file, whose rows count from the south (TMS)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            [z, x, (2**z - 1) - y],
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return bytes(row[0]) if row else None
