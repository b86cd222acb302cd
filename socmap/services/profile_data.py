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
from socmap.services import redaction
from socmap.services.profile_live import (
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
    """A function that replaces every identity the database holds in free text.

    Names, aliases and addresses are withheld and groups given by reference
    (``services.redaction``: normalised text, possessives, plurals, forenames). For previews and
    last checks: partner documents carry only narrative a person cleared
    (``services.narrative_clearance``), never text passed through this filter.
    """
    return redaction.redactor_for(store).redact
