"""``socmap export briefing`` in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from socmap.cli import main
from socmap.store import audit
from socmap.store.db import open_store
from tests.conftest import act_as

# exports draw with Qt: use pytest-qt's QApplication so that the headless QGuiApplication the
# export would create never blocks widget tests later in the same run
pytestmark = pytest.mark.usefixtures("qapp")


def test_export_briefing_one_area_and_atlas(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "shropshire.png"
    out.parent.mkdir()  # an export never creates folders (issue 13.9)
    rc = main(
        [
            "export",
            "briefing",
            "--db",
            str(demo_path),
            "--area",
            "shropshire",
            "--audience",
            "partner",
            "-o",
            str(out),
        ]
    )
    assert rc == 0 and out.exists()
    assert "wrote" in capsys.readouterr().out
    atlas = tmp_path / "atlas.pdf"
    rc = main(
        [
            "export",
            "briefing",
            "--db",
            str(demo_path),
            "--all",
            "--format",
            "pdf",
            "--audience",
            "neighbourhood",
            "-o",
            str(atlas),
        ]
    )
    assert rc == 0 and atlas.read_bytes().startswith(b"%PDF")
    assert "5 pages" in capsys.readouterr().out
    store = open_store(demo_path)
    assert len(audit.rows(store, action="export")) == 2
    store.close()


def test_export_briefing_errors_are_one_line(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.pdf"
    assert (
        main(
            [
                "export",
                "briefing",
                "--db",
                str(demo_path),
                "--area",
                "Atlantis",
                "--audience",
                "partner",
                "-o",
                str(out),
            ]
        )
        == 3
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no area called 'Atlantis'" in err
    assert (
        main(
            [
                "export",
                "briefing",
                "--db",
                str(demo_path),
                "--area",
                "Shropshire",
                "--audience",
                "partner",
                "-o",
                str(tmp_path / "x.txt"),
            ]
        )
        != 0
    )
    assert "--format" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(
            [
                "export",
                "briefing",
                "--db",
                str(demo_path),
                "--area",
                "Shropshire",
                "--all",
                "--audience",
                "partner",
                "-o",
                str(out),
            ]
        )
    assert not out.exists()


def test_export_briefing_refused_for_a_viewer(
    demo_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    os_account: Any,
) -> None:
    store = open_store(demo_path)
    act_as(store, "viewer.test", "viewer")
    store.close()
    os_account("viewer.test")
    out = tmp_path / "x.pdf"
    rc = main(
        [
            "export",
            "briefing",
            "--db",
            str(demo_path),
            "--area",
            "Shropshire",
            "--audience",
            "partner",
            "-o",
            str(out),
        ]
    )
    assert rc != 0 and "may not export" in capsys.readouterr().err
    assert not out.exists()
