"""Two copies of the app editing the same OCG: the second save is told, never overwrites."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from socmap.domain.errors import ConflictError
from socmap.domain.groups import Nominal, Ocg
from socmap.services import commands, register
from socmap.store import audit, groups
from socmap.store.db import open_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    path = tmp_path / "c.db"
    s = open_store(path)
    register.create_ocg(s, Ocg(name="Contested", notes="original"))
    register.create_nominal(s, Nominal(surname="Contest"))
    s.close()
    return path


def test_second_connection_gets_conflict(shared: Path) -> None:
    a, b = open_store(shared, actor="analyst.test"), open_store(shared, actor="analyst.test")
    try:
        mine = groups.get_ocg(a, 1)
        theirs = groups.get_ocg(b, 1)
        register.update_ocg(a, dataclasses.replace(mine, notes="first save"))
        before = list(b.conn.iterdump())
        with pytest.raises(ConflictError, match="changed by someone else"):
            register.update_ocg(b, dataclasses.replace(theirs, notes="second save"))
        assert list(b.conn.iterdump()) == before
        assert groups.get_ocg(b, 1).notes == "first save"
        assert audit.verify_chain(b) is None
    finally:
        a.close()
        b.close()


def test_undoable_edit_conflicts_too(shared: Path) -> None:
    a, b = open_store(shared), open_store(shared)
    try:
        start = groups.get_ocg(b, 1)
        register.update_ocg(a, dataclasses.replace(groups.get_ocg(a, 1), name="Renamed by A"))
        edit = commands.EditOcg(start, dataclasses.replace(start, name="Renamed by B"))
        with pytest.raises(ConflictError):
            edit.do(b)
        assert groups.get_ocg(b, 1).name == "Renamed by A"
    finally:
        a.close()
        b.close()


def test_nominal_edits_conflict(shared: Path) -> None:
    a, b = open_store(shared), open_store(shared)
    try:
        n_a, n_b = groups.get_nominal(a, 1), groups.get_nominal(b, 1)
        register.update_nominal(a, dataclasses.replace(n_a, notes="A"))
        with pytest.raises(ConflictError):
            register.update_nominal(b, dataclasses.replace(n_b, notes="B"))
        assert groups.get_nominal(b, 1).notes == "A"
    finally:
        a.close()
        b.close()


SAVE_IN_ANOTHER_PROCESS = """
import dataclasses, sys
from socmap.services import register
from socmap.store import groups
from socmap.store.db import open_store
s = open_store(sys.argv[1])
register.update_ocg(s, dataclasses.replace(groups.get_ocg(s, 1), notes="saved by process 2"))
s.close()
"""


def test_second_process_conflict(shared: Path, tmp_path: Path) -> None:
    script = tmp_path / "save.py"
    script.write_text(SAVE_IN_ANOTHER_PROCESS, encoding="utf-8")
    mine = open_store(shared)
    try:
        opened = groups.get_ocg(mine, 1)  # the editor opens the record...
        subprocess.run(  # ...while another process saves it
            [
                sys.executable,
                str(REPO / "tests" / "run_as.py"),
                "analyst.test",
                str(script),
                str(shared),
            ],
            check=True,
            env=dict(os.environ, PYTHONPATH=str(REPO)),
            timeout=60,
        )
        with pytest.raises(ConflictError, match="reload it"):
            register.update_ocg(mine, dataclasses.replace(opened, notes="saved by process 1"))
        assert groups.get_ocg(mine, 1).notes == "saved by process 2"
    finally:
        mine.close()
