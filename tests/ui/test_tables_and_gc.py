"""The table helpers every tab uses (prepared rows, column fitting) and the window's garbage
collection policy: what each promises, checked on real Qt models and the real collector."""

from __future__ import annotations

import gc
import threading
import weakref
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from socmap.ui import gc_policy
from socmap.ui.gc_policy import IdleCollector
from socmap.ui.models.rows_model import Column, RowsFilterProxy, RowsTableModel
from socmap.ui.widgets.tables import fit_columns, row_table


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    score: int


COLUMNS = [Column("Name", lambda r: r.name), Column("Score", lambda r: r.score)]


def _rows(n: int) -> list[Row]:
    return [Row(i, f"name {(i * 7919) % n:05d}", (i * 31) % 97) for i in range(n)]


def test_rows_prepared_on_another_thread_are_taken_as_sorted(qtbot) -> None:  # type: ignore[no-untyped-def]
    model: RowsTableModel[Row] = RowsTableModel(COLUMNS, id_of=lambda r: r.id)
    model.sort(1, Qt.SortOrder.DescendingOrder)
    rows = _rows(5000)
    prepared = []
    worker = threading.Thread(target=lambda: prepared.append(model.prepare(rows)))
    worker.start()
    worker.join()
    calls = []
    real = model._sort_rows
    model._sort_rows = lambda *a: calls.append(a) or real(*a)  # type: ignore[method-assign]
    model.set_rows(prepared[0])
    assert calls == []  # not sorted again on the UI thread
    scores = [r.score for r in model.rows]
    assert scores == sorted(scores, reverse=True)
    assert model.row_for_id(rows[123].id) == model.rows.index(rows[123])


def test_rows_prepared_before_the_user_re_sorted_are_sorted_again(qtbot) -> None:  # type: ignore[no-untyped-def]
    model: RowsTableModel[Row] = RowsTableModel(COLUMNS, id_of=lambda r: r.id)
    model.sort(1, Qt.SortOrder.AscendingOrder)
    prepared = model.prepare(_rows(300))
    model.sort(0, Qt.SortOrder.AscendingOrder)  # the user sorts by name meanwhile
    model.set_rows(prepared)
    names = [r.name for r in model.rows]
    assert names == sorted(names)
    assert all(model.row_at(model.row_for_id(r.id)) is r for r in model.rows)  # type: ignore[arg-type]


def test_a_predicate_set_without_refiltering_applies_at_the_next_reset(qtbot) -> None:  # type: ignore[no-untyped-def]
    model: RowsTableModel[Row] = RowsTableModel(COLUMNS)
    proxy = RowsFilterProxy()
    proxy.setSourceModel(model)
    model.set_rows(_rows(50))
    assert proxy.rowCount() == 50
    proxy.set_predicate(lambda r: r.score < 10, refilter=False)
    assert proxy.rowCount() == 50  # kept, not applied yet
    model.set_rows(_rows(50))
    assert proxy.rowCount() == sum(1 for r in _rows(50) if r.score < 10)


def test_fit_columns_fits_the_widest_text_and_caps_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    model: RowsTableModel[Row] = RowsTableModel(COLUMNS)
    proxy = RowsFilterProxy()
    proxy.setSourceModel(model)
    view = row_table(proxy)
    qtbot.addWidget(view)
    wide = Row(0, "W" * 30, 1)
    model.set_rows([Row(1, "a", 2), wide])
    fit_columns(view, max_width=10_000)
    fm = view.fontMetrics()
    assert view.columnWidth(0) >= fm.horizontalAdvance(wide.name)
    assert view.columnWidth(1) >= view.horizontalHeader().fontMetrics().horizontalAdvance("Score")
    assert view.columnWidth(1) < view.columnWidth(0)
    fit_columns(view, max_width=120)
    assert view.columnWidth(0) == 120
    # rows past the sample do not count: a wide name there leaves the width alone
    model.set_rows([Row(i, "a", 1) for i in range(100)] + [Row(100, "W" * 60, 1)])
    fit_columns(view, max_width=10_000, sample=64)
    assert view.columnWidth(0) < fm.horizontalAdvance("W" * 60)


