"""Shared pieces of a profile's live data sections: the section types and listing helpers.

Providers live in ``profile_threat`` (threat) and ``profile_risk`` (vulnerability, risk,
partner data, action plan); ``profile_data`` registers them and fills a profile.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from socmap.domain.profiles import Audience
from socmap.domain.text import plural, plural_word
from socmap.domain.vocab import MARKETS
from socmap.services import handling as handling_policy
from socmap.store import profile_data as q
from socmap.store.db import Store

#: A word: letters, with inner apostrophes or hyphens (O'Neil, Smith-Jones).
WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")

#: Long listings stop here: a board document lists the largest groups, the register has the rest.
MAX_LISTED = 150


def not_installed(feature: str) -> str:
    """The plain sentence a section shows when its source feature is not in this version."""
    return f"not available: {feature} is not installed in this version"


@dataclass(frozen=True)
class LiveTable:
    """A table of text cells; ``flagged`` rows are drawn emphasised (e.g. overdue)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    flagged: tuple[bool, ...] = ()
    caption: str = ""
    #: Relative column widths (same length as headers), or empty for equal widths.
    widths: tuple[float, ...] = ()


@dataclass(frozen=True)
class LiveSection:
    """One live data section: where it goes in the profile, and what it holds."""

    key: str
    title: str
    section: str
    available: bool = True
    paragraphs: tuple[str, ...] = ()
    tables: tuple[LiveTable, ...] = ()
    #: A figure the report draws with the app's renderer ("threat_map", "network"), if any.
    figure: str = ""
    note: str = ""


Provider = Callable[..., LiveSection]


def first_listed(rows: list[tuple[str, ...]], what: str) -> tuple[tuple[tuple[str, ...], ...], str]:
    """At most MAX_LISTED rows, and a sentence saying how many more there are."""
    if len(rows) <= MAX_LISTED:
        return tuple(rows), ""
    more = len(rows) - MAX_LISTED
    return tuple(rows[:MAX_LISTED]), (
        f"The first {MAX_LISTED} {what} are listed; {more} more are in the socmap register."
    )


def scoring_flags(store: Store, ocg_ids: list[int], flag: str) -> set[int]:
    """Groups whose latest approved assessment sets ``flag`` (e.g. ``county_lines``)."""
    import json

    from socmap.domain.scoring import breakdown_from_json
    from socmap.store import scoring as score_rows

    out = set()
    for oid, (_aid, text) in score_rows.latest_approved_breakdowns(store, ocg_ids).items():
        lines = breakdown_from_json(json.loads(text)).lines
        if any(
            (ln.key == flag or ln.key.endswith("." + flag))
            and ln.rating not in (0, False, "", "none", None)
            for ln in lines
        ):
            out.add(oid)
    return out


def partner_listable(
    store: Store, area_id: int, audience: Audience
) -> tuple[Callable[[int], bool], str]:
    """Which of the area's groups may be listed one by one for ``audience``, and a note.

    Counts are aggregates and always shown; a partner version lists a group's record only when
    the force's handling policy lets partners see it (``services.handling.may_share``).
    """
    if audience is Audience.INTERNAL:
        return (lambda _i: True), ""
    ok: set[int] = set()
    left, reason = 0, ""
    for g in q.active_ocgs(store, area_id):
        d = handling_policy.may_share(
            audience=handling_policy.Audience.PARTNER, marking=g[7], is_intelligence=False
        )
        if d.allowed:
            ok.add(g[0])
        else:
            left, reason = left + 1, d.reason
    note = (
        f"{plural(left, 'group')} {plural_word(left, 'is', 'are')} counted but not listed one by one in the partner version ({reason})."
        if left
        else ""
    )
    return ok.__contains__, note


def ocg_ref(ocg_id: int) -> str:
    """``OCG-0042``."""
    return f"OCG-{ocg_id:04d}"


def ocg_label(ocg_id: int, name: str, audience: Audience) -> str:
    """An OCG as a profile shows it to ``audience``."""
    # OCG names often carry a family name: partners get the reference only
    return ocg_ref(ocg_id) if audience is Audience.PARTNER else f"{ocg_ref(ocg_id)} {name}"


def market_labels(primary: str | None, secondary: list[str]) -> str:
    """Markets as readable labels, primary first."""
    ms = ([primary] if primary else []) + [m for m in secondary if m != primary]
    return ", ".join(MARKETS.get(m, m) for m in ms) or "not recorded"
