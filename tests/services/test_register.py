from __future__ import annotations

import dataclasses
import json

import pytest

from socmap.domain.errors import ConflictError, PermissionDenied, ValidationError
from socmap.domain.groups import Location, Membership, Nominal, Ocg
from socmap.domain.ids import GroupId
from socmap.domain.vocab import Role, Status
from socmap.services import commands, queries, register
from socmap.store import audit


def counts(store) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple(
        store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("ocgs", "nominals", "memberships", "locations", "audit")
    )


def test_create_and_edit_are_audited(demo_store) -> None:  # type: ignore[no-untyped-def]
    before_audit = audit.count(demo_store)
    ocg, changes = register.create_ocg(demo_store, Ocg(name="New trigger group"))
    assert changes.touches("ocg")
    assert audit.count(demo_store) == before_audit + 1
    edited, _ = register.update_ocg(demo_store, dataclasses.replace(ocg, name="Renamed group"))
    assert edited.version == ocg.version + 1
    last = audit.rows(demo_store, entity="ocg", entity_id=str(ocg.id))[0]
    assert last.action == "update"
    payload = json.loads(last.payload or "{}")
    assert payload["before"] == {"name": "New trigger group"}
    assert payload["after"] == {"name": "Renamed group"}


def test_stale_edit_is_a_conflict_not_an_overwrite(demo_store) -> None:  # type: ignore[no-untyped-def]
    ocg = queries.get_ocg(demo_store, 5)
    register.update_ocg(demo_store, dataclasses.replace(ocg, lro="DI First Saver"))
    with pytest.raises(ConflictError, match="changed by someone else"):
        register.update_ocg(demo_store, dataclasses.replace(ocg, lro="DI Second Saver"))
    assert queries.get_ocg(demo_store, 5).lro == "DI First Saver"


def test_invalid_edit_writes_nothing(demo_store) -> None:  # type: ignore[no-untyped-def]
    ocg = queries.get_ocg(demo_store, 5)
    before = counts(demo_store)
    with pytest.raises(ValidationError) as info:
        register.update_ocg(demo_store, dataclasses.replace(ocg, lro=""))
    assert info.value.field == "lro"
    with pytest.raises(ValidationError, match="cannot move from active to trigger"):
        register.update_ocg(demo_store, dataclasses.replace(ocg, status=Status.TRIGGER))
    assert counts(demo_store) == before


def test_location_gets_its_area(demo_store) -> None:  # type: ignore[no-untyped-def]
    # Worcester city centre sits in South Worcestershire
    loc, _ = register.add_location(demo_store, Location(GroupId(5), "stash", 385000, 255000))
    names = {a.id: a.name for a in queries.area_list(demo_store)}
    assert names[loc.area_id] == "South Worcestershire"  # type: ignore[index]
    outside, _ = register.add_location(demo_store, Location(GroupId(5), "stash", 200000, 100000))
    assert outside.area_id is None


def test_member_with_new_nominal_is_one_undoable_step(demo_store) -> None:  # type: ignore[no-untyped-def]
    before = counts(demo_store)
    cmd = commands.AddMember(
        Membership(GroupId(5), 0, Role.SIGNIFICANT),  # type: ignore[arg-type]
        Nominal(surname="Quellford", forenames="Ash"),
    )
    cmd.do(demo_store)
    after = counts(demo_store)
    assert after[1:3] == (before[1] + 1, before[2] + 1)
    cmd.undo(demo_store)
    assert counts(demo_store)[:4] == before[:4]
    cmd.do(demo_store)  # redo
    assert counts(demo_store)[1:3] == after[1:3]
    assert audit.verify_chain(demo_store) is None


def test_edit_command_undo_restores_and_is_recorded(demo_store) -> None:  # type: ignore[no-untyped-def]
    before = queries.get_ocg(demo_store, 5)
    cmd = commands.EditOcg(before, dataclasses.replace(before, name="Changed name"))
    cmd.do(demo_store)
    assert queries.get_ocg(demo_store, 5).name == "Changed name"
    cmd.undo(demo_store)
    assert queries.get_ocg(demo_store, 5).name == before.name
    actions = [r.action for r in audit.rows(demo_store, entity="ocg", entity_id="5")]
    assert actions[:2] == ["undo update", "update"]


MUTATIONS = {
    "create_ocg": lambda s: register.create_ocg(s, Ocg(name="x")),
    "update_ocg": lambda s: register.update_ocg(s, Ocg(name="x", id=GroupId(1))),
    "delete_ocg": lambda s: register.delete_ocg(s, 1),
    "restore_ocg": lambda s: register.restore_ocg(s, Ocg(name="x", id=GroupId(99))),
    "create_nominal": lambda s: register.create_nominal(s, Nominal(surname="x")),
    "update_nominal": lambda s: register.update_nominal(s, Nominal(surname="x", id=1)),  # type: ignore[arg-type]
    "delete_nominal": lambda s: register.delete_nominal(s, 1),
    "add_membership": lambda s: register.add_membership(
        s, Membership(GroupId(1), 1, Role.PERIPHERAL)
    ),  # type: ignore[arg-type]
    "add_member": lambda s: register.add_member(s, Membership(GroupId(1), 1, Role.PERIPHERAL)),  # type: ignore[arg-type]
    "remove_membership": lambda s: register.remove_membership(s, 1),
    "add_location": lambda s: register.add_location(
        s, Location(GroupId(1), "base", 385000, 255000)
    ),
    "remove_location": lambda s: register.remove_location(s, 1),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_viewer_is_refused(viewer_demo_store, name: str) -> None:  # type: ignore[no-untyped-def]
    before = counts(viewer_demo_store)
    with pytest.raises(PermissionDenied, match="may not"):
        MUTATIONS[name](viewer_demo_store)
    assert counts(viewer_demo_store) == before
