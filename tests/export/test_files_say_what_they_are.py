"""Files say what they are (issue 13.9): the suffix decides the format, PDF text is searchable,
DOCX properties carry the export date and the marking, and one page engine draws every page."""

from __future__ import annotations

import ast
import datetime as dt
import functools
import itertools
import re
from pathlib import Path

import pypdf
import pytest

from socmap.main import main
from tests.conftest import act_as
from tests.test_outputs import COMMANDS, OutputCommand

pytestmark = pytest.mark.usefixtures("qapp")

REPO = Path(__file__).resolve().parents[2]
LIGATURES = re.compile("[\ufb00-\ufb06]")

#: How each format's file starts (or what it holds near the start).
MAGIC = {
    "pdf": lambda b: b.startswith(b"%PDF"),
    "docx": lambda b: b.startswith(b"PK"),
    "png": lambda b: b.startswith(b"\x89PNG"),
    "svg": lambda b: b"<svg" in b[:2000],
    "graphml": lambda b: b"<graphml" in b[:2000],
    "gexf": lambda b: b"<gexf" in b[:2000],
    "gpkg": lambda b: b.startswith(b"SQLite format 3\x00") and b[68:72] == b"GPKG",
    "kml": lambda b: b"<kml" in b[:2000],
    "xlsx": lambda b: b.startswith(b"PK"),
    "csv": lambda b: (
        b.decode("utf-8-sig", "replace").splitlines()[0].count(",") == 0
        and len(b.decode("utf-8-sig", "replace").splitlines()) > 2
    ),  # banner line, then the table
    "anx": lambda b: b"<Chart" in b.decode("utf-16", "replace")[:4000],
}

FORMAT_COMMANDS = [c for c in COMMANDS if c.first_format() is not None]
FORMAT_IDS = [c.name for c in FORMAT_COMMANDS]


def _choices(command: OutputCommand) -> list[str]:
    action = command.option("format")
    assert action is not None and action.choices
    return [str(c) for c in action.choices]


def _argv_without_format(command: OutputCommand, db: Path, target: Path) -> list[str]:
    args = command.argv(db, target, db)
    i = args.index("--format")
    return args[:i] + args[i + 2 :]


def test_every_format_command_is_found() -> None:
    names = set(FORMAT_IDS)
    assert {"export profile", "export briefing", "export graph", "network export"} <= names


@pytest.mark.parametrize("command", FORMAT_COMMANDS, ids=FORMAT_IDS)
def test_a_format_that_contradicts_the_suffix_is_refused(
    command: OutputCommand, demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for given, named in itertools.permutations(_choices(command), 2):
        target = tmp_path / f"out.{named}"
        args = command.argv(demo_path, target, demo_path)
        args[args.index("--format") + 1] = given
        code = main(args)
        err = capsys.readouterr().err
        assert code != 0 and err.count("\n") == 1 and "contradicts" in err, err
        assert not target.exists()


@pytest.mark.parametrize("command", FORMAT_COMMANDS, ids=FORMAT_IDS)
def test_the_suffix_decides_the_format(
    command: OutputCommand, demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fmt = _choices(command)[-1]  # not the default
    target = tmp_path / f"out.{fmt}"
    code = main(_argv_without_format(command, demo_path, target))
    assert code == 0, capsys.readouterr().err
    assert MAGIC[fmt](target.read_bytes()), f"{command.name} -o out.{fmt} is not {fmt}"


def test_profile_named_docx_is_a_docx(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p.docx"
    code = main(
        ["export", "profile", "--db", str(demo_path), "--area", "Shropshire", "-o", str(out)]
    )
    assert code == 0, capsys.readouterr().err
    assert out.read_bytes().startswith(b"PK")


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def test_pdf_text_has_no_ligatures(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from socmap.export.briefing import export_briefing
    from socmap.export.profile import export_profile

    profile = tmp_path / "profile.pdf"
    export_profile(demo_store, area="Shropshire", audience="internal", path=profile)
    briefing = tmp_path / "briefing.pdf"
    export_briefing(demo_store, output=briefing, audience="internal", areas=["Shropshire"])
    for path, word in ((profile, "profile"), (briefing, "briefing")):
        text = _pdf_text(path)
        assert not LIGATURES.search(text), f"{path.name} holds ligatures"
        assert word in " ".join(text.split()).lower()


@pytest.mark.parametrize("audience", ["internal", "partner"])
def test_docx_properties_carry_the_date_and_marking_and_no_account_for_partners(
    demo_store,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    audience: str,
) -> None:
    import docx

    from socmap.export.profile import export_profile

    act_as(demo_store, "ds.smith", "analyst")  # an account name that must not reach a partner
    out = tmp_path / f"{audience}.docx"
    result = export_profile(demo_store, area="Shropshire", audience=audience, path=out)
    document = docx.Document(str(out))
    props = document.core_properties
    assert props.created is not None and props.created.date() == dt.date.today()
    assert props.modified is not None and props.modified.date() == dt.date.today()
    for value in (props.title, props.subject, props.keywords, props.comments):
        assert result.marking in value
    who = " ".join(
        [props.author, props.last_modified_by, props.comments]
        + [p.text for p in document.paragraphs]
        + [c.text for t in document.tables for r in t.rows for c in r.cells]
    )
    assert ("ds.smith" in who) is (audience == "internal")
    assert "python-docx" not in who


@functools.cache
def _uses() -> dict[str, set[str]]:
    """Every name called or defined anywhere in socmap, with the files that do so."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / "socmap").rglob("*.py")):
        rel = str(path.relative_to(REPO))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                found.setdefault(name, set()).add(rel)
            elif isinstance(node, ast.FunctionDef):
                found.setdefault(node.name, set()).add(rel)
    return found


def _calls_anywhere(name: str) -> list[str]:
    return sorted(_uses().get(name, set()))


@pytest.mark.parametrize("primitive", ["QPdfWriter", "setDocumentXmpMetadata", "wrap", "xmp"])
def test_one_page_engine(primitive: str) -> None:
    """Pages (PDF set-up, XMP, word wrap) are made in render/page.py alone."""
    assert _calls_anywhere(primitive) in ([], ["socmap/render/page.py"])
    assert not (REPO / "socmap" / "render" / "report.py").exists()


NAMED_COMMANDS = [
    c
    for c in COMMANDS
    if c.first_format() is None and Path(str(c.option("output").metavar or "")).suffix  # type: ignore[union-attr]
]


@pytest.mark.parametrize("command", NAMED_COMMANDS, ids=[c.name for c in NAMED_COMMANDS])
def test_a_file_named_for_another_format_is_refused(
    command: OutputCommand, demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Commands without --format write the one kind their ``-o FILE.ext`` names."""
    target = tmp_path / "out.pdf"
    csv = tmp_path / "in.csv"
    csv.write_text("Longitude,Latitude\n-2.75,52.71\n", encoding="utf-8")
    code = main(command.argv(demo_path, target, csv))
    err = capsys.readouterr().err
    assert code != 0 and "'.pdf' is not one of the formats" in err, err
    assert not target.exists()


def test_named_commands_are_found() -> None:
    assert {"export calendar", "audit export", "assign"} <= {c.name for c in NAMED_COMMANDS}
