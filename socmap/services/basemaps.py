"""Basemap layers drawn under the threat layers (issue 16): configured per database."""

from __future__ import annotations

from dataclasses import dataclass

from socmap.store.db import Store


@dataclass(frozen=True)
class BasemapLayer:
    """One configured basemap layer."""

    id: int
    name: str
    kind: str  # "vector", "xyz", "wmts" or "mbtiles"
    source: str  # a file path or a URL template
    layer: str = ""
    style: str = ""
    attribution: str = ""
    position: int = 0


def load_layers(store: Store) -> list[BasemapLayer]:
    """The configured basemap layers, bottom first."""
    return []
