"""Coordinates from user files into British National Grid, with checks (builds on geo/crs.py)."""

from __future__ import annotations

import numpy as np

from socmap.geo.crs import BNG, WGS84, transformer_to_bng

__all__ = ["BNG", "WGS84", "is_geographic", "normalise_crs", "to_bng"]


def normalise_crs(text: str) -> str:
    """``"4326"``, ``"epsg:4326"`` or a WKT/PROJ string -> ``"EPSG:4326"`` where it has a code.

    Raises:
        ValueError: pyproj does not know the CRS.
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    value = str(text).strip()
    if value.isdigit():
        value = f"EPSG:{value}"
    try:
        crs = CRS.from_user_input(value)
    except CRSError:
        raise ValueError(f"unknown coordinate reference system '{text}'") from None
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def is_geographic(crs: str) -> bool:
    """True for longitude/latitude systems such as EPSG:4326."""
    from pyproj import CRS

    return bool(CRS.from_user_input(crs).is_geographic)


def to_bng(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Project points from ``crs`` (x = easting or longitude) to EPSG:27700, NaN where unusable.

    Unlike ``geo.crs.to_bng``, longitudes/latitudes out of range and failed projections come
    back as NaN (never inf), so callers can count them as unusable.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if crs == BNG:
        return x, y
    if is_geographic(crs):
        bad = ~((np.abs(x) <= 180) & (np.abs(y) <= 90))
        x = np.where(bad, np.nan, x)
        y = np.where(bad, np.nan, y)
    e, n = transformer_to_bng(crs).transform(x, y)
    e = np.asarray(e, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    bad = ~(np.isfinite(e) & np.isfinite(n))
    e[bad] = np.nan
    n[bad] = np.nan
    return e, n
