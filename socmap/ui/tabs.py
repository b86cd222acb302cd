"""The main window's tabs, in order: (title, "module:Class").

Each tab class takes ``(ctx: UiContext, parent: QWidget | None = None)`` and refreshes itself
from ``ctx.bus.changes_applied``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from PySide6.QtWidgets import QWidget

TABS: list[tuple[str, str]] = [
    # what an analyst opens most, first; records management last
    ("Register", "socmap.ui.views.register_view:RegisterView"),
    ("Map", "socmap.ui.views.map_view:MapView"),
    ("Dashboard", "socmap.ui.views.dashboard_view:DashboardView"),
    ("Network", "socmap.ui.views.network_view:NetworkView"),
    ("At risk", "socmap.ui.views.atrisk_view:AtRiskView"),
    ("Partners", "socmap.ui.views.partners_view:PartnersView"),
    ("Disruptions", "socmap.ui.views.disruptions_view:DisruptionsView"),
    ("Profiles", "socmap.ui.views.profiles_view:ProfilesView"),
    ("Review", "socmap.ui.views.review_view:ReviewView"),
    ("Audit", "socmap.ui.views.audit_view:AuditView"),
]


def load_tab(spec: str) -> Callable[..., QWidget]:
    """Import a tab class from its ``module:Class`` spec."""
    module, _, name = spec.partition(":")
    cls: Callable[..., QWidget] = getattr(importlib.import_module(module), name)
    return cls
