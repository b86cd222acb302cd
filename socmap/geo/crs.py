"""Coordinate reference systems: everything socmap stores is British National Grid (EPSG:27700)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"


@lru_cache(maxsize=16)
def transformer_to_bng(source: str) -> Transformer:
    """A cached transformer from ``source`` to BNG (x = longitude/easting order)."""
    return Transformer.from_crs(
        CRS.from_user_input(source), CRS.from_user_input(BNG), always_xy=True
    )


def to_bng(x: np.ndarray, y: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Project coordinates from ``source`` to British National Grid (vectorised)."""
    if CRS.from_user_input(source) == CRS.from_user_input(BNG):
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ex, ny = transformer_to_bng(source).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(ex), np.asarray(ny)


@lru_cache(maxsize=4)
def transformer_from_bng(target: str) -> Transformer:
    """A cached transformer from BNG to ``target`` (x = easting/longitude order)."""
    return Transformer.from_crs(
        CRS.from_user_input(BNG), CRS.from_user_input(target), always_xy=True
    )


def from_bng(x: np.ndarray, y: np.ndarray, target: str = WGS84) -> tuple[np.ndarray, np.ndarray]:
    """Project British National Grid coordinates to ``target`` (WGS84 lon/lat by default)."""
    ox, oy = transformer_from_bng(target).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(ox), np.asarray(oy)
