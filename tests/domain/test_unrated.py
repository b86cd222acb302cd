"""Unrated is not lowest (issue 13 point 3): "not known" is explicit, shown, and blocks submission
of required factors; no factor counts twice; a multiplier of 0 is refused."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from socmap.domain.errors import ValidationError
from socmap.domain.scoring import (
    MULTIPLIER_SECTIONS,
    NOT_KNOWN,
    check_policy,
    check_submittable,
    counted_twice,
    missing_required,
    parse_policy,
    score,
)
from socmap.paths import resources_dir

SCHEMES = ("ocgm", "morile")


def doc(name: str) -> dict[str, Any]:
    return json.loads((resources_dir() / "scoring" / f"{name}.json").read_text("utf-8"))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_factor_left_unrated_is_not_known_never_its_lowest(scheme: str) -> None:
    policy = parse_policy(doc(scheme))
    b = score(policy, {})
    assert len(b.not_known) == len(policy.factors)
    for ln in b.lines:
        assert ln.rating is None and ln.shown == NOT_KNOWN
    assert any("not known" in n and "lower bound" in n for n in b.notes)
    assert b.confidence is None  # MoRiLE confidence is never silently "M"


def test_a_sparse_ocgm_assessment_says_what_is_not_known() -> None:
    policy = parse_policy(doc("ocgm"))
    b = score(policy, {"markets.drugs": "High", "capability.cash_flow": 0})
    assert b.band == "3C"
    unknown = {ln.key for ln in b.not_known}
    assert "markets.violence" in unknown and "capability.cash_flow" not in unknown
    cash = next(ln for ln in b.lines if ln.key == "capability.cash_flow")
    assert cash.shown == "None" and cash.rating == 0  # None is a rating, not "not known"
    with pytest.raises(ValidationError, match="not known"):
        check_submittable(policy, b)
    assert "markets.violence" in {ln.key for ln in missing_required(policy, b)}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_required_factors_are_what_blocks_submission(scheme: str) -> None:
    policy = parse_policy(doc(scheme))
    full: dict[str, Any] = {}
    for f in policy.factors:
        if not f.required:
            continue  # optional factors may stay not known
        full[f.key] = (
            False if f.kind == "flag" else f.choices[0][0] if f.kind == "choice" else f.min_level
        )
    check_submittable(policy, score(policy, full))
    for key in full:
        with pytest.raises(ValidationError) as err:
            check_submittable(policy, score(policy, {k: v for k, v in full.items() if k != key}))
        assert err.value.field == key


def test_morile_confidence_not_known_is_said_so() -> None:
    policy = parse_policy(doc("morile"))
    b = score(policy, {"confidence.confidence": "unknown", "likelihood.likelihood": 3})
    assert b.confidence is None and "confidence not known" in b.notes


@pytest.mark.parametrize("scheme", SCHEMES)
def test_shipped_configurations_count_no_factor_twice(scheme: str) -> None:
    policy = parse_policy(doc(scheme))
    assert counted_twice(policy) == []
    check_policy(policy)


def test_a_configuration_counting_a_factor_twice_is_refused() -> None:
    d = doc("ocgm")
    flags = next(s for s in d["sections"] if s["key"] == "flags")
    flags["factors"]["infiltration"] = {"label": "Infiltration", "weight": 4}
    with pytest.raises(ValidationError) as err:
        check_policy(parse_policy(d))
    assert err.value.field == "flags.infiltration"


def test_every_multiplier_of_zero_is_refused() -> None:
    base = doc("morile")
    seen = 0
    for i, sec in enumerate(base["sections"]):
        if sec["key"] not in MULTIPLIER_SECTIONS["morile"]:
            continue
        for name, fac in sec["factors"].items():
            for choice in fac["choices"]:
                d = copy.deepcopy(base)
                d["sections"][i]["factors"][name]["choices"][choice] = 0
                with pytest.raises(ValidationError) as err:
                    parse_policy(d)
                assert err.value.field == f"{sec['key']}.{name}.choices.{choice}"
                seen += 1
    assert seen >= 7


def test_a_multiplier_not_known_counts_as_one_and_is_said_so() -> None:
    policy = parse_policy(doc("morile"))
    b = score(policy, {"harm.physical": 2, "likelihood.likelihood": 2})
    assert b.scores["harm"] == 2  # x1 x1: neither multiplier known
    assert any("x1" in n for n in b.notes)
