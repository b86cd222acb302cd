"""Open the national-scale demo and fill the register model; print medians."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.benchmarks.conftest import median_time


def test_open_and_fill_register(national_db: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    from socmap.services import queries
    from socmap.store.db import open_store
    from socmap.ui.models.register_model import RegisterFilterProxy, RegisterTableModel

    open_t = median_time(lambda: open_store(national_db).close())
    store = open_store(national_db)
    query_t = median_time(lambda: queries.register(store))
    rows = queries.register(store)
    model = RegisterTableModel()
    proxy = RegisterFilterProxy()
    proxy.setSourceModel(model)
    fill_t = median_time(lambda: model.set_rows(rows))
    filter_t = median_time(lambda: proxy.set_filters(status="active", text="crew"))
    print(
        f"\nregister, {len(rows):,} OCGs: open {open_t * 1e3:.0f} ms, query {query_t * 1e3:.0f} ms, "
        f"model fill {fill_t * 1e3:.1f} ms, filter {filter_t * 1e3:.1f} ms"
    )
    assert len(rows) > 5000
    store.close()
