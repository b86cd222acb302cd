"""A group's score history as a chart, its assessments, and a comparison of any two."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.scoring import Assessment
from socmap.render.chart import ChartPoint, ScoreHistoryState, band_colour, draw_score_history
from socmap.services import scoring
from socmap.ui.context import UiContext
from socmap.ui.dialogs.assessment_dialog import ctx_name


def history_state(
    title: str, items: list[Assessment], highlight: tuple[int, ...] = ()
) -> ScoreHistoryState:
    """The chart's view state for a list of assessments (returned ones left out)."""
    shown = [a for a in items if a.status != "returned"]
    return ScoreHistoryState(
        title=title,
        points=tuple(
            ChartPoint(a.assessed_on, a.total, a.band, a.status == "approved", str(a.id))
            for a in shown
        ),
        highlight=tuple(i for i, a in enumerate(shown) if a.id in highlight),
    )


class ScoreHistoryChart(QWidget):
    """Paints :func:`draw_score_history` (the same renderer exports use)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = ScoreHistoryState("", ())
        self.setMinimumHeight(220)

    def set_state(self, state: ScoreHistoryState) -> None:
        self.state = state
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        draw_score_history(p, QRectF(self.rect()), self.state)
        p.end()


def _item(text: str, colour: QColor | None = None) -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    if colour is not None:
        it.setForeground(colour)
    return it


class ScoreHistoryDialog(QDialog):
    """History of one OCG; select two assessments to compare them."""

    def __init__(self, ctx: UiContext, ocg_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ocg_id = ocg_id
        self.setObjectName("score_history_dialog")
        self.title = f"OCG-{ocg_id:04d} {ctx_name(ctx, ocg_id)}: score history"
        self.setWindowTitle(self.title)
        self.resize(980, 760)
        self.items = scoring.history(ctx.store, ocg_id)
        self.chart = ScoreHistoryChart(self)
        self.table = QTableWidget(0, 8, objectName="assessments")
        self.table.setHorizontalHeaderLabels(
            ["Id", "Date", "Scheme", "Config", "Total", "Band", "Status", "Assessor / approver"]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        for a in reversed(self.items):
            r = self.table.rowCount()
            self.table.insertRow(r)
            who = a.assessor + (f" / {a.approver}" if a.approver else "")
            if a.return_reason:
                who += f" — returned: {a.return_reason}"
            for c, it in enumerate(
                [
                    _item(str(a.id)),
                    _item(a.assessed_on.isoformat()),
                    _item(a.scheme),
                    _item(f"v{a.config_version}"),
                    _item(f"{a.total:g}"),
                    _item(a.band, band_colour(a.band)),
                    _item(
                        a.status
                        + (" (re-calculation, clock not restarted)" if a.is_recalculation else "")
                    ),
                    _item(who),
                ]
            ):
                it.setData(Qt.ItemDataRole.UserRole, a.id)
                self.table.setItem(r, c, it)
        self.summary = QLabel(objectName="comparison_summary", wordWrap=True)
        self.summary.setText("Select two assessments to compare them.")
        self.moves = QTableWidget(0, 4, objectName="moves")
        self.moves.setHorizontalHeaderLabels(["Factor", "Before", "After", "Points"])
        self.moves.verticalHeader().hide()
        self.moves.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.moves.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._on_table_selection)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chart)
        split.addWidget(self.table)
        lower = QWidget()
        lay = QVBoxLayout(lower)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.summary)
        lay.addWidget(self.moves)
        split.addWidget(lower)
        split.setSizes([300, 220, 220])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        self.chart.set_state(history_state(self.title, self.items))
        approved = [a.id for a in self.items if a.status == "approved"]
        if len(self.items) >= 2:
            self.compare(self.items[-2].id, self.items[-1].id)
        elif approved:
            self.compare(approved[-1], approved[-1])

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [int(self.table.item(r, 0).text()) for r in rows]

    def _on_table_selection(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 2:
            self.compare(ids[0], ids[1])

    def compare(self, first: int, second: int) -> None:
        """Show which factors moved between two assessments."""
        c = scoring.compare_assessments(self.ctx.store, first, second)
        self.comparison = c
        self.chart.set_state(history_state(self.title, self.items, (c.before.id, c.after.id)))
        self.summary.setText(
            f"Assessment {c.before.id} ({c.before.assessed_on:%d %b %Y}, band {c.before.band}) → "
            f"{c.after.id} ({c.after.assessed_on:%d %b %Y}, band {c.after.band}): total "
            f"{c.before.total:g} → {c.after.total:g} ({c.total_delta:+g}); "
            f"{len(c.moves)} factor(s) moved."
        )
        self.moves.setRowCount(0)
        for m in c.moves:
            r = self.moves.rowCount()
            self.moves.insertRow(r)
            colour = (
                QColor("#b91c1c") if m.delta > 0 else QColor("#15803d") if m.delta < 0 else None
            )
            for col, text in enumerate([m.label, m.before, m.after, f"{m.delta:+g}"]):
                self.moves.setItem(r, col, _item(text, colour if col == 3 else None))
