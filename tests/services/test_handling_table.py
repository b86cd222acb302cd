"""One handling policy (issue 12, finding 1): every exporter agrees with ``may_share``'s table.

The test suite drives the map (full and lean loads), the briefing and the profile's intelligence
picture through every concrete (scheme × grade × handling × marking) case, ungraded and
unreadable ones included, for every audience; the README carries the table the code makes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from socmap.domain.grading import HANDLING_3X5X2, HANDLING_5X5X5, INTEL_3X5X2, INTEL_5X5X5
from socmap.domain.profiles import Audience as ProfileAudience
from socmap.domain.vocab import Marking
from socmap.services import briefing, handling
from socmap.services.handling import Audience, may_share, recorded_grading
from socmap.services.map_data import load_map_data
from socmap.services.profile_threat import intelligence_picture

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 1)


def every_recorded_case() -> list[tuple[str, str, str, str, str]]:
    """(scheme, grade, handling, conditions, marking) for every concrete grading, as stored."""
    cases: list[tuple[str, str, str, str]] = [("", "", "", ""), ("3x5x2", "9Z", "Q", "")]
    for src, intel, code in itertools.product("123", INTEL_3X5X2, HANDLING_3X5X2):
        cases.append(("3x5x2", f"{src}{intel}", code, "only after charge" if code == "C" else ""))
    for src, intel, code in itertools.product("ABCDE", INTEL_5X5X5, HANDLING_5X5X5):
        cases.append(("5x5x5", f"{src}{intel}", code, ""))
    cases.append(("5x5x5", "B22", "", ""))  # legacy: handling code as the third character
    cases.append(("5x5x5", "B21", "", ""))
    return [(*c, m.value) for c in cases for m in Marking]


def expected(audience: str, cases: list[tuple[str, str, str, str, str]]) -> int:
    return sum(
        may_share(audience=audience, marking=m, grading=recorded_grading(s, g, h, c)).allowed
        for s, g, h, c, m in cases
    )


@pytest.fixture
def one_report_per_case(demo_store: Any) -> tuple[Any, int, str, list[Any]]:
    """The demo with its intelligence replaced by one report per case, all in one area."""
    s = demo_store
    aid, name = s.conn.execute("SELECT id, name FROM areas WHERE name = 'Shropshire'").fetchone()
    x, y = s.conn.execute(
        "SELECT easting, northing FROM intel WHERE area_id = ? AND easting IS NOT NULL LIMIT 1",
        [aid],
    ).fetchone()
    cases = every_recorded_case()
    with s.atomic():
        s.conn.execute("DELETE FROM intel")
        s.conn.executemany(
            "INSERT INTO intel (reported_on, category, grading_scheme, grade, handling,"
            " handling_conditions, marking, easting, northing, area_id)"
            " VALUES ('2026-10-01', 'Drugs supply', ?, ?, ?, ?, ?, ?, ?, ?)",
            [(s_ or None, g or None, h or None, c, m, x, y, aid) for s_, g, h, c, m in cases],
        )
    return s, aid, name, cases


def test_readme_carries_the_table_the_code_makes() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"<!-- handling-table:start -->\n(.*?)<!-- handling-table:end -->", text, re.S
    )
    assert block is not None, "README lost the handling table"
    assert block.group(1) == handling.policy_table_markdown()


def test_the_table_states_a_rule_for_ungraded_intelligence_for_each_audience() -> None:
    rows = [r for r in handling.policy_table() if r.scheme.startswith("ungraded")]
    assert rows and {r.shown for r in rows} == {(True, True, False)}


@pytest.mark.parametrize("audience", [a.value for a in Audience])
def test_maps_and_briefings_follow_the_table(
    one_report_per_case: tuple[Any, int, str, list[Any]], audience: str
) -> None:
    s, aid, name, cases = one_report_per_case
    want = expected(audience, cases)
    assert len(load_map_data(s, audience=audience, area_id=aid).intel) == want
    lean = load_map_data(s, audience=audience, area_id=aid, categories=False)
    assert lean.intel.report_count == want
    content = briefing.briefing_content(s, area_name=name, audience=audience, today=TODAY)
    assert content.intel_shown == want
    if audience == "neighbourhood":
        # police.uk crimes import ungraded: a neighbourhood briefing is never left empty by it
        assert want > 0


@pytest.mark.parametrize("audience", list(ProfileAudience))
def test_profile_intelligence_picture_follows_the_table(
    one_report_per_case: tuple[Any, int, str, list[Any]], audience: ProfileAudience
) -> None:
    s, aid, _name, cases = one_report_per_case
    section = intelligence_picture(s, aid, audience=audience, today=TODAY)
    shown = sum(int(n) for t in section.tables for _c, n in t.rows)
    assert shown == expected(audience.value, cases)
    text = " ".join(section.paragraphs)
    assert "only after charge" not in text or audience is ProfileAudience.INTERNAL


def test_partner_never_gets_law_enforcement_only_or_suspected_false() -> None:
    for s, g, h, c, m in every_recorded_case():
        grading = recorded_grading(s, g, h, c)
        d = may_share(audience="partner", marking=m, grading=grading)
        if s == "5x5x5" and (h or g[2:]) == "1":
            assert not d.allowed
        if (s == "3x5x2" and g.endswith("E")) or (s == "5x5x5" and g[1:2] == "5"):
            assert not d.allowed
        if s == "3x5x2" and h == "C" and not g.endswith("E"):
            assert d.allowed  # C with its conditions note


def test_no_other_module_decides() -> None:
    """Only services/handling.py reads handling codes or suspected-false grades to decide."""
    pattern = re.compile(
        r"handling\s*(==|!=|in\s*\()\s*['\"(]|grade\[1:\]\s*==|intel_allowed\s*=|def shareable"
    )
    offenders = []
    for path in (REPO / "socmap").rglob("*.py"):
        rel = path.relative_to(REPO).as_posix()
        if rel in ("socmap/services/handling.py", "socmap/domain/grading.py") or "_demo" in rel:
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{rel}:{i}: {line.strip()}")
    assert not offenders, "handling decided outside services/handling.py:\n" + "\n".join(offenders)
