from __future__ import annotations

from pathlib import Path

import pytest

from socmap.domain.errors import Cancelled
from socmap.services.session import open_store
from socmap.ui.tasks import TaskRunner


def test_cancelled_demo_build_leaves_nothing(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from socmap.services.demo import ensure_demo_database

    store = open_store(tmp_path / "host.db")
    runner = TaskRunner(store)
    target = tmp_path / "demo.db"
    outcome: list[object] = []

    def job(_store, progress):  # type: ignore[no-untyped-def]
        progress.cancel()  # the user pressed Cancel straight away
        ensure_demo_database(target, progress=progress)

    runner.run(job, write=False, on_done=outcome.append, on_error=outcome.append)
    qtbot.waitUntil(lambda: bool(outcome), timeout=20_000)
    assert isinstance(outcome[0], Cancelled)
    assert not target.exists()
    store.close()


def test_task_runs_off_the_gui_thread_with_its_own_connection(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import threading

    store = open_store(tmp_path / "t.db")
    runner = TaskRunner(store)
    seen: list[tuple[object, object]] = []

    def job(own, _progress):  # type: ignore[no-untyped-def]
        return threading.current_thread(), own

    runner.run(job, write=True, on_done=lambda r: seen.append(r))
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    thread, own = seen[0]
    assert thread is not threading.main_thread()
    assert own is not store
    store.close()


def test_demo_flag_builds_and_opens_the_demo(tmp_path: Path) -> None:
    from socmap.main import main
    from socmap.paths import demo_db_path

    shot = tmp_path / "demo.png"
    assert main(["gui", "--demo", "--screenshot", str(shot)]) == 0
    assert demo_db_path().exists()
    assert shot.exists()
    with pytest.raises(SystemExit):
        main(["--no-such-option"])


def test_a_result_posted_before_shutdown_never_reaches_the_closed_window(tmp_path: Path) -> None:
    """The task finished (its result queued for the GUI thread) just before the window closed:
    the result is dropped instead of reaching views whose database is now closed."""
    from PySide6.QtWidgets import QApplication

    store = open_store(tmp_path / "t.db")
    runner = TaskRunner(store)
    seen: list[object] = []
    runner.run(lambda _s, _p: "rows", write=False, on_done=seen.append, on_error=seen.append)
    assert runner.wait(10_000)  # finished on its thread; the result waits in the event queue
    runner.shutdown()
    store.close()
    QApplication.processEvents()
    assert seen == []


def test_a_read_reaches_its_view_only_while_the_view_lives(qtbot, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A view's own method is not called with a result that arrives after the view was deleted
    (a read in the engine's worker can outlive a tab closed meanwhile)."""
    import threading

    from PySide6.QtWidgets import QLabel

    from socmap.services import queries

    class View(QLabel):
        def show_rows(self, rows: object) -> None:
            self.setText(f"{len(rows)} rows")  # type: ignore[arg-type]

    store = open_store(demo_path)
    runner = TaskRunner(store)
    release = threading.Event()
    gone, alive = View(), View()
    runner.run(lambda _s, _p: release.wait(20) and [1, 2], write=False, on_done=gone.show_rows)
    runner.read("socmap.services.queries:register", view=alive, on_done=alive.show_rows)
    gone.deleteLater()
    qtbot.waitUntil(lambda: alive.text().endswith("rows"), timeout=30_000)
    release.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=20_000)  # no error raised on the way
    assert alive.text() == f"{len(queries.register(store))} rows"
    store.close()


def test_after_paint_runs_once_the_widget_has_painted_or_at_the_latest(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Work that would slow a first paint (starting the engine's workers) waits for it, but
    never forever: a widget that is not shown still gets it after ``latest_ms``."""
    from PySide6.QtGui import QPaintEvent
    from PySide6.QtWidgets import QWidget

    from socmap.ui.tasks import after_paint

    order: list[str] = []

    class Canvas(QWidget):
        def paintEvent(self, event: QPaintEvent) -> None:
            order.append("paint")

    shown = Canvas()
    qtbot.addWidget(shown)
    after_paint(shown, lambda: order.append("work"), latest_ms=60_000)
    qtbot.wait(50)
    assert order == []  # not shown yet: nothing painted, nothing run
    shown.show()
    qtbot.waitUntil(lambda: "work" in order, timeout=5_000)
    assert order[0] == "paint" and order.count("work") == 1
    shown.update()
    qtbot.wait(50)
    assert order.count("work") == 1  # once only

    hidden = Canvas()
    qtbot.addWidget(hidden)
    ran: list[str] = []
    after_paint(hidden, lambda: ran.append("work"), latest_ms=100)
    qtbot.waitUntil(lambda: ran == ["work"], timeout=5_000)
    qtbot.wait(150)
    assert ran == ["work"]


def _two_tabs(qtbot, front, behind):  # type: ignore[no-untyped-def]
    """A window on screen with ``front``'s tab shown and ``behind``'s hidden."""
    from PySide6.QtWidgets import QTabWidget

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(front, "Front")
    tabs.addTab(behind, "Behind")
    tabs.show()
    qtbot.waitExposed(tabs)
    return tabs, front, behind


def test_a_tabs_data_that_arrives_while_it_is_hidden_is_applied_when_it_is_next_shown(
    qtbot,
) -> None:  # type: ignore[no-untyped-def]
    """A result for a tab behind another (the Disruptions log, 16,000 rows, arriving while the
    analyst looks at Profiles) is not applied in the frame of the tab on screen: it waits for
    its own tab's next show, which paints the tab as it was, and fills it in the next frame.
    Held results run in the order they arrived, once; a widget with no window on screen gets
    its result at once."""
    from PySide6.QtGui import QPaintEvent
    from PySide6.QtWidgets import QLabel

    from socmap.ui.tasks import on_screen, when_shown

    order: list[str] = []

    class Page(QLabel):
        def paintEvent(self, event: QPaintEvent) -> None:
            order.append(f"paint {self.text()}")
            super().paintEvent(event)

    tabs, front, behind = _two_tabs(qtbot, Page("front"), Page("behind"))
    assert on_screen(front) and not on_screen(behind)

    when_shown(front, lambda: order.append("front data"))
    assert order[-1] == "front data"  # on screen: at once
    order.clear()
    when_shown(behind, lambda: (order.append("first result"), behind.setText("rows 1")))
    when_shown(behind, lambda: (order.append("second result"), behind.setText("rows 2")))
    qtbot.wait(100)
    assert not any("result" in step for step in order)  # nothing applied behind the front tab
    tabs.setCurrentWidget(behind)
    assert "first result" not in order  # not in the show's own frame
    qtbot.waitUntil(lambda: "paint rows 2" in order, timeout=5_000)
    steps = [s for s in order if "result" in s or (s.startswith("paint") and "front" not in s)]
    assert steps[0] == "paint behind"  # the tab as it was, first
    assert steps[1:3] == ["first result", "second result"]
    assert steps[-1] == "paint rows 2"
    tabs.setCurrentWidget(front)
    tabs.setCurrentWidget(behind)
    qtbot.wait(50)
    assert order.count("first result") == 1  # held calls run once

    loose = QLabel()  # a view in no window on screen (a test's, a screenshot's)
    qtbot.addWidget(loose)
    when_shown(loose, lambda: loose.setText("now"))
    assert loose.text() == "now"


def test_a_read_for_a_hidden_tab_waits_for_the_tab(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """TaskRunner delivers a view's outcome (result or error) through :func:`when_shown`."""
    from PySide6.QtWidgets import QLabel

    store = open_store(tmp_path / "t.db")
    runner = TaskRunner(store)
    tabs, _front, behind = _two_tabs(qtbot, QLabel("front"), QLabel("behind"))
    seen: list[object] = []

    def boom(_s, _p):  # type: ignore[no-untyped-def]
        raise ValueError("no rows")

    runner.run(lambda _s, _p: "rows", write=False, on_done=seen.append, view=behind)
    runner.run(boom, write=False, on_done=seen.append, on_error=seen.append, view=behind)
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    qtbot.wait(50)
    assert seen == []
    tabs.setCurrentWidget(behind)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5_000)
    assert "rows" in seen and any(isinstance(x, ValueError) for x in seen)
    runner.shutdown()
    store.close()


def test_every_read_a_view_starts_names_its_view() -> None:
    """Discovers every ``tasks.read(...)`` in the UI: each says which tab its data is for
    (``view=``), so a new tab's read cannot apply its rows behind another tab's frame.
    (The UI's type check leaves call arguments to this test: PySide6's stubs need that.)"""
    import ast

    import socmap.ui

    root = Path(socmap.ui.__file__).parent
    reads, missing = 0, []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "read"
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == "tasks"
            ):
                reads += 1
                if not any(k.arg == "view" for k in node.keywords):
                    missing.append(f"{path.relative_to(root)}:{node.lineno}")
    assert reads >= 15, reads  # the walk found the views' reads
    assert missing == []
