from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from socmap.domain.errors import ValidationError
from socmap.domain.profiles import (
    DEFAULT_PARTNER_TYPES,
    NARRATIVE_KEYS,
    ActionItem,
    ActionStatus,
    Handling,
    PartnerType,
    ProfileRules,
    SectionVersion,
    Strand,
    completeness,
    validate_action,
    validate_handling,
    validate_partner_types,
)

TODAY = dt.date(2026, 11, 1)


def _sv(key: str, *, days_ago: int = 5, conflict: int = 0, text: str = "written") -> SectionVersion:
    saved = (TODAY - dt.timedelta(days=days_ago)).isoformat() + "T10:00:00+00:00"
    return SectionVersion(1, key, 1, "", text, "owner", "src", "a", saved, 0, conflict)


def _full() -> dict[str, object]:
    return {
        "area": "X",
        "handling": Handling(
            1,
            owner="DCI A",
            partners_consulted=("Council",),
            data_from=TODAY - dt.timedelta(days=365),
            data_to=TODAY,
            review_date=TODAY + dt.timedelta(days=100),
        ),
        "sections": {k: _sv(k) for k in NARRATIVE_KEYS},
        "actions": [ActionItem(1, "do it", Strand.PURSUE)],
        "contributed_types": {t.key for t in DEFAULT_PARTNER_TYPES},
        "rules": ProfileRules(),
        "today": TODAY,
    }


def test_complete_profile_scores_100() -> None:
    c = completeness(**_full())  # type: ignore[arg-type]
    assert c.complete
    assert c.percent == 100
    assert c.total == 1 + len(NARRATIVE_KEYS) + 1 + len(DEFAULT_PARTNER_TYPES) + 1


def test_empty_profile_scores_0_and_lists_everything() -> None:
    args = _full()
    args.update(handling=None, sections={}, actions=[], contributed_types=set())
    c = completeness(**args)  # type: ignore[arg-type]
    assert c.percent == 0
    assert len(c.missing) == c.total
    assert "Handling: not started" in c.missing
    assert "Review date: not set" in c.missing


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"sections_stale": "threat"}, "Threat: out of date"),
        ({"sections_conflict": "risk"}, "Risk and priorities: conflicting versions"),
        ({"missing_type": "probation"}, "Partner data: Probation has not contributed"),
        ({"review_passed": True}, "Review date: passed on"),
        ({"no_actions": True}, "4P action plan: no action items"),
        ({"no_owner": True}, "Handling: no owner"),
    ],
)
def test_each_rule_names_what_is_missing(change: dict[str, object], expected: str) -> None:
    args = _full()
    sections = dict(args["sections"])  # type: ignore[call-overload]
    if "sections_stale" in change:
        key = str(change["sections_stale"])
        sections[key] = _sv(key, days_ago=400)
    if "sections_conflict" in change:
        key = str(change["sections_conflict"])
        sections[key] = _sv(key, conflict=1)
    args["sections"] = sections
    if "missing_type" in change:
        args["contributed_types"] = set(args["contributed_types"]) - {change["missing_type"]}  # type: ignore[call-overload]
    h = args["handling"]
    assert isinstance(h, Handling)
    if "review_passed" in change:
        args["handling"] = dataclasses.replace(h, review_date=TODAY - dt.timedelta(days=1))
    if "no_owner" in change:
        args["handling"] = dataclasses.replace(h, owner="")
    if "no_actions" in change:
        args["actions"] = []
    c = completeness(**args)  # type: ignore[arg-type]
    assert len(c.missing) == 1
    assert c.missing[0].startswith(expected)
    assert c.percent == (100 * (c.total - 1)) // c.total


def test_configured_partner_types_change_the_total() -> None:
    args = _full()
    args["rules"] = ProfileRules(partner_types=(PartnerType("nca", "NCA"),))
    c = completeness(**args)  # type: ignore[arg-type]
    assert "Partner data: NCA has not contributed" in c.missing


def test_overdue_ignores_done_and_cancelled() -> None:
    due = TODAY - dt.timedelta(days=1)
    a = ActionItem(1, "x", Strand.PREVENT, due=due)
    assert a.overdue(TODAY)
    assert not dataclasses.replace(a, status=ActionStatus.DONE).overdue(TODAY)
    assert not dataclasses.replace(a, status=ActionStatus.CANCELLED).overdue(TODAY)
    assert not dataclasses.replace(a, due=TODAY).overdue(TODAY)


def test_validation_names_the_field() -> None:
    with pytest.raises(ValidationError) as e:
        validate_action(ActionItem(1, "  ", Strand.PURSUE))
    assert e.value.field == "action"
    with pytest.raises(ValidationError) as e:
        validate_action(ActionItem(1, "x", "sideways"))  # type: ignore[arg-type]
    assert e.value.field == "strand"
    with pytest.raises(ValidationError) as e:
        validate_handling(Handling(1, data_from=TODAY, data_to=TODAY - dt.timedelta(days=1)))
    assert e.value.field == "data_period"
    with pytest.raises(ValidationError) as e:
        validate_handling(Handling(1, marking="SECRET"))  # type: ignore[arg-type]
    assert e.value.field == "marking"
    with pytest.raises(ValidationError):
        validate_partner_types([PartnerType("a", "A"), PartnerType("a", "B")])
