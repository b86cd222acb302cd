"""The detail pane of the selected OCG: marking, facts, members with roles, locations, references."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.vocab import LOCATION_KINDS, MARKETS, MEMBER_TAGS, NOMINAL_FLAGS
from socmap.services.queries import OcgDetail, RegisterRow

ROLE_COLOURS = {"principal": "#991b1b", "significant": "#b45309", "peripheral": "#374151"}


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers), objectName=name)
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().hide()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    t.setAlternatingRowColors(True)
    return t


class OcgDetailPane(QWidget):
    """Shows one OCG; its buttons ask the register view to edit (signals, no writes here)."""

    edit_requested = Signal(int)
    add_member_requested = Signal(int)
    remove_member_requested = Signal(int)
    #: the selected member's name: find the person's duplicate record and merge it
    merge_member_requested = Signal(str)
    add_location_requested = Signal(int)
    remove_location_requested = Signal(int)
    score_requested = Signal(int)
    history_requested = Signal(int)
    archive_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ocg_id: int | None = None
        self.banner = QLabel(objectName="marking_banner", alignment=Qt.AlignmentFlag.AlignCenter)
        self.banner.setStyleSheet(
            "background:#1f2937;color:white;font-weight:bold;padding:3px;letter-spacing:1px;"
        )
        self.title = QLabel(objectName="title", textFormat=Qt.TextFormat.RichText, wordWrap=True)
        self.facts = QLabel(objectName="facts", textFormat=Qt.TextFormat.RichText, wordWrap=True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.members = _table(["Name", "Role", "Tags", "From", "To", "Flags"], "members")
        self.locations = _table(["Kind", "Label", "Area", "Easting", "Northing"], "locations")
        self.edit_button = QPushButton("&Edit…", objectName="edit_button")
        self.score_button = QPushButton("&Score…", objectName="score_button")
        self.history_button = QPushButton("&History…", objectName="history_button")
        self.archive_button = QPushButton("Archive…", objectName="archive_button")
        self.add_member_button = QPushButton("Add &member…", objectName="add_member_button")
        self.remove_member_button = QPushButton("Remove member", objectName="remove_member_button")
        self.merge_member_button = QPushButton("Merge duplicate…", objectName="merge_member_button")
        self.merge_member_button.setToolTip(
            "The selected member is recorded twice: fold the other record into this one"
        )
        self.add_location_button = QPushButton("Add &location…", objectName="add_location_button")
        self.remove_location_button = QPushButton(
            "Remove location", objectName="remove_location_button"
        )
        self.empty = QLabel(
            self.EMPTY_TEXT,
            objectName="empty",
            alignment=Qt.AlignmentFlag.AlignCenter,
            wordWrap=True,
        )
        self.empty.setStyleSheet("color:#6b7280;")

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        for button in (
            self.score_button,
            self.history_button,
            self.archive_button,
            self.edit_button,
        ):
            top.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        mbuttons = QHBoxLayout()
        mbuttons.addWidget(QLabel("<b>Members</b>"))
        mbuttons.addStretch(1)
        mbuttons.addWidget(self.add_member_button)
        mbuttons.addWidget(self.remove_member_button)
        mbuttons.addWidget(self.merge_member_button)
        lbuttons = QHBoxLayout()
        lbuttons.addWidget(QLabel("<b>Locations</b>"))
        lbuttons.addStretch(1)
        lbuttons.addWidget(self.add_location_button)
        lbuttons.addWidget(self.remove_location_button)
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(top)
        body.addWidget(self.facts)
        body.addLayout(mbuttons)
        body.addWidget(self.members, 3)
        body.addLayout(lbuttons)
        body.addWidget(self.locations, 2)
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addWidget(self.empty, 1)
        lay.addWidget(self.body, 1)

        self.edit_button.clicked.connect(lambda: self._emit(self.edit_requested))
        self.score_button.clicked.connect(lambda: self._emit(self.score_requested))
        self.history_button.clicked.connect(lambda: self._emit(self.history_requested))
        self.archive_button.clicked.connect(lambda: self._emit(self.archive_requested))
        self.add_member_button.clicked.connect(lambda: self._emit(self.add_member_requested))
        self.add_location_button.clicked.connect(lambda: self._emit(self.add_location_requested))
        self.remove_member_button.clicked.connect(self._remove_member)
        self.merge_member_button.clicked.connect(self._merge_member)
        self.remove_location_button.clicked.connect(self._remove_location)
        self.show_detail(None)

    def _emit(self, signal: SignalInstance) -> None:
        if self.ocg_id is not None:
            signal.emit(self.ocg_id)

    def _remove_member(self) -> None:
        item = self.members.item(self.members.currentRow(), 0)
        if item is not None:
            self.remove_member_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _merge_member(self) -> None:
        item = self.members.item(self.members.currentRow(), 0)
        self.merge_member_requested.emit(item.text() if item is not None else "")

    def _remove_location(self) -> None:
        item = self.locations.item(self.locations.currentRow(), 0)
        if item is not None:
            self.remove_location_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def set_editable(self, editable: bool, *, can_approve: bool = False) -> None:
        """Enable or disable the editing buttons (by the user's role)."""
        self.archive_button.setEnabled(can_approve)
        for b in (
            self.edit_button,
            self.score_button,
            self.add_member_button,
            self.remove_member_button,
            self.merge_member_button,
            self.add_location_button,
            self.remove_location_button,
        ):
            b.setEnabled(editable)

    #: what the pane says when no group is shown
    EMPTY_TEXT = "Select a group in the register to see its members and locations."

    def show_waiting(self, text: str) -> None:
        """No group shown yet, and why (``text``): e.g. its opening waits for the database."""
        self.show_detail(None)
        self.empty.setText(text)

    def show_detail(self, detail: OcgDetail | None, row: RegisterRow | None = None) -> None:
        """Show ``detail`` (None: the empty state); ``row`` adds band and re-assessment."""
        self.empty.setText(self.EMPTY_TEXT)
        self.ocg_id = detail.ocg.id if detail else None
        self.empty.setVisible(detail is None)
        self.body.setVisible(detail is not None)
        self.banner.setVisible(detail is not None)
        if detail is None:
            return
        ocg = detail.ocg
        self.banner.setText(str(ocg.marking))
        esc = html.escape
        aliases = f"<br><i>also known as {esc(', '.join(ocg.aliases))}</i>" if ocg.aliases else ""
        self.title.setText(
            f"<span style='font-size:15pt;font-weight:600'>{esc(ocg.name)}</span>"
            f" <span style='color:#6b7280'>{ocg.display_id} · {ocg.status.value}</span>{aliases}"
        )
        markets = ", ".join(MARKETS.get(m, m) for m in ocg.markets) or "not yet known"
        refs = "; ".join(f"{esc(r.system)} {esc(r.value)}" for r in ocg.references) or "none"
        op_areas = sorted(
            {
                detail.area_names.get(loc.area_id, "?") if loc.area_id else "outside the force"
                for loc in detail.locations
            }
        )
        self.archive_button.setText("Reactivate…" if ocg.status.value == "archived" else "Archive…")
        due_text = "—"
        if row is not None and row.due_state:
            due_text = {
                "overdue": f"OVERDUE since {row.due}",
                "due_soon": f"due soon: {row.due}",
                "ok": f"next due {row.due}",
                "never_assessed": f"never assessed: first assessment due {row.due}",
            }.get(row.due_state, row.due_state)
        rows = [
            ("Band", (row.band if row and row.band else "not yet scored")),
            ("Re-assessment", due_text),
            ("Lead area", detail.lead_area or "none"),
            (
                "Areas of operation",
                (row.operation_label if row is not None else ", ".join(op_areas)) or "no locations",
            ),
            (
                "Cross-border",
                "yes" if row is not None and row.cross_border else "no",
            ),
            ("Markets", markets),
            (
                "Lead Responsible Officer",
                ocg.lro or "<span style='color:#b91c1c'>not assigned</span>",
            ),
            ("Identified", ocg.identified_on.isoformat() if ocg.identified_on else "unknown"),
            ("Archived", ocg.archived_on.isoformat() if ocg.archived_on else "—"),
            ("References", refs),
        ]
        self.facts.setText(
            "<table cellspacing='3'>"
            + "".join(
                f"<tr><td style='color:#6b7280;padding-right:10px'>{k}</td><td>{v if k == 'Lead Responsible Officer' else esc(v)}</td></tr>"
                for k, v in rows
            )
            + "</table>"
            + (f"<p>{esc(ocg.notes)}</p>" if ocg.notes else "")
        )
        self.members.setRowCount(len(detail.members))
        for i, (m, n) in enumerate(detail.members):
            cells = [
                n.full_name,
                m.role.value,
                ", ".join(MEMBER_TAGS.get(t, t) for t in m.tags),
                m.start.isoformat() if m.start else "",
                m.end.isoformat() if m.end else "",
                ", ".join(NOMINAL_FLAGS.get(f, f) for f in n.flags),
            ]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 0:
                    item.setData(Qt.ItemDataRole.UserRole, m.id)
                if j == 1:
                    item.setForeground(QColor(ROLE_COLOURS.get(m.role.value, "#000")))
                self.members.setItem(i, j, item)
        self.locations.setRowCount(len(detail.locations))
        for i, loc in enumerate(detail.locations):
            area = detail.area_names.get(loc.area_id, "") if loc.area_id else "outside the force"
            cells = [
                LOCATION_KINDS.get(loc.kind, loc.kind),
                loc.label,
                area,
                f"{loc.easting:.0f}",
                f"{loc.northing:.0f}",
            ]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 0:
                    item.setData(Qt.ItemDataRole.UserRole, loc.id)
                self.locations.setItem(i, j, item)
