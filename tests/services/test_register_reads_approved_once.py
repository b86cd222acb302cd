"""The register reads each group's latest approved assessment once (bands and schedule share it)."""

from __future__ import annotations

from socmap.services import queries
from socmap.store import scoring as rows


def test_register_reads_latest_approved_once(demo_store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = []
    real = rows.latest_approved

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(rows, "latest_approved", counting)
    got = queries.register(demo_store)
    assert got and any(r.band for r in got)
    assert len(calls) == 1
