"""The force's name: a database setting (supervisors and admins, audited), used in titles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from socmap.domain.errors import PermissionDenied, ValidationError
from socmap.main import main
from socmap.services import force, map_data
from socmap.store import audit
from tests.conftest import act_as


def test_set_force_name_is_audited_and_used_by_briefings(store: Any) -> None:
    assert force.force_name(store) == ""
    name, changes = force.set_force_name(store, "  West   Mercia Police ")
    assert name == "West Mercia Police" and changes.touches("force")
    assert force.force_name(store) == "West Mercia Police"
    row = audit.rows(store, entity="force")[0]
    assert row.action == "update" and "West Mercia Police" in row.summary
    data = map_data.load_map_data(store, metric=map_data.ActiveOcgCount())
    assert data.force_name == "West Mercia Police"
    # the same name again writes nothing
    n_audit = audit.count(store)
    assert force.set_force_name(store, "West Mercia Police")[1].kinds == frozenset()
    assert audit.count(store) == n_audit


@pytest.mark.parametrize("bad", ["", " x ", "a\tb\x07", "y" * 81])
def test_bad_names_are_refused(store: Any, bad: str) -> None:
    with pytest.raises(ValidationError):
        force.set_force_name(store, bad)
    assert force.force_name(store) == ""


def test_analysts_may_not_rename_the_force(store: Any) -> None:
    act_as(store, "analyst.two", "analyst")
    n_audit = audit.count(store)
    with pytest.raises(PermissionDenied):
        force.set_force_name(store, "Somewhere Police")
    assert force.force_name(store) == "" and audit.count(store) == n_audit
    act_as(store, "sup.one", "supervisor")
    force.set_force_name(store, "Somewhere Police")
    assert force.force_name(store) == "Somewhere Police"


def test_cli_force_set_name_and_show(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["force", "set-name", "Test Constabulary", "--db", str(demo_path)]) == 0
    assert "Test Constabulary" in capsys.readouterr().out
    assert main(["force", "show", "--db", str(demo_path)]) == 0
    assert capsys.readouterr().out.strip() == "Test Constabulary"
    assert main(["force", "set-name", "x", "--db", str(demo_path)]) == 2
    _out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "force name" in err
