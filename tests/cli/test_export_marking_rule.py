"""Every export follows the marking rule (issue 12, finding 5).

Discovered from the CLI parser: every command that writes a file and takes ``--marking`` is run
with ``--marking OFFICIAL`` and no reason (refused, nothing written, nothing audited), then with
a reason (written, the reason recorded in the export's audit row).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from socmap.cli import build_parser, main
from socmap.store import audit
from socmap.store.db import open_store
from tests.conftest import DEMO_AS_OF
from tests.export.test_no_identities_leave import _option, writers

VALUES = {
    "area": "Shropshire",
    "ocg": "60",
    "as_of": DEMO_AS_OF,
    "today": DEMO_AS_OF,
    "audience": "partner",
}


def marked_writers() -> list[tuple[str, ...]]:
    return [path for path, p in writers() if _option(p, "marking") is not None]


def _argv(path: tuple[str, ...], db: Path, out: Path) -> list[str]:
    p = dict(_subcommands())[path]
    argv = [*path, "--db", str(db), "-o", str(out)]
    for action in p._actions:
        if not action.option_strings or action.dest in (
            "help",
            "db",
            "output",
            "marking",
            "marking_reason",
        ):
            continue
        if action.dest == "format" and action.choices:
            argv += [
                action.option_strings[-1],
                "pdf" if "pdf" in action.choices else sorted(action.choices)[0],
            ]
        elif action.dest == "kind" and action.choices:
            argv += [action.option_strings[-1], sorted(action.choices)[0]]
        elif action.required and action.dest in VALUES:
            argv += [action.option_strings[-1], VALUES[action.dest]]
        elif action.required:
            raise AssertionError(f"{' '.join(path)}: give the test a value for {action.dest}")
    if path == ("export", "briefing"):
        argv += ["--area", VALUES["area"]]
    return argv


def _subcommands() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    from tests.export.test_no_identities_leave import _subcommands as subs

    return subs(build_parser())


def test_every_marked_export_has_a_reason_option() -> None:
    paths = marked_writers()
    assert {("export", "graph"), ("network", "export"), ("export", "calendar")} <= set(paths)
    for path, p in writers():
        if path in paths:
            assert _option(p, "marking_reason") is not None, (
                f"{' '.join(path)}: no --marking-reason"
            )


@pytest.mark.parametrize("path", marked_writers(), ids=lambda p: "-".join(p))
def test_lowering_the_marking_needs_a_recorded_reason(
    path: tuple[str, ...], demo_path: Path, tmp_path: Path
) -> None:
    output = _option(dict(_subcommands())[path], "output")
    metavar = str(getattr(output, "metavar", "") or "")
    # a command whose file name says its format (``FILE.ics``) gets that suffix
    out = tmp_path / ("out" + (Path(metavar).suffix if "." in metavar else ".file"))
    argv = _argv(path, demo_path, out)
    s = open_store(demo_path)
    before = audit.count(s)
    s.close()
    assert main([*argv, "--marking", "OFFICIAL"]) == 2
    assert not out.exists() and not list(tmp_path.glob("out*"))
    s = open_store(demo_path)
    assert audit.count(s) == before
    s.close()
    assert main([*argv, "--marking", "OFFICIAL", "--marking-reason", "public meeting pack"]) == 0
    s = open_store(demo_path)
    try:
        row = audit.rows(s, action="export")[0]
        assert "public meeting pack" in json.loads(row.payload or "{}").get("marking_reason", "")
    finally:
        s.close()
