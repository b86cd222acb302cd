"""Typed user preferences over QSettings: defaults and help declared once, with a version.

Project configuration (weights, intervals) lives in the database; only UI preferences live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

SETTINGS_VERSION = 1


@dataclass(frozen=True)
class Setting:
    """One preference: key, default and what it is for."""

    key: str
    default: Any
    help: str


SETTINGS = (
    Setting("window/geometry", QByteArray(), "main window position and size"),
    Setting("window/state", QByteArray(), "dock and toolbar layout"),
    Setting("register/splitter", QByteArray(), "register table / detail pane split"),
    Setting("register/header", QByteArray(), "register column widths and order"),
    Setting("session/last_db", "", "the database opened last"),
    Setting("window/tab", 0, "the tab shown last"),
)
_BY_KEY = {s.key: s for s in SETTINGS}


class Preferences:
    """Read and write preferences by key; unknown keys are a programming error."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._s = settings or QSettings("socmap", "socmap")
        self.migrate()

    def migrate(self) -> None:
        """Bring stored preferences up to SETTINGS_VERSION (version 1: nothing to convert)."""
        stored = int(self._s.value("version", 0) or 0)
        if stored < SETTINGS_VERSION:
            self._s.setValue("version", SETTINGS_VERSION)

    def get(self, key: str) -> Any:
        """The stored value, or the declared default."""
        setting = _BY_KEY[key]
        value = self._s.value(key, setting.default)
        if isinstance(setting.default, int) and not isinstance(value, int):
            try:
                return int(value)
            except (TypeError, ValueError):
                return setting.default
        return value

    def set(self, key: str, value: Any) -> None:
        """Store a value."""
        _BY_KEY[key]
        self._s.setValue(key, value)

    def sync(self) -> None:
        """Write to disk now."""
        self._s.sync()
