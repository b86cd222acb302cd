"""Re-score and re-schedule the national-scale demo (about 6,000 OCGs); prints the times.

Run on demand: ``python -m pytest tests/benchmarks/test_bench_rescore.py -s``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
import time
from pathlib import Path

import pytest

AS_OF = dt.date(2026, 11, 1)


@pytest.fixture(scope="session")
def national_scoring_db(national_db: Path) -> Path:
    """The shared national demo (built once and cached by tests/benchmarks/conftest.py)."""
    return national_db


def _copy(src: Path, dst: Path) -> Path:
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    a.backup(b)
    a.close()
    b.close()
    return dst


def test_rescore_and_reschedule_national(national_scoring_db: Path, tmp_path: Path) -> None:
    from socmap.services import scoring
    from socmap.store.db import open_store

    store = open_store(_copy(national_scoring_db, tmp_path / "n.db"))
    active = store.conn.execute("SELECT COUNT(*) FROM ocgs WHERE status='active'").fetchone()[0]
    assessments = store.conn.execute("SELECT COUNT(*) FROM assessments").fetchone()[0]
    times = []
    for _ in range(3):
        start = time.perf_counter()
        report = scoring.schedule(store, today=AS_OF)
        times.append(time.perf_counter() - start)
    schedule_t = statistics.median(times)
    assert len(report.rows) == active

    _version, body = scoring.config_document(store, "ocgm")
    scoring.save_config(store, kind="ocgm", body=scoring.with_weight(body, "markets.drugs", 4))
    start = time.perf_counter()
    summary = scoring.rescore_all(store, today=AS_OF)
    rescore_t = time.perf_counter() - start
    start = time.perf_counter()
    after = scoring.schedule(store, today=AS_OF)
    reschedule_t = time.perf_counter() - start
    assert summary.created > 0.8 * active - summary.never_assessed - summary.already_pending
    assert len(after.rows) == active
    print(
        f"\nnational demo: {active:,} active OCGs, {assessments:,} assessments\n"
        f"  schedule + compliance: {schedule_t * 1e3:.0f} ms (median of 3)\n"
        f"  re-score all (one transaction, {summary.created:,} drafts, "
        f"{len(summary.band_changes):,} band changes): {rescore_t * 1e3:.0f} ms\n"
        f"  re-schedule after re-score: {reschedule_t * 1e3:.0f} ms"
    )
    store.close()
