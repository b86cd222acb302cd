from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from socmap.domain.groups import Ocg
from socmap.domain.merge import Pick, Resolution, merge, resolve, three_way
from socmap.domain.vocab import Status

BASE = Ocg(name="Alpha", id=3, lro="DI Smith", notes="first", status=Status.DRAFT, version=4)


def test_three_way_lists_each_differing_field_and_who_changed_it() -> None:
    mine = replace(BASE, name="Alpha Crew", notes="mine")
    theirs = replace(BASE, lro="DI Jones", notes="theirs", version=5)
    fields = {m.field: m for m in three_way(BASE, mine, theirs)}
    assert set(fields) == {"name", "lro", "notes"}  # id and version are never merged
    assert (fields["name"].i_changed, fields["name"].they_changed) == (True, False)
    assert fields["name"].default is Pick.MINE
    assert (fields["lro"].i_changed, fields["lro"].they_changed) == (False, True)
    assert fields["lro"].default is Pick.THEIRS
    assert fields["notes"].clash
    assert not fields["name"].clash


def test_same_change_on_both_sides_is_no_difference() -> None:
    mine = replace(BASE, name="Same")
    theirs = replace(BASE, name="Same", version=5)
    assert three_way(BASE, mine, theirs) == []


def test_merge_defaults_keep_both_peoples_separate_changes() -> None:
    mine = replace(BASE, name="Alpha Crew", identified_on=dt.date(2024, 1, 2))
    theirs = replace(BASE, lro="DI Jones", version=7)
    merged = merge(BASE, mine, theirs)
    assert (merged.name, merged.lro, merged.identified_on) == (
        "Alpha Crew",
        "DI Jones",
        dt.date(2024, 1, 2),
    )
    assert merged.version == 7  # saved over what they saved
    assert merged.id == 3


def test_merge_picks_override_the_defaults() -> None:
    mine = replace(BASE, name="Alpha Crew", notes="mine")
    theirs = replace(BASE, lro="DI Jones", notes="theirs", version=5)
    merged = merge(BASE, mine, theirs, {"name": Pick.THEIRS, "lro": Pick.MINE})
    assert (merged.name, merged.lro, merged.notes) == ("Alpha", "DI Smith", "mine")
    merged = merge(BASE, mine, theirs, {"notes": Pick.THEIRS})
    assert merged.notes == "theirs"


@pytest.mark.parametrize(
    ("resolution", "expected"),
    [
        (Resolution.KEEP_MINE, ("Alpha Crew", "DI Smith")),  # their lro change undone, knowingly
        (Resolution.MERGE, ("Alpha Crew", "DI Jones")),
        (Resolution.TAKE_THEIRS, None),
    ],
)
def test_resolutions(resolution: Resolution, expected: tuple[str, str] | None) -> None:
    mine = replace(BASE, name="Alpha Crew")
    theirs = replace(BASE, lro="DI Jones", version=9)
    out = resolve(BASE, mine, theirs, resolution)
    if expected is None:
        assert out is None
    else:
        assert out is not None
        assert (out.name, out.lro) == expected
        assert out.version == 9
