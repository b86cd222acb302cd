"""Point-in-area assignment: vectorised, boundaries deterministic, NaN safe (issue 3)."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from socmap.geo.areas import AreaIndex
from tests.geo_fixtures import square

WEST = Polygon(square(390000, 250000, 10000)[0])
EAST = Polygon(square(400000, 250000, 10000)[0])


def _index(ids: tuple[int, int] = (1, 2)) -> AreaIndex:
    return AreaIndex.from_wkb(list(ids), [shapely.to_wkb(WEST), shapely.to_wkb(EAST)])


def test_points_inside_outside_and_missing() -> None:
    idx = _index()
    x = np.array([395000.0, 405000.0, 500000.0, np.nan, 395000.0])
    y = np.array([255000.0, 255000.0, 255000.0, 255000.0, np.nan])
    assert idx.assign(x, y).tolist() == [1, 2, 0, 0, 0]
    assert idx.assign_one(405000, 255000) == 2
    assert idx.assign_one(0, 0) is None


def test_shared_boundary_goes_to_exactly_one_area_the_lower_id() -> None:
    x = np.array([400000.0, 400000.0, 400000.0])
    y = np.array([250000.0, 255000.0, 260000.0])
    assert _index((1, 2)).assign(x, y).tolist() == [1, 1, 1]
    # ids decide, not the order the polygons were given in
    assert AreaIndex.from_wkb([9, 3], [shapely.to_wkb(WEST), shapely.to_wkb(EAST)]).assign(
        x, y
    ).tolist() == [3, 3, 3]


def test_outer_boundary_counts_as_inside() -> None:
    assert _index().assign_one(390000, 255000) == 1
    assert _index().assign_one(410000, 255000) == 2


def test_empty_index_and_empty_input() -> None:
    empty = AreaIndex.from_wkb([], [])
    assert empty.assign(np.array([1.0]), np.array([1.0])).tolist() == [0]
    assert _index().assign(np.zeros(0), np.zeros(0)).tolist() == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(385000, 415000, allow_nan=False), st.floats(245000, 265000, allow_nan=False)
        ),
        min_size=1,
        max_size=40,
    )
)
def test_matches_a_plain_loop_over_intersects(points: list[tuple[float, float]]) -> None:
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    expected = []
    for x, y in points:
        pt = shapely.Point(x, y)
        expected.append(1 if WEST.intersects(pt) else 2 if EAST.intersects(pt) else 0)
    assert _index().assign(xs, ys).tolist() == expected
