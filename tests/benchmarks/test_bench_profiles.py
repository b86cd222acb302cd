"""Benchmark: export all five area profiles of the national-scale demo as PDF.

Run on demand: ``python -m pytest tests/benchmarks/test_bench_profiles.py -s``.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path

import pytest

from socmap.export.profile import export_profile
from socmap.services import profiles
from socmap.store.db import Store, open_store

AS_OF = dt.date(2026, 11, 1)


@pytest.fixture(scope="module")
def national(national_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the shared national demo (exports write audit rows)."""
    import sqlite3

    path = tmp_path_factory.mktemp("bench") / "national.db"
    src, dst = sqlite3.connect(national_db), sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    return path


def _export_all(store: Store, out: Path, audience: str) -> dict[str, float]:
    times = {}
    for area in profiles.area_list(store):
        t0 = time.perf_counter()
        r = export_profile(
            store,
            area=area.name,
            fmt="pdf",
            audience=audience,
            path=out / f"{area.id}-{audience}.pdf",
            today=AS_OF,
        )
        times[f"{area.name} ({r.pages} pages)"] = time.perf_counter() - t0
    return times


@pytest.mark.parametrize("audience", ["internal", "partner"])
def test_bench_export_all_profiles_pdf(national: Path, tmp_path: Path, audience: str) -> None:
    store = open_store(national)
    try:
        _export_all(store, tmp_path, audience)  # warm-up: fonts, query plans
        runs = [_export_all(store, tmp_path, audience) for _ in range(3)]
    finally:
        store.close()
    print(f"\nprofile PDF export, national demo, {audience} version (median of 3 runs):")
    for name in runs[0]:
        med = statistics.median(r[name] for r in runs)
        print(f"  {name:<40} {med * 1000:8.0f} ms")
    total = statistics.median(sum(r.values()) for r in runs)
    print(f"  {'all five':<40} {total * 1000:8.0f} ms  ({total / 5 * 1000:.0f} ms per profile)")
    assert total > 0
