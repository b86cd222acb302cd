"""A profile's live data sections, filled from the database when it is viewed or exported.

Each section comes from one provider function ``(store, area_id, *, audience, today)``. A
section whose source feature is not part of this version says so plainly instead of inventing
content. The partner audience never sees nominal identities, OCG names (which often carry a
family name), officer names, or intelligence whose handling code forbids sharing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from socmap.domain.profiles import Audience
from socmap.services.profile_live import (
    WORD,
    LiveSection,
    LiveTable,
    Provider,
    not_installed,
    partner_listable,
    scoring_flags,
)
from socmap.services.profile_risk import (
    action_plan,
    overdue_reassessments,
    partner_coverage,
    people_at_risk,
    recent_disruptions,
)
from socmap.services.profile_threat import (
    county_lines,
    cross_border,
    intelligence_picture,
    network_graph,
    ocgs_by_band_and_market,
    principals,
    threat_map,
)
from socmap.store import profile_data as q
from socmap.store.db import Store

__all__ = [
    "PROVIDERS",
    "LiveSection",
    "LiveTable",
    "ProviderSpec",
    "live_sections",
    "not_installed",
    "partner_coverage",
    "partner_listable",
    "people_at_risk",
    "redactor",
    "scoring_flags",
    "unavailable_features",
]


@dataclass(frozen=True)
class ProviderSpec:
    """A registered live data provider and the profile section it fills."""

    key: str
    section: str
    fn: Provider


#: Every live data section, in the order it appears within its profile section.
PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec("ocgs", "threat", ocgs_by_band_and_market),
    ProviderSpec("principals", "threat", principals),
    ProviderSpec("cross_border", "threat", cross_border),
    ProviderSpec("county_lines", "threat", county_lines),
    ProviderSpec("threat_map", "threat", threat_map),
    ProviderSpec("intelligence", "threat", intelligence_picture),
    ProviderSpec("people_at_risk", "vulnerability", people_at_risk),
    ProviderSpec("disruptions", "risk", recent_disruptions),
    ProviderSpec("overdue", "risk", overdue_reassessments),
    ProviderSpec("partner_coverage", "partner_data", partner_coverage),
    ProviderSpec("network", "partner_data", network_graph),
    ProviderSpec("actions", "action_plan", action_plan),
)


def live_sections(
    store: Store,
    area_id: int,
    *,
    audience: Audience = Audience.INTERNAL,
    today: dt.date | None = None,
    section: str | None = None,
) -> list[LiveSection]:
    """The live sections for one area and audience (of one profile section), in report order."""
    today = today or dt.date.today()
    return [
        p.fn(store, area_id, audience=audience, today=today)
        for p in PROVIDERS
        if section is None or p.section == section
    ]


def unavailable_features(sections: list[LiveSection]) -> list[str]:
    """Titles of the live sections whose source feature is not installed."""
    return [s.title for s in sections if not s.available]


# ----------------------------------------------------------------------------- redaction


def redactor(store: Store) -> Callable[[str], str]:
    """A function that replaces every nominal's name in free text with ``[name withheld]``.

    The partner version runs narrative text through it: analysts write narrative, and a name
    typed into it must not reach a partner. Any word that is a nominal's surname is withheld
    (case-insensitive, whole words), together with that nominal's forenames written next to it
    ("Shane Vellridge", "VELLRIDGE, Shane"). One pass over the words of the text, with set
    look-ups, so it costs the same with 45,000 nominals as with 40.
    """
    forenames_of: dict[str, set[str]] = {}
    for surname, forenames in q.nominal_names(store):
        fn = {f.casefold() for f in (forenames or "").split()}
        for part in WORD.findall(surname or ""):
            if len(part) > 1:
                forenames_of.setdefault(part.casefold(), set()).update(fn)

    def redact(text: str) -> str:
        tokens = list(WORD.finditer(text))
        drop: set[int] = set()
        for i, m in enumerate(tokens):
            fn = forenames_of.get(m.group().casefold())
            if fn is None:
                continue
            drop.add(i)
            j = i - 1
            while (
                j >= 0
                and tokens[j].group().casefold() in fn
                and not text[tokens[j].end() : tokens[j + 1].start()].strip()
            ):
                drop.add(j)
                j -= 1
            j = i + 1
            while (
                j < len(tokens)
                and tokens[j].group().casefold() in fn
                and text[tokens[j - 1].end() : tokens[j].start()].strip() in ("", ",")
            ):
                drop.add(j)
                j += 1
        if not drop:
            return text
        out: list[str] = []
        pos = 0
        i = 0
        while i < len(tokens):
            if i not in drop:
                i += 1
                continue
            k = i
            while k + 1 in drop and text[tokens[k].end() : tokens[k + 1].start()].strip() in (
                "",
                ",",
            ):
                k += 1
            out.append(text[pos : tokens[i].start()])
            out.append("[name withheld]")
            pos = tokens[k].end()
            i = k + 1
        out.append(text[pos:])
        return "".join(out)

    return redact
