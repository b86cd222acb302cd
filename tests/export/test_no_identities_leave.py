"""Nothing identifying leaves in a partner or neighbourhood document (issue 12, finding 2).

The exporters are *discovered* from the CLI parser: every command that writes a file and takes
an ``--audience`` is run, for every audience but ``internal``, in every format it offers, over
every area of the demo force. Each file is searched, bytes and extracted text (decompressed PDF
streams, pypdf text and metadata, every DOCX part, SVG text, PNG text chunks), for every
nominal name, forename, alias and address, every OCG name and alias, and every location label
in the database. A command that writes files without an audience must be listed here as
police-only, with the reason, so a new exporter cannot slip past.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from socmap.cli import build_parser, main
from tests.conftest import DEMO_AS_OF
from tests.privacy_scan import document_texts, find_terms, sensitive_terms

#: Commands that write files without an audience: police-only by design (never to partners).
POLICE_ONLY = {
    ("export", "calendar"): "re-assessment diary for the force's OCG leads",
    ("export", "graph"): "partner and disruption graphs name the groups: police analysts",
    ("network", "export"): "a group's member network names people: police analysts",
    ("audit", "export"): "the audit trail: supervisors",
    ("assign",): "copies the user's own CSV, adding an area column",
    ("backup",): "a copy of the database itself",
}


def _subcommands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out.append(((*path, name), sub))
                out.extend(_subcommands(sub, (*path, name)))
    return out


def _option(p: argparse.ArgumentParser, dest: str) -> argparse.Action | None:
    return next((a for a in p._actions if a.dest == dest and a.option_strings), None)


def writers() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command with an ``-o/--output`` option (it writes a file for people)."""
    return [(path, p) for path, p in _subcommands(build_parser()) if _option(p, "output")]


def audience_runs() -> list[tuple[tuple[str, ...], str, str]]:
    """(command, audience, format) for every exporter with an audience, bar internal."""
    runs = []
    for path, p in writers():
        aud = _option(p, "audience")
        if aud is None:
            continue
        fmt = _option(p, "format")
        # a command without --format names its format in the output's metavar (FILE.anx)
        metavar = str(getattr(_option(p, "output"), "metavar", "") or "")
        fixed = Path(metavar).suffix.lstrip(".") if "." in metavar else "out"
        for audience in aud.choices or ():
            if audience == "internal":
                continue
            for f in fmt.choices if fmt is not None and fmt.choices else (fixed,):
                runs.append((path, str(audience), str(f)))
    return runs


def test_every_file_writer_has_an_audience_or_is_police_only() -> None:
    unknown = [
        " ".join(path)
        for path, p in writers()
        if _option(p, "audience") is None and path not in POLICE_ONLY
    ]
    assert not unknown, (
        f"{unknown} write files without an --audience: give them one (and they are then "
        "scanned here), or list them in POLICE_ONLY with the reason"
    )
    assert len(audience_runs()) >= 6  # briefing x 2 audiences x 3 formats, profile x 2


def _argv(
    path: tuple[str, ...],
    p: argparse.ArgumentParser,
    audience: str,
    fmt: str,
    db: Path,
    out_dir: Path,
    area: str,
) -> list[str]:
    argv = [*path, "--db", str(db), "--audience", audience]
    if _option(p, "format") is not None:
        argv += ["--format", fmt]
    argv += ["-o", str(out_dir / f"out.{fmt}")]
    # a required choice of scope (``--ocg | --between-groups | --partners``): the widest flag
    for group in p._mutually_exclusive_groups:
        if group.required and not any(a.dest in ("area",) for a in group._group_actions):
            flags = [a for a in group._group_actions if a.nargs == 0]
            if not flags:
                raise AssertionError(f"{' '.join(path)}: give the scan a value for its scope")
            argv.append(flags[0].option_strings[-1])
    known = {
        "area": ["--area", area],
        "today": ["--today", DEMO_AS_OF],
        "as_of": ["--as-of", DEMO_AS_OF],
    }
    for action in p._actions:
        if not action.option_strings or action.dest in (
            "help",
            "db",
            "audience",
            "format",
            "output",
        ):
            continue
        if action.dest in known:
            argv += known[action.dest]
        elif action.required:
            raise AssertionError(f"{' '.join(path)}: give the scan a value for {action.dest}")
    return argv


@pytest.fixture(scope="module")
def demo_for_scan(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    target = tmp_path_factory.mktemp("scan") / "demo.db"
    src, dst = sqlite3.connect(demo_template), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return target


@pytest.fixture(scope="module")
def terms(demo_for_scan: Path) -> list[Any]:
    return sensitive_terms(demo_for_scan)


def _areas(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute("SELECT name FROM areas ORDER BY name")]
    finally:
        con.close()


@pytest.mark.parametrize(
    ("path", "audience", "fmt"),
    audience_runs(),
    ids=lambda v: "-".join(v) if isinstance(v, tuple) else str(v),
)
def test_no_identity_in_any_partner_or_neighbourhood_export(
    path: tuple[str, ...],
    audience: str,
    fmt: str,
    demo_for_scan: Path,
    terms: list[Any],
    tmp_path: Path,
) -> None:
    p = dict(_subcommands(build_parser()))[path]
    leaks = []
    for area in _areas(demo_for_scan):
        out_dir = tmp_path / area.replace(" ", "_").replace("&", "and")
        out_dir.mkdir()
        assert main(_argv(path, p, audience, fmt, demo_for_scan, out_dir, area)) == 0
        files = sorted(f for f in out_dir.iterdir() if f.is_file())
        assert files, f"{' '.join(path)} wrote nothing for {area}"
        for f in files:
            leaks += [
                (area, f.name, t.kind, t.text, ctx)
                for t, ctx in find_terms(document_texts(f), terms)
            ]
    assert not leaks, "identities in a document leaving the police:\n" + "\n".join(
        map(str, leaks[:20])
    )


def test_the_scan_finds_what_is_there(
    demo_for_scan: Path, terms: list[Any], tmp_path: Path
) -> None:
    """The police version names the principal of Forge crew: the scan must see it."""
    for fmt in ("pdf", "docx"):
        out = tmp_path / f"internal.{fmt}"
        assert (
            main(
                [
                    "export",
                    "profile",
                    "--db",
                    str(demo_for_scan),
                    "--area",
                    "Telford & Wrekin",
                    "--format",
                    fmt,
                    "-o",
                    str(out),
                ]
            )
            == 0
        )
        found = {t.text for t, _ctx in find_terms(document_texts(out), terms)}
        assert "forge crew" in found
