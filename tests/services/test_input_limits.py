"""Hostile and malformed input files, formula injection and rationale limits (11.6, 11.7, 13.10)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from socmap.domain.cells import neutralise_cell
from socmap.domain.errors import ImportFailed, ValidationError
from socmap.domain.groups import Nominal, Ocg
from socmap.domain.limits import RATIONALE_MAX
from socmap.services import boundaries, register, review, scoring
from socmap.services.assign import assign_csv
from socmap.services.intel_import import import_intel
from tests.geo_fixtures import two_squares

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def squares_store(store: Any, tmp_path: Path) -> Any:
    boundaries.import_boundaries(store, two_squares(tmp_path / "sq.geojson"), name_field="name")
    return store


def _both(store: Any, src: Path, tmp_path: Path, **kw: Any) -> list[ImportFailed]:
    """The errors from ``assign`` and ``intel import`` on the same file (both must refuse)."""
    errors = []
    for run in (
        lambda: assign_csv(store, src, tmp_path / "out.csv", **kw),
        lambda: import_intel(store, src, **kw),
    ):
        with pytest.raises(ImportFailed) as err:
            run()
        errors.append(err.value)
    assert not (tmp_path / "out.csv").exists()
    assert store.conn.execute("SELECT COUNT(*) FROM intel").fetchone()[0] == 0
    return errors


def test_a_file_of_nul_bytes_is_refused_at_once(squares_store: Any, tmp_path: Path) -> None:
    src = tmp_path / "sparse.csv"
    with src.open("wb") as fh:
        fh.truncate(64 << 20)  # 64 MB of NUL bytes, sparse: costs no disk
    for err in _both(squares_store, src, tmp_path):
        assert "NUL bytes" in str(err)


def test_a_file_without_a_header_row_in_its_first_megabytes_is_refused(
    squares_store: Any, tmp_path: Path
) -> None:
    src = tmp_path / "one-line.csv"
    src.write_bytes(b"x," * (3 << 20))  # 6 MB and no line end
    for err in _both(squares_store, src, tmp_path):
        assert "no header row" in str(err)


def test_a_giant_line_after_the_header_is_refused_with_its_row(
    squares_store: Any, tmp_path: Path
) -> None:
    src = tmp_path / "giant.csv"
    with src.open("w") as fh:
        fh.write("easting,northing,note\n395000,255000,ok\n")
        fh.write("1,2," + "y" * (3 << 20) + "\n")
    for err in _both(squares_store, src, tmp_path):
        assert err.row == 3 and "longer than" in str(err)


PEAK = """
import resource, subprocess, sys
run_as = [sys.executable, sys.argv[1], "analyst.test", "-m", "socmap"]  # a registered analyst
done = subprocess.run([*run_as, *sys.argv[2:]], capture_output=True, text=True, timeout=120)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(done.returncode)
print(done.stderr.strip())
"""


@pytest.mark.parametrize("command", ["assign", "intel"])
def test_a_2_gb_sparse_file_is_refused_in_bounded_memory(
    demo_path: Path, tmp_path: Path, command: str
) -> None:
    src = tmp_path / "huge.csv"
    with src.open("wb") as fh:
        fh.write(b"easting,northing,note\n")
        fh.truncate(2 << 30)  # a header, then 2 GB of NUL bytes (sparse)
    argv = (
        ["assign", str(src), "-o", str(tmp_path / "out.csv")]
        if command == "assign"
        else ["intel", "import", str(src)]
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAK,
            str(REPO / "tests" / "run_as.py"),
            *argv,
            "--db",
            str(demo_path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    peak_kb, code, err = done.stdout.strip().split("\n", 2)
    assert code == "7", err
    assert "huge.csv" in err and "internal error" not in err
    assert int(peak_kb) < 300 * 1024, f"peak {int(peak_kb) // 1024} MB"


def test_utf16_without_a_byte_order_mark_is_refused_clearly(
    squares_store: Any, tmp_path: Path
) -> None:
    src = tmp_path / "plain.csv"
    src.write_text("easting,northing\n395000,255000\n", encoding="utf-8")
    for err in _both(squares_store, src, tmp_path, encoding="utf-16"):
        assert "UTF-16" in str(err) and "UTF-8" in str(err)


def test_a_row_wider_than_its_header_is_refused_by_both_with_its_row(
    squares_store: Any, tmp_path: Path
) -> None:
    src = tmp_path / "wide.csv"
    src.write_text("easting,northing,note\n395000,255000,a\n395000,255000,b,extra,more\n")
    for err in _both(squares_store, src, tmp_path):
        assert err.row == 3 and "has 5 fields but the header names 3" in str(err)


def test_a_row_with_one_coordinate_is_refused_by_both_naming_the_missing_column(
    squares_store: Any, tmp_path: Path
) -> None:
    src = tmp_path / "half.csv"
    src.write_text("easting,northing,note\n395000,255000,a\n,255000,b\n")
    for err in _both(squares_store, src, tmp_path):
        assert err.row == 3 and err.field == "easting"
        assert "only one of the two coordinates" in str(err)


def test_a_non_regular_input_file_is_named_as_such(squares_store: Any, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for err in _both(squares_store, fifo, tmp_path):
        assert "not a regular file" in str(err)


def test_area_names_that_look_like_formulas_are_neutralised_in_assign_output(
    squares_store: Any, tmp_path: Path
) -> None:
    squares_store.conn.execute("UPDATE areas SET name = '=HYPERLINK(\"http://x\")' WHERE id = 1")
    squares_store.conn.execute("UPDATE areas SET name = '@SUM(A1)' WHERE id = 2")
    src = tmp_path / "in.csv"
    src.write_text("easting,northing\n395000,255000\n405000,255000\n")
    summary = assign_csv(squares_store, src, tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[2] for r in rows[1:]] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)"]
    assert set(summary.by_area) == {'=HYPERLINK("http://x")', "@SUM(A1)"}  # names unchanged


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@A1", "\tx", "\rx"])
def test_neutralise_cell(text: str) -> None:
    assert neutralise_cell(text) == "'" + text
    assert neutralise_cell("Worcester") == "Worcester"
    assert neutralise_cell(None) == ""


def test_rationales_over_the_limit_are_refused_everywhere(store: Any) -> None:
    long = "because " * (RATIONALE_MAX // 8 + 1)
    ocg, _ = register.create_ocg(store, Ocg(name="Group A"))
    with pytest.raises(ValidationError, match="rationale"):
        scoring.archive_ocg(store, ocg_id=ocg.id, rationale=long)
    policy, _ = scoring.load_policy(store, "ocgm")
    key = policy.factors[0].key
    from socmap.domain.scoring import Rating, score

    with pytest.raises(ValidationError, match="rationale"):
        score(policy, {key: Rating(policy.factors[0].min_level, long)})
    nominal, _ = register.create_nominal(store, Nominal(surname="Doe"))
    with pytest.raises(ValidationError, match="rationale"):
        review.retain(
            store,
            "nominal",
            nominal.id,
            next_review=dt.date.today() + dt.timedelta(days=365),
            rationale=long,
        )


def test_a_disruption_rationale_over_the_limit_is_refused() -> None:
    from socmap.domain.disruptions import Disruption, validate_disruption

    today = dt.date(2026, 11, 1)
    claim = Disruption(
        ocg_id=1,
        occurred_on=today,
        strand="pursue",
        tactic="arrest_charge",
        level="minor",
        rationale="x" * (RATIONALE_MAX + 1),
    )
    with pytest.raises(ValidationError, match="rationale"):
        validate_disruption(claim, today=today)
    ok = validate_disruption(
        claim.__class__(**{**claim.__dict__, "rationale": "fine"}), today=today
    )
    assert ok.rationale == "fine"
