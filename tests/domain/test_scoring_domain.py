from __future__ import annotations

import json
from typing import Any

import pytest

from socmap.domain.errors import ValidationError
from socmap.domain.scoring import (
    Rating,
    breakdown_from_json,
    breakdown_to_json,
    check_assessment_transition,
    compare,
    parse_policy,
    score,
)
from socmap.paths import resources_dir


def doc(name: str) -> dict[str, Any]:
    return json.loads((resources_dir() / "scoring" / f"{name}.json").read_text("utf-8"))


def test_ocgm_levels_times_weights_plus_flag_uplifts() -> None:
    policy = parse_policy(doc("ocgm"))
    b = score(
        policy,
        {
            "markets.drugs": "High",  # 3 x 2
            "markets.violence": 2,  # 2 x 3
            "capability.cash_flow": Rating(3, "cash seizures"),  # 3 x 2
            "flags.firearms": True,  # +8
        },
    )
    assert b.scores["threat"] == 6 + 6 + 8
    assert b.scores["capability"] == 6
    assert b.total == 26
    assert b.band == "2C"  # threat 20 in [12,24) -> 2; capability 6 in [0,12) -> C
    line = next(ln for ln in b.lines if ln.key == "capability.cash_flow")
    assert line.rationale == "cash seizures" and line.shown == "High"
    assert len(b.lines) == 20  # 8 markets + 8 capability + 4 flags (infiltration counted once)


def test_morile_confidence_is_shown_never_multiplied() -> None:
    policy = parse_policy(doc("morile"))
    base = {
        "harm.physical": 4,
        "harm.community": 2,
        "scope.geographic_scope": "regional",  # x1.5
        "vulnerability.victim_vulnerability": "high",  # x1.5
        "likelihood.likelihood": 4,
        "position.capacity": 3,
    }
    high = score(policy, {**base, "confidence.confidence": "H"})
    low = score(policy, {**base, "confidence.confidence": "L"})
    assert high.scores["harm"] == pytest.approx(6 * 1.5 * 1.5)
    assert high.total == pytest.approx(6 * 1.5 * 1.5 * 4)
    assert high.total == low.total and high.band == low.band
    assert (high.confidence, low.confidence) == ("H", "L")
    assert high.scores["position"] == 3  # graded separately, not in the risk
    assert high.band == "2A"  # risk 54 -> 2, likelihood 4 -> A


@pytest.mark.parametrize(
    ("ratings", "field"),
    [
        ({"markets.drugs": 4}, "markets.drugs"),
        ({"markets.drugs": -1}, "markets.drugs"),
        ({"markets.drugs": "extreme"}, "markets.drugs"),
        ({"markets.cannabis": 1}, "markets.cannabis"),
        ({"flags.firearms": "maybe"}, "flags.firearms"),
    ],
)
def test_bad_ratings_name_the_factor(ratings: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        score(parse_policy(doc("ocgm")), ratings)
    assert err.value.field == field


def test_overlapping_thresholds_are_refused() -> None:
    d = doc("ocgm")
    d["axes"]["tier"]["thresholds"][1]["from"] = 10  # 2 starts before 3 ends (12)
    with pytest.raises(ValidationError) as err:
        parse_policy(d)
    assert err.value.field == "axes.tier.thresholds"
    assert "overlap" in err.value.reason


def test_gaps_negative_weights_and_unknown_scores_are_refused() -> None:
    d = doc("ocgm")
    d["axes"]["letter"]["thresholds"][1]["from"] = 13
    with pytest.raises(ValidationError, match="gap"):
        parse_policy(d)
    d = doc("ocgm")
    d["sections"][0]["factors"]["drugs"]["weight"] = -2
    with pytest.raises(ValidationError) as err:
        parse_policy(d)
    assert err.value.field == "markets.drugs.weight"
    d = doc("morile")
    d["axes"]["tier"]["score"] = "confidence"
    with pytest.raises(ValidationError) as err:
        parse_policy(d)
    assert err.value.field == "axes.tier.score"


def test_band_grid_and_compare_and_round_trip() -> None:
    policy = parse_policy(doc("ocgm"))
    assert policy.bands == ("1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C")
    a = score(policy, {"markets.drugs": 2})
    b = score(policy, {"markets.drugs": 3, "flags.county_lines": True})
    moves = {m.key: m for m in compare(a, b)}
    assert set(moves) == {"markets.drugs", "flags.county_lines"}
    assert moves["markets.drugs"].delta == 2 and moves["markets.drugs"].before == "Medium"
    assert breakdown_from_json(json.loads(json.dumps(breakdown_to_json(b)))) == b


def test_workflow_moves() -> None:
    check_assessment_transition("draft", "submitted")
    check_assessment_transition("submitted", "approved")
    with pytest.raises(ValidationError, match="submit it first"):
        check_assessment_transition("draft", "approved")
    with pytest.raises(ValidationError):
        check_assessment_transition("approved", "returned")