def test_fit_columns_works_on_any_qt_model_and_skips_hidden_columns(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = QStandardItemModel()
    for text in ("short", "a much longer entry than the others"):
        model.appendRow([QStandardItem(text), QStandardItem("x")])
    view = row_table(model)
    qtbot.addWidget(view)
    fit_columns(view, max_width=10_000)
    assert view.columnWidth(0) >= view.fontMetrics().horizontalAdvance(
        "a much longer entry than the others"
    )
    view.setColumnHidden(0, True)
    fit_columns(view)  # nothing to fit, nothing raised
    assert view.isColumnHidden(0)


@pytest.fixture
def collector(qtbot):  # type: ignore[no-untyped-def]
    busy = [False]
    owner = QObject()
    c = IdleCollector(lambda: busy[0], owner)
    c.busy_flag = busy  # type: ignore[attr-defined]
    saved = gc.get_threshold()
    c.start()
    yield c
    c.stop()
    assert gc.get_threshold() == saved
    assert gc.get_freeze_count() == 0


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def _cycle() -> weakref.ref[Node]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    keep.append(a)
    return weakref.ref(a)


keep: list[Node] = []


def test_the_oldest_generation_is_never_collected_automatically_while_a_window_is_open(
    collector: IdleCollector,
) -> None:
    assert gc.get_threshold()[2] == gc_policy.NEVER


def test_a_quiet_tick_freezes_without_walking_and_a_busy_one_does_nothing(
    collector: IdleCollector,
) -> None:
    collector.busy_flag[0] = True  # type: ignore[attr-defined]
    gc.collect()
    collector.tick()
    assert collector.history == []
    collector.busy_flag[0] = False  # type: ignore[attr-defined]
    kept = [object() for _ in range(10)]
    gc.collect(1)  # a young collection: something new reached the oldest generation
    collector.tick()
    assert collector.history and collector.history[-1][0] == "freeze"
    assert gc.get_freeze_count() > 0
    del kept


def test_too_many_young_collections_force_a_collection_even_while_busy(
    collector: IdleCollector, monkeypatch: pytest.MonkeyPatch
) -> None:
    collector.busy_flag[0] = True  # type: ignore[attr-defined]
    monkeypatch.setattr(gc_policy, "MAX_DEFERRED", 3)
    gc.collect()
    for _ in range(4):
        gc.collect(1)
    collector.tick()
    assert collector.history[-1][0] == "recent"


def test_a_deep_collection_reclaims_cycles_that_were_frozen(
    collector: IdleCollector, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = _cycle()
    held = keep.pop()
    gc.collect(1)  # the cycle is old now
    collector.tick()  # quiet: frozen, cycle and all
    del held  # garbage now, but frozen
    assert ref() is not None
    collector.collect()  # a collection of what is not frozen does not reach it
    assert ref() is not None
    monkeypatch.setattr(gc_policy, "DEEP_S", 0.0)
    monkeypatch.setattr(gc_policy, "DEEP_QUIET_S", 0.0)
    collector.tick()
    assert collector.history[-1][0] == "deep"
    assert ref() is None


def test_update_rows_changes_values_in_place_and_refuses_other_rows(qtbot) -> None:  # type: ignore[no-untyped-def]
    model: RowsTableModel[Row] = RowsTableModel(COLUMNS, id_of=lambda r: r.id)
    model.sort(1, Qt.SortOrder.AscendingOrder)
    model.set_rows(_rows(200))
    held = model.index(model.row_for_id(17), 0)  # type: ignore[arg-type]
    from PySide6.QtCore import QPersistentModelIndex

    persistent = QPersistentModelIndex(held)
    changed = [Row(r.id, r.name, 1000 - r.id) for r in _rows(200)]
    with qtbot.waitSignal(model.dataChanged):
        assert model.update_rows(changed)
    assert [r.score for r in model.rows] == sorted(r.score for r in changed)  # sorted again
    assert model.row_at(persistent.row()).id == 17  # the held row followed
    before = list(model.rows)
    assert not model.update_rows(_rows(199))  # a row went: refused, nothing changed
    assert not model.update_rows([Row(i + 1, "x", 1) for i in range(200)])
    assert model.rows == before


def test_a_choice_model_behaves_as_added_items_do(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The Network tab's 6,000 groups: a combo over a ChoiceListModel answers itemData,
    currentData and findData as one filled with addItem does."""
    from PySide6.QtWidgets import QComboBox

    from socmap.ui.models.choices import ChoiceListModel, attach

    choices = [(f"OCG-{i:04d} group {i}", 1000 + i) for i in range(6000)]
    plain, fast = QComboBox(), QComboBox()
    for combo in (plain, fast):
        qtbot.addWidget(combo)
    for text, data in choices:
        plain.addItem(text, data)
    model = attach(fast, ChoiceListModel())
    model.set_choices(choices)
    assert fast.view().uniformItemSizes()
    assert fast.count() == plain.count() == 6000
    for i in (0, 1, 2999, 5999):
        assert fast.itemText(i) == plain.itemText(i) and fast.itemData(i) == plain.itemData(i)
    assert fast.findData(1000 + 4321) == plain.findData(1000 + 4321) == 4321
    assert fast.findData(-1) == plain.findData(-1) == -1
    fast.setCurrentIndex(fast.findData(1007))
    assert fast.currentData() == 1007 and fast.currentText() == "OCG-0007 group 7"
    model.set_choices([])
    assert fast.count() == 0 and fast.currentData() is None
