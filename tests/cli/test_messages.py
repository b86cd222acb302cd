"""Messages tell the analyst where to look: factor and rating errors, plurals, cut lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from socmap.main import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["assess", "create", "--ocg", "OCG-0060", "--rating", "markets.drug=high"],
            ["did you mean markets.drugs?", "markets.violence", "flags.county_lines"],
        ),
        (
            ["assess", "create", "--ocg", "60", "--rating", "markets.drugs=huge"],
            ["0-3 or none/low/medium/high", "'huge'"],
        ),
        (
            ["assess", "create", "--ocg", "60", "--rating", "flags.firearms=maybe"],
            ["yes or no"],
        ),
        (
            ["config", "set-weight", "--factor", "markets.drugz", "--weight", "2"],
            ["did you mean markets.drugs?", "markets.violence"],
        ),
    ],
)
def test_factor_and_rating_errors_list_the_values_and_say_where_to_look(
    args: list[str], expected: list[str], demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = demo_path.read_bytes()
    code, out, err = run(capsys, *args, "--db", str(demo_path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "see 'socmap assess factors --scheme ocgm'" in err
    for text in expected:
        assert text in err, err
    assert demo_path.read_bytes() == before
