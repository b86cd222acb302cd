"""The CLI in-process: output, errors as one line, and every command documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from socmap import cli
from socmap.main import main

README = Path(__file__).resolve().parent.parent / "README.md"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_info_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "x.db"
    code, out, _ = run(capsys, "demo", "--db", str(db), "--as-of", "2026-11-01")
    assert code == 0
    assert "ocgs" in out
    code, out, _ = run(capsys, "info", "--db", str(db))
    assert code == 0
    assert "journal mode:   wal" in out
    for area in (
        "Herefordshire",
        "Shropshire",
        "Telford & Wrekin",
        "North Worcestershire",
        "South Worcestershire",
    ):
        assert area in out
    active = int(re.search(r"active (\d+)", out).group(1))  # type: ignore[union-attr]
    assert 70 <= active <= 130
    code, out, _ = run(capsys, "ocg", "list", "--db", str(db), "--json")
    rows = json.loads(out)
    assert {"id", "name", "status", "lead_area", "markets"} <= set(rows[0])
    assert {r["status"] for r in rows} <= {"trigger", "draft", "active", "archived"}
    assert sum(r["status"] == "active" for r in rows) == active
    code, out, _ = run(
        capsys, "ocg", "list", "--db", str(db), "--status", "active", "--area", "Shropshire"
    )
    assert code == 0
    assert "Shropshire" in out


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ocg", "list", "--db", str(tmp_path / "missing.db"))
    assert code != 0
    assert out == ""
    assert err.count("\n") == 1
    assert "Traceback" not in err
    bad = tmp_path / "bad.db"
    bad.write_text("not a database")
    code, _, err = run(capsys, "info", "--db", str(bad))
    assert code == 6
    assert "not a SQLite database" in err
    assert "Traceback" not in err


def _subcommands() -> list[tuple[str, str]]:
    parser = cli.build_parser()
    found = []
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        for name, sub in action.choices.items():
            if sub._subparsers is None:  # type: ignore[attr-defined]
                found.append((name, sub.description or ""))
                continue
            for inner in sub._subparsers._group_actions:  # type: ignore[attr-defined]
                for sname, ssub in inner.choices.items():
                    found.append((f"{name} {sname}", ssub.description or ""))
    return found


def test_every_command_has_help_and_is_in_readme() -> None:
    text = README.read_text(encoding="utf-8")
    commands = _subcommands()
    assert len(commands) >= 4
    for name, description in commands:
        assert description.strip(), f"'socmap {name}' has no help text"
        assert f"`socmap {name}" in text, f"'socmap {name}' is not documented in README.md"


def test_ocg_list_shows_cross_border_and_area_means_operating_there(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _code, out, _ = run(capsys, "ocg", "list", "--db", str(demo_path), "--json")
    rows = json.loads(out)
    assert all({"ref", "areas_of_operation", "cross_border"} <= set(r) for r in rows)
    assert all(r["ref"] == f"OCG-{r['id']:04d}" for r in rows)
    crossing = [r for r in rows if r["cross_border"]]
    assert crossing and all(
        len(r["areas_of_operation"]) > 1 or r["outside_force"] for r in crossing
    )
    # --area: groups led from the area AND groups operating in it, any case
    _code, out, _ = run(
        capsys, "ocg", "list", "--db", str(demo_path), "--json", "--area", "shropshire"
    )
    got = {r["id"] for r in json.loads(out)}
    expected = {
        r["id"]
        for r in rows
        if r["lead_area"] == "Shropshire" or "Shropshire" in r["areas_of_operation"]
    }
    assert got == expected
    assert any(r["lead_area"] != "Shropshire" for r in rows if r["id"] in got)
    _code, out, _ = run(capsys, "ocg", "list", "--db", str(demo_path), "--json", "--cross-border")
    assert {r["id"] for r in json.loads(out)} == {r["id"] for r in crossing}


def _area_commands() -> list[tuple[str, ...]]:
    import argparse

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]):  # type: ignore[no-untyped-def]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, (*path, name))
            elif "--area" in action.option_strings:
                yield (path, parser)

    return list(walk(cli.build_parser(), ()))


@pytest.mark.parametrize("command", [p for p, _ in _area_commands()], ids=lambda p: " ".join(p))
def test_an_unknown_area_is_an_error_for_every_command(
    command: tuple[str, ...],
    demo_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import argparse

    parser = dict(_area_commands())[command]
    args = [*command, "--db", str(demo_path), "--area", "Shrops"]
    for action in parser._actions:
        if not action.required or "--area" in action.option_strings:
            continue
        if not action.option_strings:
            args.insert(len(command), str(tmp_path / "in.csv"))
            continue
        value = (
            str(next(iter(action.choices)))
            if action.choices
            else str(tmp_path / "out.pdf")
            if "--output" in action.option_strings
            else "1"
        )
        args += [action.option_strings[-1], value]
        assert not isinstance(action, argparse._StoreTrueAction)
    before = demo_path.read_bytes()
    code, out, err = run(capsys, *args)
    assert code == 3, (args, out, err)
    assert out == ""
    assert err.count("\n") == 1, err
    assert "--area: there is no area called 'Shrops'" in err and "Shropshire" in err
    assert demo_path.read_bytes() == before
