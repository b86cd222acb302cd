"""The main window: tabs, menus, status bar; owns the undo stack and the UI context."""

from __future__ import annotations

import functools
import gc
import importlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QUndoStack
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from socmap import __version__
from socmap.domain.changes import Changes
from socmap.domain.errors import SocmapError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import queries
from socmap.services.session import Store, open_for_window, pending_check, whereabouts
from socmap.ui.actions import Actions, create_actions
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.gc_policy import IdleCollector
from socmap.ui.preferences import Preferences
from socmap.ui.tabs import TABS, LazyTab, preload_tab_modules
from socmap.ui.tasks import TaskRunner, after_paint
from socmap.ui.views.register_view import RegisterView
from socmap.ui.watcher import ChangeWatcher


def _later(module: str, name: str) -> Callable[..., object]:
    """``module.name``, imported on the first call rather than at start-up."""

    def call(*args: object) -> object:
        fn: Callable[..., object] = getattr(importlib.import_module(module), name)
        return fn(*args)

    return call


class MainWindow(QMainWindow):
    """One open force database."""

    def __init__(
        self,
        store: Store,
        parent: QWidget | None = None,
        *,
        remember_layout: bool = True,
        prefetched: dict[str, object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.remember_layout = remember_layout
        self.setObjectName("main_window")
        self.prefs = Preferences()
        bus = AppSignals(self)
        self.undo_stack = QUndoStack(self)
        self.ctx = UiContext(
            store=store,
            bus=bus,
            tasks=TaskRunner(store, self),
            undo_stack=self.undo_stack,
            prefetched=dict(prefetched or {}),
        )
        self.where = whereabouts(store)
        name = store.path.name if store.path else self.where.database_text
        self.setWindowTitle(f"socmap — {name}")
        self.resize(1500, 920)

        self.tabs = QTabWidget(objectName="tabs", documentMode=True)
        #: the views made so far; a tab's view (and its queries) is made when first shown
        self.views: dict[str, QWidget] = {}
        self._slots: dict[str, LazyTab] = {}
        for title, spec in TABS:
            slot = LazyTab(title, spec, self.ctx, self)
            self._slots[title] = slot
            self.tabs.addTab(slot, title)
        self.setCentralWidget(self.tabs)
        self.register: RegisterView = self.view("Register")  # type: ignore[assignment]
        self.tabs.currentChanged.connect(self._on_tab_shown)
        self.register.rows_loaded.connect(self._after_first_rows)
        self.preload: threading.Thread | None = None
        #: full garbage collections between tasks, not in the middle of a load (gc_policy)
        self.collector = IdleCollector(lambda: self.ctx.tasks.busy, self)

        self.actions_ = create_actions(self)
        self._build_menus(self.actions_)
        self.db_label = QLabel(objectName="db_label")
        self.counts_label = QLabel(objectName="counts_label")
        self.user_label = QLabel(objectName="user_label")
        self.integrity_label = QLabel(objectName="integrity_label")
        self.user_label.setStyleSheet("padding-left: 14px; font-weight: 600;")
        self.statusBar().addWidget(self.db_label, 1)
        self.statusBar().addPermanentWidget(self.integrity_label)
        self.statusBar().addPermanentWidget(self.counts_label)
        self.statusBar().addPermanentWidget(self.user_label)
        self._watch_integrity()
        self.db_label.setText(self.where.database_text)
        self.db_label.setToolTip(f"The database this window is on: {self.where.database}")
        bus.changes_applied.connect(self._on_bus_changes_applied)
        bus.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        bus.open_ocg_requested.connect(self.open_ocg)
        self.user_label.setText(self.where.login_text)
        # the counts after the window's first paint (the read starts the engine's workers); the
        # status bar paints whichever tab the window opens on
        after_paint(
            self.statusBar(), self._refresh_status, delay_ms=RegisterView.DUE_DATES_AFTER_MS
        )
        #: other analysts' saves, announced on the bus as they are committed
        self.watcher = ChangeWatcher(store, bus, self)
        if self.where.kind != "memory":
            self.watcher.start()
        if remember_layout:
            self._restore_layout()

    # ------------------------------------------------------------------------------ menus

    def _build_menus(self, a: Actions) -> None:
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(a.undo.shortcut())
        undo.setObjectName("undo")
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(a.redo.shortcut())
        redo.setObjectName("redo")
        a.undo, a.redo = undo, redo
        file_menu = self.menuBar().addMenu("&File")
        file_menu.setObjectName("file_menu")
        for action in (a.new_db, a.open_db, a.open_demo, a.build_demo):
            file_menu.addAction(action)
        self.import_menu = file_menu.addMenu("&Import")
        self.export_menu = file_menu.addMenu("E&xport")
        file_menu.addSeparator()
        file_menu.addAction(a.quit)
        edit = self.menuBar().addMenu("&Edit")
        self.edit_menu = edit
        for action in (undo, redo):
            edit.addAction(action)
        edit.addSeparator()
        for action in (a.new_ocg, a.edit_ocg, a.find):
            edit.addAction(action)
        view = self.menuBar().addMenu("&View")
        view.addAction(a.refresh)
        view.addSeparator()
        for i in range(self.tabs.count()):
            act = view.addAction(self.tabs.tabText(i))
            act.setShortcut(f"Alt+{i + 1}")
            act.triggered.connect(lambda _c=False, i=i: self.tabs.setCurrentIndex(i))
        self.tools_menu = self.menuBar().addMenu("&Tools")
        self.settings_menu = self.menuBar().addMenu("&Settings")
        self.settings_menu.setObjectName("settings_menu")
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(a.about)

        a.new_db.triggered.connect(self._new_database)
        a.open_db.triggered.connect(self._open_database)
        a.open_demo.triggered.connect(self._open_demo)
        a.build_demo.triggered.connect(self._build_demo)
        a.quit.triggered.connect(self.close)
        a.new_ocg.triggered.connect(self._new_ocg)
        a.edit_ocg.triggered.connect(self._edit_ocg)
        a.find.triggered.connect(self._find)
        a.refresh.triggered.connect(
            lambda: self.ctx.bus.changes_applied.emit(Changes.everything(), None)
        )
        a.about.triggered.connect(self._about)
        can_edit = self.ctx.can(Permission.EDIT)
        a.new_ocg.setEnabled(can_edit)
        a.edit_ocg.setEnabled(can_edit)
        self._extend_menus()

    def _menu_action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        *,
        permission: Permission | None = None,
        shortcut: str = "",
    ) -> QAction:
        action = menu.addAction(text)
        action.setObjectName(text.strip("&.… ").lower().replace("&", "").replace(" ", "_"))
        if shortcut:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        if permission is not None:
            action.setEnabled(self.ctx.can(permission))
        return action

    def _with_selected(self, fn: Callable[[int], object]) -> None:
        ocg_id = self.register.selected_ocg_id()
        if ocg_id is None:
            self.statusBar().showMessage("Select a group in the register first", 6000)
        else:
            fn(ocg_id)

    def _extend_menus(self) -> None:
        """Feature menu entries (import, export, tools)."""
        # dialogs are imported when first used: their modules pull in pyproj, the export
        # engines and the scoring views, none of which start-up needs
        dialogs = "socmap.ui.dialogs."
        open_import_boundaries_dialog = _later(
            dialogs + "import_boundaries_dialog", "open_import_boundaries_dialog"
        )
        open_import_intel_dialog = _later(
            dialogs + "import_intel_dialog", "open_import_intel_dialog"
        )
        open_briefing_dialog = _later(dialogs + "briefing_dialog", "open_briefing_dialog")
        open_force_name_dialog = _later(dialogs + "force_dialog", "open_force_name_dialog")
        open_basemaps_dialog = _later(dialogs + "basemaps_dialog", "open_basemaps_dialog")
        dash = SimpleNamespace(
            **{
                name: _later("socmap.ui.views.dashboard_view", name)
                for name in (
                    "export_calendar_dialog",
                    "open_assessment_dialog",
                    "open_score_history",
                    "run_rescore",
                    "open_config_editor",
                )
            }
        )
        ctx = self.ctx
        self._menu_action(
            self.import_menu,
            "Area &boundaries…",
            lambda: open_import_boundaries_dialog(ctx, self),
            permission=Permission.ADMIN,
        )
        from socmap.ui.dialogs.import_neighbourhoods_dialog import (
            open_import_neighbourhoods_dialog,
        )

        self._menu_action(
            self.import_menu,
            "&Neighbourhoods…",
            lambda: open_import_neighbourhoods_dialog(ctx, self),
            permission=Permission.ADMIN,
        )
        open_import_places_dialog = _later(
            dialogs + "import_places_dialog", "open_import_places_dialog"
        )
        self._menu_action(
            self.import_menu,
            "&Place names…",
            lambda: open_import_places_dialog(ctx, self),
            permission=Permission.ADMIN,
        )
        self._menu_action(
            self.import_menu,
            "&Intelligence points…",
            lambda: open_import_intel_dialog(ctx, self),
            permission=Permission.EDIT,
        )
        open_import_records_wizard = _later(
            dialogs + "import_records_wizard", "open_import_records_wizard"
        )
        self._menu_action(
            self.import_menu,
            "&Records from a spreadsheet…",
            lambda: open_import_records_wizard(ctx, self),
            permission=Permission.EDIT,
        )
        self._menu_action(
            self.export_menu,
            "&Briefing map…",
            lambda: open_briefing_dialog(ctx, self),
            permission=Permission.EXPORT,
            shortcut="Ctrl+Shift+B",
        )
        self._menu_action(
            self.export_menu,
            "Re-assessment &calendar (.ics)…",
            lambda: dash.export_calendar_dialog(ctx, self),
            permission=Permission.EXPORT,
        )
        open_audience_export = _later(
            dialogs + "audience_export_dialog", "open_audience_export_dialog"
        )
        for kind, text in (
            ("register", "OCG &register (XLSX/CSV)…"),
            ("due", "Re-assessment &due list (XLSX/CSV)…"),
            ("compliance", "C&ompliance figures (XLSX/CSV)…"),
            ("what-works", "&What works table (XLSX/CSV)…"),
            ("partners-anx", "Partner graph as an &i2 chart (ANX)…"),
        ):
            self._menu_action(
                self.export_menu,
                text,
                functools.partial(open_audience_export, ctx, self, kind),
                permission=Permission.EXPORT,
            )
        open_merge_nominals = _later(
            dialogs + "merge_nominals_dialog", "open_merge_nominals_dialog"
        )
        self.edit_menu.addSeparator()
        self._menu_action(
            self.edit_menu,
            "&Merge two records of a person…",
            lambda: open_merge_nominals(ctx, self),
            permission=Permission.EDIT,
        )
        tools = self.tools_menu
        self._menu_action(
            tools,
            "&Score the selected group…",
            lambda: self._with_selected(lambda i: dash.open_assessment_dialog(ctx, self, i)),
            permission=Permission.EDIT,
            shortcut="Ctrl+Shift+S",
        )
        self._menu_action(
            tools,
            "Score &history of the selected group…",
            lambda: self._with_selected(lambda i: dash.open_score_history(ctx, self, i)),
        )
        self._menu_action(
            tools,
            "&Re-score all active groups…",
            lambda: dash.run_rescore(ctx, self),
            permission=Permission.EDIT,
        )
        self._menu_action(
            tools,
            "Scoring &configuration…",
            lambda: dash.open_config_editor(ctx, self),
            permission=Permission.ADMIN,
        )
        self._menu_action(
            self.settings_menu,
            "&Force name…",
            lambda: open_force_name_dialog(ctx, self),
            permission=Permission.APPROVE,
        )
        self._menu_action(
            self.settings_menu,
            "&Basemaps…",
            lambda: open_basemaps_dialog(ctx, self),
            permission=Permission.ADMIN,
        )

    # ------------------------------------------------------------------------------- tabs

    def view(self, title: str) -> QWidget:
        """The view of tab ``title``, made now if it was not yet shown."""
        view = self._slots[title].materialise()
        self.views[title] = view
        return view

    def open_tab(self, cls: type[QWidget]) -> QWidget:
        """Show the tab whose view is a ``cls`` and return that view."""
        for title, spec in TABS:
            if spec.rpartition(":")[2] == cls.__name__:
                view = self.view(title)
                self.tabs.setCurrentWidget(self._slots[title])
                return view
        raise KeyError(f"no tab shows a {cls.__name__}")

    def _after_first_rows(self, _count: int) -> None:
        """The register is usable: now, at lower priority, import the other tabs' modules and
        start a deferred integrity check."""
        self.register.rows_loaded.disconnect(self._after_first_rows)
        self._preload_waited_on_task = False
        self._preload_deadline = time.monotonic() + self.PRELOAD_LATEST_MS / 1000
        QTimer.singleShot(self.PRELOAD_AFTER_MS, self._preload_when_quiet)

    #: the other tabs' modules are imported (and a deferred integrity check starts) once no task
    #: has run for this long after the register's rows arrived (ms)...
    PRELOAD_AFTER_MS = 300
    #: ...or this long after they arrived, whatever is running (ms)
    PRELOAD_LATEST_MS = 10_000

    def _preload_when_quiet(self) -> None:
        # An import in a thread holds the GIL, and a paint makes thousands of calls into Python
        # (a model's data()), each of which then waits for it: a 1920x1080 register repaint took
        # 38 ms alone and 200-400 ms beside the imports. So the imports wait until the rows and
        # their due dates (a task) have arrived and been painted. The integrity check needs no
        # GIL but a core, which the paint needs more.
        # quiet means no task at this look nor at the last (its results painted meanwhile)
        busy = self.ctx.tasks.busy
        waited, self._preload_waited_on_task = self._preload_waited_on_task, busy
        if (busy or waited) and time.monotonic() < self._preload_deadline:
            QTimer.singleShot(self.PRELOAD_AFTER_MS, self._preload_when_quiet)
            return
        self._preload()

    def _preload(self) -> None:
        # what start-up made lives as long as the window: out of the cyclic collector's sight,
        # a full collection scans only what came later (with ~100,000 objects one took
        # 0.17-0.2 s, holding the GIL, whenever it fell due)
        gc.freeze()
        self.collector.start()
        if self.integrity is not None:
            self.integrity.start()
        if self.preload is None:
            self.preload = preload_tab_modules(skip="socmap.ui.views.register_view")

    # -------------------------------------------------------------------------- integrity

    #: a deferred check starts at the latest this long after the window is made (ms), even
    #: when the register never shows rows
    INTEGRITY_START_MS = 3000

    def _watch_integrity(self) -> None:
        """A large file is checked after the window shows; until then it is read-only, and the
        status bar says so (``socmap.store.integrity``)."""
        self.integrity = pending_check(self.ctx.store)
        if self.integrity is None:
            self.integrity_label.hide()
            return
        self.integrity_label.setText("Read-only: checking the database's integrity…")
        self.integrity_label.setToolTip(
            "SQLite is checking every page of this large database file. Until it has passed, "
            "nothing can be changed: edits wait or are refused, and the file is left as it was."
        )
        self.integrity_label.setStyleSheet("QLabel { color: #9a5b00; font-weight: bold; }")
        check = self.integrity
        QTimer.singleShot(self.INTEGRITY_START_MS, check.start)
        self._integrity_timer = QTimer(self)
        self._integrity_timer.setInterval(100)
        self._integrity_timer.timeout.connect(self._integrity_poll)
        self._integrity_timer.start()

    def _integrity_poll(self) -> None:
        check = self.integrity
        if check is None or not check.done:
            return
        self._integrity_timer.stop()
        if check.error is None:
            self.integrity_label.hide()
            self.statusBar().showMessage("Integrity check passed: editing is on", 8000)
            return
        self.integrity_label.setText("Read-only: the integrity check failed")
        self.integrity_failed(check.error)

    def integrity_failed(self, error: BaseException) -> None:
        """The deferred check failed: refuse the file as opening it would have, and close."""
        QMessageBox.critical(self, "socmap", str(error))
        self.close()

    def _on_tab_shown(self, index: int) -> None:
        slot = self.tabs.widget(index)
        if isinstance(slot, LazyTab):
            self.views[slot.title] = slot.materialise()

    # ----------------------------------------------------------------------------- status

    def _refresh_status(self) -> None:
        """Counts for the status bar, read on a worker."""
        self.user_label.setText(self.where.login_text)

        self.ctx.tasks.read(
            "socmap.services.queries:store_status",
            view=None,  # the status bar is on screen whenever the window is
            on_done=self._show_status,
            on_error=lambda exc: self.counts_label.setText(f"counts unavailable: {exc}"),
        )

    def _show_status(self, result: tuple[queries.StoreInfo, str]) -> None:
        info, role = result
        by = info.ocgs_by_status
        self.counts_label.setText(
            f"{plural(by.get('active', 0), 'active OCG')} · {sum(by.values()):,} in register · "
            f"{plural(info.counts.get('nominals', 0), 'nominal')} · "
            f"{plural(len(info.areas), 'area')}"
        )
        how = "PostgreSQL login" if self.where.kind == "server" else "OS account"
        self.user_label.setText(f"{self.where.login} · {role} ({how})")
        self.user_label.setToolTip(
            f"socmap acts as {self.where.login}, the {how} of this session, with the role {role}"
        )

    def _on_bus_changes_applied(self, changes: Changes, _initiator: object) -> None:
        if changes.touches("ocg", "nominal", "area", "membership"):
            self._refresh_status()

    # ---------------------------------------------------------------------------- actions

    def open_ocg(self, ocg_id: int) -> None:
        """Show an OCG's record in the register."""
        self.tabs.setCurrentWidget(self._slots["Register"])
        self.register.select_ocg(ocg_id)

    def _new_ocg(self) -> None:
        self.tabs.setCurrentWidget(self._slots["Register"])
        self.register.new_ocg()

    def _edit_ocg(self) -> None:
        self.tabs.setCurrentWidget(self._slots["Register"])
        self.register.edit_selected()

    def _find(self) -> None:
        self.tabs.setCurrentWidget(self._slots["Register"])
        self.register.search.setFocus()
        self.register.search.selectAll()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About socmap",
            f"<b>socmap {__version__}</b><p>Mapping, scoring and briefing on serious and "
            "organised crime groups.</p><p>Database: "
            f"{self.where.database}<br>Acting as: {self.where.login_text}</p>",
        )

    def switch_to(self, path: Path) -> MainWindow | None:
        """Open ``path`` in a new window and close this one."""
        try:
            store = open_for_window(path)
        except SocmapError as exc:
            QMessageBox.warning(self, "socmap", str(exc))
            return None
        window = MainWindow(store)
        window.show()
        self.close()
        return window

    def _new_database(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "New force database", "", "socmap database (*.db)"
        )
        if name:
            if Path(name).exists():
                QMessageBox.warning(
                    self, "socmap", f"{name} already exists; choose a new file name"
                )
                return
            self.switch_to(Path(name))

    def _open_database(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open force database", "", "socmap database (*.db);;All files (*)"
        )
        if name:
            self.switch_to(Path(name))

    def _open_demo(self) -> None:
        from socmap.paths import demo_db_path

        path = demo_db_path()
        if path.exists():
            self.switch_to(path)
        else:
            self._run_demo_build(path)

    def _build_demo(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Build demo database", "demo.db", "socmap database (*.db)"
        )
        if name:
            if Path(name).exists():
                QMessageBox.warning(
                    self, "socmap", f"{name} already exists; choose a new file name"
                )
                return
            self._run_demo_build(Path(name))

    def _run_demo_build(self, path: Path) -> None:
        """Build a demo database in the background with a cancellable progress dialog."""

        def job(_store: Store, progress: object) -> Path:
            from socmap.services import demo

            demo.ensure_demo_database(path, progress=progress)  # type: ignore[arg-type]
            return path

        self.ctx.tasks.run(
            job,
            write=False,
            title="Building the demo force…",
            parent=self,
            on_done=self._open_built_demo,
            on_error=lambda exc: (
                self.ctx.report_error(self, exc)
                if not isinstance(exc, SocmapError) or "cancel" not in str(exc)
                else self.statusBar().showMessage("Demo build cancelled; nothing was written", 8000)
            ),
        )

    def _open_built_demo(self, path: Path) -> None:
        self.switch_to(path)

    # ----------------------------------------------------------------------------- layout

    def _restore_layout(self) -> None:
        geometry = self.prefs.get("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = self.prefs.get("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        splitter = self.prefs.get("register/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.register.splitter.restoreState(splitter)
        header = self.prefs.get("register/header")
        if isinstance(header, QByteArray) and not header.isEmpty():
            self.register.table.horizontalHeader().restoreState(header)

        tab = self.prefs.get("window/tab")
        if 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)

    def save_layout(self) -> None:
        """Remember the window's layout for next time."""
        self.prefs.set("window/geometry", self.saveGeometry())
        self.prefs.set("window/state", self.saveState())
        self.prefs.set("register/splitter", self.register.splitter.saveState())
        self.prefs.set("register/header", self.register.table.horizontalHeader().saveState())
        self.prefs.set("window/tab", self.tabs.currentIndex())
        if self.ctx.store.path:
            self.prefs.set("session/last_db", str(self.ctx.store.path))
        self.prefs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the layout, let running tasks finish, close the database."""
        if self.remember_layout:
            self.save_layout()
        if self.integrity is not None and not self.integrity.done:
            self._integrity_timer.stop()  # no message about a check stopped on purpose
            self.integrity.cancel()
        self.collector.stop()  # what this window froze may be collected again (see _preload)
        self.watcher.stop()
        self.ctx.tasks.shutdown()
        super().closeEvent(event)
        if event.isAccepted():
            self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
            self.ctx.store.close()
