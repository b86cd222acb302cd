"""The main window's tabs, in order: (title, "module:Class").

Each tab class takes ``(ctx: UiContext, parent: QWidget | None = None)`` and refreshes itself
from ``ctx.bus.changes_applied``. A tab's module is imported and its view made (with the queries
it starts) only when the tab is first shown: start-up pays for the register alone.
"""

from __future__ import annotations

import gc
import importlib
import threading
from collections.abc import Callable

from PySide6.QtWidgets import QTableView, QVBoxLayout, QWidget

from socmap.ui.widgets.tables import FIT_SAMPLE_ROWS

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


def preload_tab_modules(skip: str = "") -> threading.Thread:
    """Import every tab's module on a background thread (after the register has shown).

    Importing the network view (networkx), the partner graph and the profile engines takes
    most of a second; done here, a tab's first show only makes its widgets.
    """

    def run() -> None:
        for _title, spec in TABS:
            module = spec.partition(":")[0]
            if module != skip:
                try:
                    importlib.import_module(module)
                except Exception:  # reported again, with its context, when the tab is shown
                    return
        gc.freeze()  # the modules just imported too (see MainWindow._preload)

    thread = threading.Thread(target=run, name="socmap-preload", daemon=True)
    thread.start()
    return thread


def load_tab(spec: str) -> Callable[..., QWidget]:
    """Import a tab class from its ``module:Class`` spec."""
    module, _, name = spec.partition(":")
    cls: Callable[..., QWidget] = getattr(importlib.import_module(module), name)
    return cls


class LazyTab(QWidget):
    """The page a tab shows: holds the real view, made on first :meth:`materialise`."""

    def __init__(self, title: str, spec: str, ctx: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"tab_{title.lower().replace(' ', '_')}")
        self.title = title
        self.spec = spec
        self._ctx = ctx
        self._view: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def made(self) -> bool:
        """True once the view exists."""
        return self._view is not None

    def materialise(self) -> QWidget:
        """The view, made now if needed."""
        if self._view is None:
            self._view = load_tab(self.spec)(self._ctx, self)
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self._view)
            # a view fits its columns with tables.fit_columns; Qt's own fit (Qt's default looks
            # at 1,000 rows, calling data() tens of thousands of times) looks at as few
            for table in self._view.findChildren(QTableView):
                table.horizontalHeader().setResizeContentsPrecision(FIT_SAMPLE_ROWS)
        return self._view
