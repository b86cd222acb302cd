"""The one place that locates shipped files (resources/, data/) and the user's data folder."""

from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    # In a checkout (or editable install) the folder sits beside the package; in a wheel it is
    # packaged inside it as _<name> (see [tool.hatch.build.targets.wheel.force-include]).
    for candidate in (_PKG.parent / name, _PKG / f"_{name}"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"socmap's {name}/ folder is missing from this installation")


def resources_dir() -> Path:
    """Shipped resources: default configurations, icons, styles."""
    return _shipped("resources")


def data_dir() -> Path:
    """Shipped data: the demo force's boundaries."""
    return _shipped("data")


def user_data_dir() -> Path:
    """The user's socmap data folder (created on demand)."""
    override = os.environ.get("SOCMAP_DATA_DIR")
    if override:
        path = Path(override)
    else:
        import platformdirs  # imported only when needed: it costs ~40 ms at start-up

        path = Path(platformdirs.user_data_dir("socmap", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    """``$SOCMAP_DB``, else ``socmap.db`` in the user data folder."""
    env = os.environ.get("SOCMAP_DB")
    return Path(env).expanduser() if env else user_data_dir() / "socmap.db"


def db_target(value: str | Path | None) -> str | Path:
    """What ``--db`` (or ``$SOCMAP_DB``) names: a PostgreSQL server (URL or libpq keywords,
    kept as text) or a database file (a path)."""
    from socmap.store.dialect import is_server_url

    raw = value if value not in (None, "") else os.environ.get("SOCMAP_DB")
    if raw in (None, ""):
        return user_data_dir() / "socmap.db"
    if is_server_url(raw):
        return str(raw).strip()
    return Path(str(raw)).expanduser()


def demo_db_path() -> Path:
    """Where ``socmap --demo`` keeps the demo force's database."""
    return user_data_dir() / "demo.db"


def demo_boundaries() -> Path:
    """The demo force's area outlines: the five real local policing areas, generalised
    (EPSG:27700; see data/README.md)."""
    return data_dir() / "west-mercia-demo-lpa.geojson"


def demo_neighbourhoods() -> Path:
    """The demo force's neighbourhoods: the real 2013 electoral wards, generalised (EPSG:27700)."""
    return data_dir() / "west-mercia-demo-wards.geojson"


def demo_places() -> Path:
    """The demo force's place names: GeoNames populated places (EPSG:27700)."""
    return data_dir() / "west-mercia-demo-places.geojson"
