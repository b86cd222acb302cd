"""The register at national scale: the query against its bare reads; the model fill and filter.

Baseline (same run, interleaved with the query, medians of 5): the seven store reads the
register is made from (groups with their counts, latest approved assessment and latest full
review per group, triggers, pending drafts, schedule sources, locations per OCG and area), each
a plain SQL fetch: the irreducible part. The register adds the due dates, bands, geographies and
row objects. Ratio <= 3.0 (measured 1.56x under load ~7 once the full reviews and locations,
which the register reads, were counted in the baseline; a 2x regression fails).
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.benchmarks.conftest import interleaved, median_time

#: the register query within this multiple of its bare reads
QUERY_RATIO = 3.0
#: filling the table model and filtering it, as a fraction of the query itself
FILL_AND_FILTER_OF_QUERY = 0.5


def test_register_query_fill_and_filter(national_db: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    from socmap.services import queries
    from socmap.store import geo_rows, groups
    from socmap.store import scoring as rows
    from socmap.store.db import open_store
    from socmap.ui.models.register_model import RegisterFilterProxy, RegisterTableModel

    store = open_store(national_db)

    def bare() -> None:
        groups.register_rows(store)
        rows.latest_approved(store)
        rows.latest_full_reviews(store)
        geo_rows.location_area_counts(store)
        rows.triggers_by_ocg(store)
        rows.pending_counts(store)
        rows.schedule_sources(store, ["active", "trigger", "draft"])

    bare_t, query_t = interleaved(bare, lambda: queries.register(store))
    data = queries.register(store)
    model = RegisterTableModel()
    proxy = RegisterFilterProxy()
    proxy.setSourceModel(model)
    fill_t = median_time(lambda: model.set_rows(data))
    sort_t = median_time(lambda: proxy.sort(1))
    filter_t = median_time(lambda: proxy.set_filters(status="active", text="crew"))
    print(
        f"\nregister, {len(data):,} OCGs: query {query_t * 1e3:.0f} ms = {query_t / bare_t:.2f}x "
        f"its bare reads ({bare_t * 1e3:.0f} ms; target {QUERY_RATIO}x); model fill "
        f"{fill_t * 1e3:.1f} ms, sort {sort_t * 1e3:.1f} ms, filter {filter_t * 1e3:.1f} ms "
        f"(together {(fill_t + sort_t + filter_t) / query_t:.2f}x the query; target "
        f"{FILL_AND_FILTER_OF_QUERY}x)"
    )
    assert len(data) > 5000
    assert query_t / bare_t <= QUERY_RATIO
    assert (fill_t + sort_t + filter_t) / query_t <= FILL_AND_FILTER_OF_QUERY
    store.close()
