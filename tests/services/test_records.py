"""Views of nominal records are on the trail; listing members is a view of the OCG."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from socmap.domain.errors import NotFoundError
from socmap.domain.groups import Membership, Nominal, Ocg
from socmap.domain.vocab import Role
from socmap.services import records, register
from socmap.store import audit
from tests.conftest import act_as


def _setup(store: Any) -> tuple[int, int]:
    ocg, _ = register.create_ocg(store, Ocg(name="Canal crew"))
    n, _ = register.create_nominal(store, Nominal(surname="Privatus"))
    register.add_membership(
        store,
        Membership(ocg_id=ocg.id, nominal_id=n.id, role=Role.SIGNIFICANT),  # type: ignore[arg-type]
    )
    return int(ocg.id), int(n.id)  # type: ignore[arg-type]


def test_opening_a_nominal_records_a_view_even_for_a_viewer(store: Any) -> None:
    _, nid = _setup(store)
    act_as(store, "vera", "viewer")
    rec = records.open_nominal_record(store, nid)
    assert rec.nominal.surname == "Privatus" and len(rec.memberships) == 1
    row = audit.rows(store, limit=1)[0]
    assert (row.actor, row.action, row.entity, row.entity_id) == (
        "vera",
        "view",
        "nominal",
        str(nid),
    )
    assert "Privatus" not in row.summary and "Privatus" not in (row.payload or "")


def test_repeat_views_within_a_minute_are_recorded_once(store: Any, monkeypatch: Any) -> None:
    _, nid = _setup(store)
    records.record_view(store, "nominal", nid)
    records.record_view(store, "nominal", nid)
    assert len(audit.rows(store, action="view")) == 1
    monkeypatch.setattr(records, "VIEW_REPEAT_WINDOW", dt.timedelta(0))
    records.record_view(store, "nominal", nid)
    assert len(audit.rows(store, action="view")) == 2


def test_opening_an_ocg_lists_the_member_ids_shown(store: Any) -> None:
    oid, nid = _setup(store)
    detail = records.open_ocg_detail(store, oid)
    assert [n.id for _, n in detail.members] == [nid]
    row = audit.rows(store, action="view")[0]
    assert row.entity == "ocg" and f'"nominal_ids":[{nid}]' in (row.payload or "")


def test_viewing_a_missing_record_is_refused(store: Any) -> None:
    with pytest.raises(NotFoundError):
        records.record_view(store, "nominal", 404)
    assert audit.rows(store, action="view") == []
