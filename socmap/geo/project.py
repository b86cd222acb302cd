"""Coordinates from user files into British National Grid, with checks (builds on geo/crs.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from socmap.geo.crs import BNG, WGS84, transformer_to_bng

__all__ = ["BNG", "WGS84", "is_geographic", "normalise_crs", "on_geo_thread", "to_bng"]

T = TypeVar("T")

#: PROJ crashed the interpreter (a call through a garbage pointer inside
#: ``DatabaseContext::create``) when pyproj ran on QThreadPool workers in the GUI tests, whose
#: Python thread state is not kept between tasks. All PROJ/GDAL work in geo therefore runs on
#: one long-lived Python thread, which also serialises it (neither library is thread-safe).
_GEO_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="socmap-geo")
_GEO_THREAD: list[threading.Thread] = []


def _mark_geo_thread() -> None:
    _GEO_THREAD.append(threading.current_thread())


_GEO_EXECUTOR.submit(_mark_geo_thread).result()


def on_geo_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn`` on socmap's one GDAL/PROJ thread and wait for its result (re-entrant)."""
    if threading.current_thread() in _GEO_THREAD:
        return fn(*args, **kwargs)
    return _GEO_EXECUTOR.submit(fn, *args, **kwargs).result()


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

    def parse() -> str:
        try:
            crs = CRS.from_user_input(value)
        except CRSError:
            raise ValueError(f"unknown coordinate reference system '{text}'") from None
        epsg = crs.to_epsg()
        return f"EPSG:{epsg}" if epsg else crs.to_wkt()

    return on_geo_thread(parse)


def is_geographic(crs: str) -> bool:
    """True for longitude/latitude systems such as EPSG:4326."""
    from pyproj import CRS

    return on_geo_thread(lambda: bool(CRS.from_user_input(crs).is_geographic))


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
    e, n = on_geo_thread(lambda: transformer_to_bng(crs).transform(x, y))
    e = np.asarray(e, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    bad = ~(np.isfinite(e) & np.isfinite(n))
    e[bad] = np.nan
    n[bad] = np.nan
    return e, n
