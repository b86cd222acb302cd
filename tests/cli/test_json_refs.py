"""Rule: one reference everywhere. Every ``--json`` output that names a group carries its
reference (``OCG-0012``) beside the number, and every option that takes a group accepts both.

Both are discovered by walking ``build_parser()``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from socmap.cli import build_parser
from socmap.cli.common import ocg_ref
from socmap.main import main

#: A demo group with members, links and assessments.
GROUP = "60"


def _walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs and path:
        yield path, parser
    for action in subs:
        for name, sub in action.choices.items():
            yield from _walk(sub, (*path, name))


def _json_commands() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    return [
        (path, p)
        for path, p in _walk(build_parser())
        if any("--json" in a.option_strings for a in p._actions)
    ]


def _group_options() -> list[tuple[str, str]]:
    found = []
    for path, p in _walk(build_parser()):
        for a in p._actions:
            names = " ".join(a.option_strings) or a.dest
            if "ocg" in names.lower() or a.metavar in ("OCG", "GROUP"):
                found.append((" ".join(path), names))
                assert a.type is ocg_ref, f"socmap {' '.join(path)} {names} does not take OCG-0012"
    return found


def test_every_group_option_takes_the_reference() -> None:
    assert ("assess create", "--ocg") in _group_options()


def _takes_number(a: argparse.Action) -> bool:
    """A positional that reads an id (``int``, or a parser such as ``NOM-0012`` or ``12``)."""
    if a.type is int:
        return True
    if a.type in (None, str, Path) or not callable(a.type):
        return False
    try:
        a.type("1")
    except (ValueError, TypeError, argparse.ArgumentTypeError):
        return False
    return True


def _args(path: tuple[str, ...], parser: argparse.ArgumentParser, tmp: Path) -> list[str]:
    args = list(path)
    for a in parser._actions:
        if not a.required and a.option_strings:
            if "--ocg" in a.option_strings:
                args += ["--ocg", f"OCG-{int(GROUP):04d}"]
            continue
        if not a.option_strings:
            if a.dest in ("help",):
                continue
            args.append("1" if _takes_number(a) else str(tmp / "x"))
            continue
        if "--ocg" in a.option_strings:
            value = f"OCG-{int(GROUP):04d}"
        elif a.choices:
            value = str(next(iter(a.choices)))
        elif "--output" in a.option_strings:
            value = str(tmp / "out.pdf")
        elif a.dest in ("first", "second"):
            value = "2024-01-01" if a.dest == "first" else "2026-11-01"
        else:
            value = "1"
        args += [a.option_strings[-1], value]
    return args


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _objects(v)
    elif isinstance(value, list):
        for v in value:
            yield from _objects(v)


@pytest.mark.parametrize(
    ("path", "parser"), _json_commands(), ids=[" ".join(p) for p, _ in _json_commands()]
)
def test_json_names_groups_by_reference(
    path: tuple[str, ...],
    parser: argparse.ArgumentParser,
    demo_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [*_args(path, parser, tmp_path), "--db", str(demo_path), "--json"]
    if path == ("assess", "create"):
        args += ["--rating", "markets.drugs=high"]
    code = main(args)
    out, err = capsys.readouterr()
    if code != 0:
        pytest.skip(f"{' '.join(args)} did not run here: {err.strip()}")
    for obj in _objects(json.loads(out)):
        for key, value in obj.items():
            if key == "ocg_id" or (key.endswith("ocg_id") and isinstance(value, int)):
                ref_key = key[: -len("_id")] + "_ref"
                refs = {obj.get(ref_key), obj.get("ref") if key == "ocg_id" else None}
                assert f"OCG-{value:04d}" in refs, (key, obj)
