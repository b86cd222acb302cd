"""socmap.store: the only code that speaks SQL.

sqlite-utils imports pandas whenever pandas is installed (about 0.2 s and 40 MB at start-up,
perf-notes F7), only to map ``pandas.Timestamp`` values to TEXT columns. socmap never hands
sqlite-utils a pandas value, so sqlite-utils is imported here, before any store module, with
pandas hidden from it; pandas stays importable for everything else (geopandas exports).
"""

from __future__ import annotations

import sys


def _import_sqlite_utils_without_pandas() -> None:
    if "sqlite_utils" in sys.modules or "pandas" in sys.modules:
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]  # "import pandas" -> ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        if sys.modules.get("pandas", 0) is None:
            del sys.modules["pandas"]


_import_sqlite_utils_without_pandas()
