"""The main window's tabs, in order: (title, "module:Class").

Each tab class takes ``(ctx: UiContext, parent: QWidget | None = None)`` and refreshes itself
from ``ctx.bus.changes_applied``. Features add their tabs below their marker.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from PySide6.QtWidgets import QWidget

TABS: list[tuple[str, str]] = [
    ("Register", "socmap.ui.views.register_view:RegisterView"),
    # geography (issue 3)
    ("Map", "socmap.ui.views.map_view:MapView"),
    # scoring and schedule (issue 4)
    ("Dashboard", "socmap.ui.views.dashboard_view:DashboardView"),
    # partners and disruptions (issue 5)
    ("Partners", "socmap.ui.views.partners_view:PartnersView"),
    ("Disruptions", "socmap.ui.views.disruptions_view:DisruptionsView"),
    # local profiles (issue 6)
    ("Profiles", "socmap.ui.views.profiles_view:ProfilesView"),
    # trust (issue 7)
    ("Review", "socmap.ui.views.review_view:ReviewView"),
    ("Audit", "socmap.ui.views.audit_view:AuditView"),
    # member network (issue 8)
    ("Network", "socmap.ui.views.network_view:NetworkView"),
    ("At risk", "socmap.ui.views.atrisk_view:AtRiskView"),
]


def load_tab(spec: str) -> Callable[..., QWidget]:
    """Import a tab class from its ``module:Class`` spec."""
    module, _, name = spec.partition(":")
    cls: Callable[..., QWidget] = getattr(importlib.import_module(module), name)
    return cls
