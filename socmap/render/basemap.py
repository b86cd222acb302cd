"""Basemap layers under the threat layers (issue 16)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QPainter


class BasemapPainter:
    """Draws a map's basemap layers from a cache; never waits for a tile or a file."""

    def __init__(self, layers: Sequence[object]) -> None:
        self.layers = tuple(layers)

    def draw(self, painter: QPainter, state: object) -> bool:
        """Draw what is cached for ``state``; True when something was drawn."""
        return False
