"""Query plans on the server for the reads behind the register and the schedule.

Found by the load benchmark: each group's latest approved assessment (and latest full review)
made PostgreSQL sort every group's assessments again (an Incremental Sort run once per
assessment: 28,681 times on the national demo), because its index lacked the id the query
orders by last. SQLite's index entries end with the rowid, so only the server paid.
"""

from __future__ import annotations

from typing import Any

import pytest

from socmap.store import dialect
from socmap.store import scoring as rows
from socmap.store.db import open_store


def test_latest_assessment_per_group_walks_the_index_without_sorting(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(server_url)
    seen: list[str] = []
    real = dialect.PgConnection.execute

    def spy(self: Any, sql: str, params: Any = None) -> Any:
        seen.append(sql)
        return real(self, sql, params)

    monkeypatch.setattr(dialect.PgConnection, "execute", spy)
    rows.latest_approved(store)
    rows.latest_full_reviews(store)
    monkeypatch.undo()
    queries = [q for q in seen if "assessments" in q]
    assert len(queries) == 2
    # an empty register: make the planner show what it does with the indexes at scale
    store.conn.native("SET enable_seqscan = off")
    for sql in queries:
        plan = "\n".join(
            str(r[0]) for r in store.conn.native("EXPLAIN " + dialect.translate(sql)).fetchall()
        )
        assert "assessments_ocg" in plan, plan
        assert "Sort" not in plan, plan
    store.close()
