"""Every file socmap writes for people goes through one output writer (issue 11.1, 13.9).

The commands are DISCOVERED: every CLI subcommand with ``-o/--output`` is found by walking the
parser, so a new exporter is covered without editing this file. For each one:

- the open database, its ``-wal``/``-shm``, any other SQLite file and a socmap backup are
  refused with one line, and nothing is written (target and database unchanged);
- a file in a folder that does not exist is refused alike;
- a successful run leaves an audit row holding the SHA-256 of the final file;
- when the audit row cannot be written, no file is left behind and an existing file is kept.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from socmap.cli import build_parser
from socmap.main import main
from socmap.store import audit
from socmap.store.db import open_store

pytestmark = pytest.mark.usefixtures("qapp")

#: Values for required options and positionals, by ``dest``. A new exporter with a new required
#: option fails ``test_every_output_command_can_be_filled`` until a sample value is added here.
SAMPLES: dict[str, str] = {
    "area": "Shropshire",
    "ocg": "1",
    "input": "{csv}",
}


@dataclass(frozen=True)
class OutputCommand:
    """A discovered subcommand that writes a file."""

    words: tuple[str, ...]
    parser: argparse.ArgumentParser

    @property
    def name(self) -> str:
        return " ".join(self.words)

    def option(self, dest: str) -> argparse.Action | None:
        return next((a for a in self.parser._actions if a.dest == dest), None)

    def first_format(self) -> str | None:
        fmt = self.option("format")
        return str(next(iter(fmt.choices))) if fmt is not None and fmt.choices else None

    def suffix(self) -> str:
        """The suffix of a file this command writes: its first format, else the one its
        ``-o`` metavar names (``FILE.ics``), else ``out``."""
        named = Path(str(getattr(self.option("output"), "metavar", "") or "")).suffix
        return self.first_format() or named.lstrip(".") or "out"

    def argv(self, db: Path, target: Path, csv: Path) -> list[str]:
        """The command line writing ``target`` from ``db``, required arguments filled in."""
        args = [*self.words, "--db", str(db), "-o", str(target)]
        fmt = self.first_format()
        if fmt is not None:
            args += ["--format", fmt]  # so that the refusal is about the target, not its name
        in_required_group = {
            id(g._group_actions[0]) for g in self.parser._mutually_exclusive_groups if g.required
        }
        for action in self.parser._actions:
            if action.dest in ("help", "db", "output", "format"):
                continue
            positional = not action.option_strings
            if not (positional or action.required or id(action) in in_required_group):
                continue
            if action.nargs == 0:
                value = None
            elif action.choices:
                value = str(next(iter(action.choices)))
            elif action.dest in SAMPLES:
                value = SAMPLES[action.dest].format(csv=csv)
            else:
                raise AssertionError(
                    f"'{self.name}' needs {action.dest}: add a sample value to SAMPLES"
                )
            if positional:
                args.append(str(value))
            else:
                args.append(action.option_strings[-1])
                if value is not None:
                    args.append(value)
        return args


def _walk(parser: argparse.ArgumentParser, words: tuple[str, ...]) -> Iterator[OutputCommand]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, (*words, name))
    if any({"-o", "--output"} & set(a.option_strings) for a in parser._actions):
        yield OutputCommand(words, parser)


def output_commands() -> list[OutputCommand]:
    """Every subcommand that writes a file (has ``-o/--output``)."""
    return list(_walk(build_parser(), ()))


COMMANDS = output_commands()
IDS = [c.name for c in COMMANDS]


def test_discovery_finds_the_known_writers() -> None:
    names = set(IDS)
    for expected in (
        "export calendar",
        "export briefing",
        "export profile",
        "export graph",
        "network export",
        "assign",
        "audit export",
        "backup",
    ):
        assert expected in names


@pytest.fixture
def csv_input(tmp_path: Path) -> Path:
    path = tmp_path / "points.csv"
    path.write_text("Longitude,Latitude,note\n-2.75,52.71,a\n-2.50,52.60,b\n", encoding="utf-8")
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_every_output_command_can_be_filled(command: OutputCommand, tmp_path: Path) -> None:
    args = command.argv(tmp_path / "db", tmp_path / "out", tmp_path / "in.csv")
    build_parser().parse_args(args)  # every required argument is there


@pytest.fixture(scope="module")
def socmap_backup(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real socmap backup (written by the backup service)."""
    from socmap.services.backup import backup_database

    folder = tmp_path_factory.mktemp("backup")
    work = folder / "work.db"
    src, dst = sqlite3.connect(demo_template), sqlite3.connect(work)
    src.backup(dst)
    src.close()
    dst.close()
    store = open_store(work)
    try:
        backup_database(store, folder / "force-backup.db")
    finally:
        store.close()
    return folder / "force-backup.db"


