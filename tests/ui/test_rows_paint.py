"""A table cell answered in one call into Python (``multiData``) says exactly what ``data()``
says, for every role, directly and through the filter proxy; and a table painted that way is
the same picture, pixel for pixel, as one painted a role at a time by Qt's own proxy."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QTableView

import socmap.ui
from socmap.ui.models.rows_model import (
    ID_ROLE,
    ROW_ROLE,
    SORT_ROLE,
    Column,
    RowsFilterProxy,
    RowsTableModel,
)

#: every standard role up to SizeHint, and the table's own
ROLES = [*range(14), SORT_ROLE, ID_ROLE, ROW_ROLE]


@dataclass(frozen=True)
class Row:
    id: int
    ref: str
    count: int
    note: str | None


def _model() -> RowsTableModel[Row]:
    """Every kind of column answer: colours (own and the row's), background, tooltips (own and
    the row's), right alignment, bold, a typed sort key, None shown as blank."""
    columns = [
        Column(
            "Ref",
            lambda r: r.ref,
            sort=lambda r: r.id,
            colour=lambda r: "#1d4ed8" if r.id % 2 else None,
            tooltip=lambda r: f"record {r.ref}",
            bold=True,
        ),
        Column(
            "Count",
            lambda r: r.count,
            align_right=True,
            background=lambda r: "#fee2e2" if r.count > 5 else None,
        ),
        Column("Note", lambda r: r.note),
    ]
    model: RowsTableModel[Row] = RowsTableModel(
        columns,
        lambda r: r.id,
        row_colour=lambda r: "#b91c1c" if r.count > 7 else None,
        row_tooltip=lambda r: r.note,
    )
    model.set_rows(
        [Row(i, f"OCG-{i:04d}", (i * 7) % 11, None if i % 3 else f"note {i}") for i in range(60)]
    )
    return model


def _one_role(model: Any, index: Any, role: int) -> Any:
    answer = QModelRoleData(role)
    model.multiData(index, QModelRoleDataSpan(answer))
    return answer.data()


@pytest.mark.parametrize("through_proxy", [False, True], ids=["model", "proxy"])
def test_one_call_a_cell_answers_every_role_as_data_does(qtbot, through_proxy: bool) -> None:  # type: ignore[no-untyped-def]
    source = _model()
    model: Any = source
    if through_proxy:
        model = RowsFilterProxy()
        model.setSourceModel(source)
        model.sort(1, Qt.SortOrder.DescendingOrder)  # proxy rows differ from source rows
    answered = 0
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            for role in ROLES:
                expected = model.data(index, role)
                assert _one_role(model, index, role) == expected, (row, column, role)
                answered += expected is not None
    assert answered > 60 * 3 * 5  # the comparison saw real values, not only blanks
    # an index outside the rows answers nothing
    assert _one_role(model, model.index(999, 0), Qt.ItemDataRole.DisplayRole) is None


def test_a_table_painted_a_cell_at_a_time_is_the_same_picture(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = {"fill": 0}
    fill = RowsTableModel.fill

    def counted(self: RowsTableModel[Any], *args: Any) -> None:
        calls["fill"] += 1
        fill(self, *args)

    monkeypatch.setattr(RowsTableModel, "fill", counted)
    pictures = []
    for proxy in (QSortFilterProxyModel(), RowsFilterProxy()):  # Qt's proxy asks role by role
        proxy.setSourceModel(_model())
        view = QTableView()
        qtbot.addWidget(view)
        view.setModel(proxy)
        view.resize(640, 480)
        view.show()
        qtbot.waitExposed(view)
        pictures.append(view.grab().toImage())
    assert calls["fill"] > 0  # the second table was painted through one call a cell
    assert pictures[0] == pictures[1]


def test_no_table_model_answers_roles_around_the_one_place() -> None:
    """Discovered: every rows model and filter proxy in the UI. A subclass overriding
    ``data()`` or ``multiData()`` would give the two ways of asking different answers; its
    roles belong in ``RowsTableModel.answers``."""
    for module in pkgutil.walk_packages(socmap.ui.__path__, "socmap.ui."):
        importlib.import_module(module.name)

    def subclasses(cls: type) -> list[type]:
        found = []
        for sub in cls.__subclasses__():
            found += [sub, *subclasses(sub)]
        return found

    models = subclasses(RowsTableModel)
    proxies = subclasses(RowsFilterProxy)
    assert len(models) >= 5 and proxies  # the tabs' models were found
    for cls in models:
        assert "data" not in vars(cls) and "multiData" not in vars(cls), cls
        assert "fill" not in vars(cls) and "value" not in vars(cls), cls
    for cls in proxies:
        assert "multiData" not in vars(cls), cls
