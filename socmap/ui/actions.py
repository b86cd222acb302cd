"""Every QAction of the main window, declared in one place with its shortcut and tip."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass
class Actions:
    """The main window's actions (the window connects their ``triggered`` signals)."""

    new_db: QAction
    open_db: QAction
    open_demo: QAction
    build_demo: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    new_ocg: QAction
    edit_ocg: QAction
    find: QAction
    refresh: QAction
    about: QAction


def _action(
    parent: QWidget,
    text: str,
    *,
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    tip: str = "",
    name: str = "",
) -> QAction:
    action = QAction(text, parent)
    action.setObjectName(name or text.strip("&.… ").lower().replace(" ", "_").replace("&", ""))
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    return action


def create_actions(parent: QWidget) -> Actions:
    """Create the actions (undo/redo are replaced by the undo stack's own actions)."""
    std = QKeySequence.StandardKey
    return Actions(
        new_db=_action(
            parent,
            "&New database…",
            shortcut=std.New,
            tip="Create an empty force database",
            name="new_db",
        ),
        open_db=_action(
            parent,
            "&Open database…",
            shortcut=std.Open,
            tip="Open another force database",
            name="open_db",
        ),
        open_demo=_action(
            parent,
            "Open the &demo force",
            tip="Open the demo database (built on first use)",
            name="open_demo",
        ),
        build_demo=_action(
            parent,
            "&Build a demo database…",
            tip="Build a new demo database in a file of your choice (runs in the background)",
            name="build_demo",
        ),
        quit=_action(parent, "&Quit", shortcut=std.Quit, name="quit"),
        undo=_action(parent, "&Undo", shortcut=std.Undo, name="undo"),
        redo=_action(parent, "&Redo", shortcut=std.Redo, name="redo"),
        new_ocg=_action(
            parent,
            "New &OCG…",
            shortcut="Ctrl+Shift+N",
            tip="Add a group to the register",
            name="new_ocg",
        ),
        edit_ocg=_action(
            parent, "&Edit OCG…", shortcut="Ctrl+E", tip="Edit the selected group", name="edit_ocg"
        ),
        find=_action(parent, "&Find…", shortcut=std.Find, tip="Search the register", name="find"),
        refresh=_action(
            parent, "&Refresh", shortcut=std.Refresh, tip="Reload from the database", name="refresh"
        ),
        about=_action(parent, "&About socmap", name="about"),
    )
