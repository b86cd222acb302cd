"""Rule: every argument error is one line on stderr (exit 2), for every command in the parser.

The commands are discovered by walking ``build_parser()``; each gets an unknown option and, for
every option that checks its value (a type or a list of choices), a value it must refuse.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from socmap.cli import build_parser
from socmap.main import main


def _walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if path:
        yield path, parser
    for action in subs:
        for name, sub in action.choices.items():
            yield from _walk(sub, (*path, name))


def _leaf_commands() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    return list(_walk(build_parser()))


def _bad_invocations() -> list[list[str]]:
    cases: list[list[str]] = [["--no-such-option"], ["no-such-command"]]
    for path, parser in _leaf_commands():
        cases.append([*path, "--no-such-option"])
        for action in parser._actions:
            if not action.option_strings or action.nargs == 0:
                continue
            # a Path or free text accepts anything; every other type or list of choices refuses
            if action.choices is not None or action.type not in (None, str, Path):
                cases.append([*path, action.option_strings[-1], "!!not-valid!!"])
    return cases


def _ids(case: list[str]) -> str:
    return " ".join(case)


@pytest.mark.parametrize("argv", _bad_invocations(), ids=_ids)
def test_argument_error_is_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    assert exc.value.code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("socmap"), err
    assert "--help" in err
    assert "usage:" not in err


def test_discovers_the_commands() -> None:
    names = {" ".join(p) for p, _ in _leaf_commands()}
    assert {"ocg list", "review queue", "assess create", "export briefing"} <= names


@pytest.mark.parametrize(
    "group",
    sorted({p[0] for p, parser in _leaf_commands() if len(p) == 1 and parser._subparsers}),
)
def test_group_without_subcommand_is_one_line(
    group: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([group])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert "choose a subcommand" in err
    sub = next(p for p, parser in _leaf_commands() if len(p) == 2 and p[0] == group)
    assert sub[1] in err
