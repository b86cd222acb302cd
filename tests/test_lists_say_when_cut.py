"""Rule: every list that stops early says so, with how many are left out and how to see them.

Discovered, not listed: every service function that takes a ``limit`` returns a ``Page`` (the
rows and how many there are in all); every CLI command with ``--limit`` says when it cut the
list (under a table, or on stderr beside JSON); every part of the app that shows such a list
puts a cut-off note under it.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest

import socmap.services
from socmap.cli import build_parser
from socmap.domain.text import Page, cut_note, plural
from socmap.main import main

REPO = Path(__file__).resolve().parent.parent


def _takes_limit(fn: Any) -> bool:
    for p in inspect.signature(fn).parameters.values():
        if p.name == "limit":
            return True
        ann = str(p.annotation)
        module = inspect.getmodule(fn)
        cls = getattr(module, ann, None) if ann.isidentifier() else None
        if dataclasses.is_dataclass(cls) and "limit" in {f.name for f in dataclasses.fields(cls)}:
            return True
    return False


def limited_service_functions() -> list[tuple[str, Any]]:
    """Every public function in socmap.services that takes a limit (directly or in a filter)."""
    found = []
    for info in pkgutil.iter_modules(socmap.services.__path__):
        module = importlib.import_module(f"socmap.services.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_") and _takes_limit(fn):
                found.append((f"{module.__name__}.{name}", fn))
    return found


def test_discovers_the_limited_lists() -> None:
    names = {n for n, _ in limited_service_functions()}
    assert {"socmap.services.review.review_queue", "socmap.services.audit_trail.entries"} <= names


@pytest.mark.parametrize(("name", "fn"), limited_service_functions(), ids=lambda x: str(x))
def test_every_limited_service_returns_a_page(name: str, fn: Any) -> None:
    ret = str(inspect.signature(fn).return_annotation)
    assert ret.startswith(("Page[", "tuple[")) or ret == "Page", f"{name} returns {ret}"
    if ret.startswith("tuple["):  # a view's data with its list as a Page, or a writer taking a
        # filter (an export: how many it wrote), not a list it shows
        assert ret.startswith("tuple[Page[") or "int" in ret, f"{name} returns {ret}"


def _limit_commands() -> list[tuple[str, ...]]:
    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> Any:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, (*path, name))
            elif "--limit" in action.option_strings:
                yield path

    return sorted(set(walk(build_parser(), ())))


def _has_json(path: tuple[str, ...]) -> bool:
    parser = build_parser()
    for name in path:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return any("--json" in a.option_strings for a in parser._actions)


def test_discovers_the_limit_commands() -> None:
    assert {("review", "queue"), ("audit", "list"), ("audit", "export")} <= set(_limit_commands())


@pytest.mark.parametrize("command", _limit_commands(), ids=" ".join)
def test_every_limit_command_says_when_it_cut_the_list(
    command: tuple[str, ...], demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["-o", str(tmp_path / "out.csv")] if command[-1] == "export" else []
    args = [*command, "--db", str(demo_path), "--as-of", "2026-11-01", "--limit", "1", *extra]
    if "--as-of" not in _options(command):
        args.remove("--as-of")
        args.remove("2026-11-01")
    assert main(args) == 0
    out, err = capsys.readouterr()
    note = re.search(r"showing 1 of ([\d,]+) .*--limit (\d+)", out)
    assert note, out
    assert int(note.group(1).replace(",", "")) == int(note.group(2)) > 1
    if _has_json(command):
        assert main([*args, "--json"]) == 0
        out, err = capsys.readouterr()
        assert len(json.loads(out)) == 1
        assert re.search(r"showing 1 of [\d,]+ .*--limit \d+", err), err
        # a whole list says nothing
        whole = [*args[:-1], note.group(2), "--json"]
        assert main(whole) == 0
        out, err = capsys.readouterr()
        assert "showing" not in err


def _options(command: tuple[str, ...]) -> set[str]:
    parser = build_parser()
    for name in command:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return {o for a in parser._actions for o in a.option_strings}


def test_every_app_view_of_a_limited_list_shows_the_cut() -> None:
    """Any module in socmap/ui calling a limited service shows a CutNote / cut item for it."""
    functions = {n.rsplit(".", 1)[1] for n, fn in limited_service_functions()}
    functions -= {"export_extract"}  # writes a file of every matching row; no list on screen
    users = []
    for path in sorted((REPO / "socmap" / "ui").rglob("*.py")):
        text = path.read_text("utf-8")
        # called directly, or named as what a view reads (``tasks.read("module:function")``)
        called = {f for f in functions if re.search(rf"\.{f}\(|:{f}\"", text)}
        if called:
            users.append(path.name)
            assert "CutNote(" in text or "add_cut_item(" in text, (
                f"{path.name} shows {sorted(called)} without saying when the list is cut"
            )
    assert {"review_view.py", "audit_view.py"} <= set(users)


def test_page_and_note_words() -> None:
    page = Page([1, 2], 10)
    assert page.cut and page.left_out == 8 and page.total == 10
    assert not Page([1, 2]).cut
    assert cut_note(2, 2, "record", "x") == ""
    assert cut_note(500, 10036, "record", "use --limit 10036") == (
        "showing 500 of 10,036 records (9,536 more not shown); use --limit 10036"
    )
    assert plural(1, "active OCG") == "1 active OCG"
    assert plural(2, "active OCG") == "2 active OCGs"
    assert plural(1, "disruption") == "1 disruption"
    assert plural(3, "person") == "3 people"
    assert plural(2, "match") == "2 matches"
    assert plural(2, "strategy") == "2 strategies"


#: Slices of text (a long rationale, a timestamp, a digest) rather than of a list of rows.
TEXT_FIELDS = {"rationale", "ts", "sha256", "head", "name", "label", "_text"}


def test_no_cli_command_cuts_a_list_silently() -> None:
    """A command that shows the first N of a list wraps them in Page(...) or more(...), so the
    cut is said; slicing rows any other way is refused."""
    import ast

    problems = []
    for path in sorted((REPO / "socmap" / "cli").glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        said = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("Page", "more"):
                said.update(id(n) for n in ast.walk(node))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice)):
                continue
            if node.slice.upper is None or id(node) in said:
                continue
            value = node.value
            name = value.attr if isinstance(value, ast.Attribute) else getattr(value, "id", "")
            if name in TEXT_FIELDS:
                continue
            problems.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    assert not problems, "lists cut without saying so:\n" + "\n".join(problems)
