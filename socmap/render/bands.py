"""One colour per band, the same on every chart, map, legend and export.

A band's colour depends on its label alone (and, for labels outside the default number x letter
grid, on its rank in the *configured* band grid), never on which bands happen to be present:
a force whose areas all hold 2B shows 2B's colour, not the bottom of a ramp.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QColor

#: Colour of a band's tier (the number): 1 highest threat.
TIER_COLOURS = {"1": "#b91c1c", "2": "#d97706", "3": "#15803d"}
#: How much lighter each capability letter is (QColor.lighter factors): A darkest.
LETTER_SHADE = {"A": 90, "B": 120, "C": 150}
#: Colours, highest first, for band labels outside the number x letter grid (by configured rank).
BAND_RAMP = ("#7a0177", "#c51b8a", "#f768a1", "#fbb4b9", "#fde0dd")
#: A band socmap cannot place.
UNKNOWN_BAND = "#6b7280"
#: Areas holding no banded group.
NO_BAND_FILL = "#f4f4f1"
#: Share of the band colour in an area's fill (the rest is white), so markers stay readable.
FILL_STRENGTH = 0.55


def band_colour(band: str | None, order: Sequence[str] = ()) -> QColor:
    """The colour of ``band``; ``order`` is the configured band grid, lowest first.

    ``1A``..``3C``: the tier's colour (1 red, 2 amber, 3 green), A darkest. Other labels: their
    rank in ``order`` on a fixed ramp. Grey when the band cannot be placed.
    """
    if band and band[0] in TIER_COLOURS:
        base = QColor(TIER_COLOURS[band[0]])
        return base.lighter(LETTER_SHADE.get(band[1:2].upper(), 100))
    if band and band in order:
        rank_from_top = len(order) - 1 - list(order).index(band)
        return QColor(BAND_RAMP[min(rank_from_top, len(BAND_RAMP) - 1)])
    return QColor(UNKNOWN_BAND)


def band_fill(band: str | None, order: Sequence[str] = ()) -> QColor:
    """An area's fill for ``band`` (None: no banded group): its band colour mixed with white."""
    if not band:
        return QColor(NO_BAND_FILL)
    c = band_colour(band, order)
    k = FILL_STRENGTH
    return QColor(
        round(c.red() * k + 255 * (1 - k)),
        round(c.green() * k + 255 * (1 - k)),
        round(c.blue() * k + 255 * (1 - k)),
    )