TARGETS = ("database", "-wal", "-shm", "other sqlite", "backup", "missing folder")
REASONS = {
    "database": "is the open database",
    "-wal": "open database's -wal",
    "-shm": "open database's -shm",
    "other sqlite": "is a SQLite database",
    "backup": "socmap backup",
    "missing folder": "does not exist",
}


@pytest.mark.parametrize("kind", TARGETS)
@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_every_writer_refuses_the_record_as_its_target(
    command: OutputCommand,
    kind: str,
    demo_path: Path,
    socmap_backup: Path,
    csv_input: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    backup_copy = tmp_path / "force-backup.db"
    backup_copy.write_bytes(socmap_backup.read_bytes())
    target = {
        "database": demo_path,
        "-wal": Path(f"{demo_path}-wal"),
        "-shm": Path(f"{demo_path}-shm"),
        "other sqlite": other,
        "backup": backup_copy,
        "missing folder": tmp_path / "no-such-folder" / f"out.{command.suffix()}",
    }[kind]
    before_db = _state(demo_path)
    before_target = _sha(target) if target.exists() and kind != "database" else None
    capsys.readouterr()
    code = main(command.argv(demo_path, target, csv_input))
    err = capsys.readouterr().err
    assert code != 0, f"{command.name} wrote over {kind}"
    assert err.count("\n") == 1 and err.startswith("socmap: "), err
    reason = REASONS[kind]
    if command.name == "backup" and kind == "backup":
        reason = "already exists"  # replacing an earlier backup needs --force
    assert reason in err, err
    assert _state(demo_path) == before_db
    if kind in ("-wal", "-shm", "missing folder"):
        assert not target.exists() or target.stat().st_size == 0 or _is_sqlite_working(target)
    elif kind != "database":
        assert _sha(target) == before_target
    assert not list(tmp_path.glob(".*partial*")), "a temporary file was left behind"


def _is_sqlite_working(path: Path) -> bool:
    # the live database's own -wal/-shm may exist while a connection is open; never ours
    return not path.read_bytes()[:4].isascii() or path.name.endswith("-shm")


def _digests_on_the_trail(db: Path) -> list[str]:
    store = open_store(db)
    try:
        return [r.payload for r in audit.rows(store, limit=1000)]
    finally:
        store.close()


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_every_writer_records_the_sha256_of_the_final_file(
    command: OutputCommand,
    demo_path: Path,
    csv_input: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / f"out.{command.suffix()}"
    code = main(command.argv(demo_path, target, csv_input))
    err = capsys.readouterr().err
    assert code == 0, err
    assert target.is_file()
    if command.name == "backup":
        return  # a backup holds its own audit row, so that row cannot hold its hash
    payloads = _digests_on_the_trail(demo_path)
    assert any(_sha(target) in p for p in payloads), f"{command.name}: no audit row has the hash"
    assert not list(tmp_path.glob(".*partial*"))


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_no_file_is_left_when_the_audit_row_fails(
    command: OutputCommand,
    demo_path: Path,
    csv_input: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = audit.record

    def locked(store: object, **kwargs: object) -> int:
        if kwargs.get("action") in ("export", "backup"):
            raise sqlite3.OperationalError("database is locked")
        return real(store, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit, "record", locked)
    fresh = tmp_path / f"fresh.{command.suffix()}"
    existing = tmp_path / f"existing.{command.suffix()}"
    existing.write_bytes(b"an analyst's earlier file\n")
    for target in (fresh, existing):
        code = main(command.argv(demo_path, target, csv_input))
        err = capsys.readouterr().err
        assert code != 0 and err.count("\n") == 1, err
        assert "another socmap is writing" in err or (
            command.name == "backup" and "already exists" in err
        ), err
    assert not fresh.exists()
    assert existing.read_bytes() == b"an analyst's earlier file\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


# ------------------------------------------------------------------ every writer, by its code

REPO = Path(__file__).resolve().parent.parent
#: The database and its backups are written by the store (not files for people); the output
#: writer itself is the one place allowed to rename into place.
NOT_EXPORTS = ("socmap/store/", "socmap/services/output.py")
#: Functions that build a database file (the demo force), not a file for people.
BUILDS_A_DATABASE = {
    "socmap/services/demo.py:ensure_demo_database",
    "socmap/cli/register_cmds.py:_cmd_demo",
    # the basemap tile cache in the user data folder: socmap's own cache, never a file for people
    "socmap/services/basemaps.py:_fetch",
}
#: Calls that create or change a file on disk.
_WRITE_CALLS = {
    "QPdfWriter",
    "QSvgGenerator",
    "write_text",
    "write_bytes",
    "copyfile",
    "copy2",
    "to_file",
    "to_csv",
}
_SANCTIONED = {"write_file", "write_files"}


def _name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _writes_directly(call: ast.Call) -> bool:
    name = _name(call)
    if name in _WRITE_CALLS:
        return True
    if name in ("write_graphml", "write_gexf", "write_gml", "write_edgelist"):
        return getattr(call.func, "value", None) is not None and call.func.value.id in ("nx",)  # type: ignore[attr-defined]
    if name == "save" and call.args:  # QImage.save(path), Document.save(path); not painter.save()
        return True
    if name in ("open", "replace", "rename") and isinstance(call.func, ast.Attribute | ast.Name):
        modes = [a.value for a in call.args if isinstance(a, ast.Constant)]
        modes += [k.value.value for k in call.keywords if isinstance(k.value, ast.Constant)]
        if name == "open":
            return any(isinstance(m, str) and set(m) & set("wax+") for m in modes)
        # os.replace / Path.replace / Path.rename with a path argument: not str.replace(a, b)
        # and not dataclasses.replace(record, field=...)
        owner = getattr(call.func.value, "id", "") if isinstance(call.func, ast.Attribute) else ""
        return owner == "os" or (
            isinstance(call.func, ast.Attribute)
            and owner not in ("dataclasses", "dc")
            and len(call.args) == 1
            and not call.keywords
        )
    return False


@dataclass
class _Unit:
    where: str
    calls: set[str]
    writes: bool
    sanctioned: bool


def _units() -> dict[str, list[_Unit]]:
    """Every module-level function and method of socmap, by name."""
    units: dict[str, list[_Unit]] = {}
    for path in sorted((REPO / "socmap").rglob("*.py")):
        rel = str(path.relative_to(REPO))
        if rel.startswith(NOT_EXPORTS):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tops: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                tops.append(node)
            elif isinstance(node, ast.ClassDef):
                tops += [n for n in node.body if isinstance(n, ast.FunctionDef)]
        for fn in tops:
            if f"{rel}:{fn.name}" in BUILDS_A_DATABASE:
                continue
            calls = [n for n in ast.walk(fn) if isinstance(n, ast.Call)]
            # every function it calls or hands on (``(save_png if png else save_svg)(...)``,
            # ``handler=_cmd_x``, ``clicked.connect(self._on_x)``)
            names = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
            names |= {n.attr for n in ast.walk(fn) if isinstance(n, ast.Attribute)}
            units.setdefault(fn.name, []).append(
                _Unit(
                    f"{rel}:{fn.name}",
                    names,
                    any(_writes_directly(c) for c in calls),
                    bool(names & _SANCTIONED),
                )
            )
    return units


def test_every_file_for_people_is_written_through_the_output_writer() -> None:
    """Found by reading the code: a function that writes a file (directly or through the
    functions it calls) either goes through ``write_file(s)`` itself or is only ever called by
    code that does. A new exporter or export dialog is covered without editing this test."""
    units = _units()
    writers: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, defs in units.items():
            if name in writers:
                continue
            for u in defs:
                if not u.sanctioned and (u.writes or u.calls & writers):
                    writers.add(name)
                    changed = True
                    break
    referenced = {c for defs in units.values() for u in defs for c in u.calls}
    unsanctioned = sorted(
        u.where
        for name in writers
        for u in units[name]
        if not u.sanctioned and (u.writes or u.calls & writers)
    )
    # a writing chain that no write_files call takes in reaches code nobody calls (a command
    # handler's caller, a slot, main): the chain is the list of unsanctioned writers
    roots = [w for w in unsanctioned if w.rsplit(":", 1)[1] not in referenced]
    direct = sorted(u.where for defs in units.values() for u in defs if u.writes)
    assert roots == [], (
        f"a file is written outside services.output.write_files; the writing code: {direct}; "
        f"reached from: {unsanctioned}"
    )
    assert {"render_pdf", "write_docx", "save_png", "save_svg"} <= writers  # it sees them


def test_the_screenshot_refuses_the_database(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``gui --screenshot`` writes a file too (not an ``-o`` option, so named here)."""
    before = _state(demo_path)
    code = main(["gui", "--db", str(demo_path), "--screenshot", str(demo_path)])
    err = capsys.readouterr().err
    assert code != 0 and "is the open database" in err and err.count("\n") == 1, err
    assert _state(demo_path) == before


def test_assign_never_reads_the_open_database_as_its_input(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _state(demo_path)
    out = tmp_path / "out.csv"
    code = main(["assign", str(demo_path), "--db", str(demo_path), "-o", str(out)])
    err = capsys.readouterr().err
    assert code != 0 and "is the open database" in err, err
    assert not out.exists() and _state(demo_path) == before
