"""Regression guard: PySide6 6.12.0 on CPython 3.11 leaked a reference to None per void Qt call.

After a few thousand such calls CPython aborted ("Fatal Python error: none_dealloc"). socmap pins
PySide6 below 6.12 on Python 3.11; this test fails if an upgrade brings the leak back.
"""

from __future__ import annotations

import sys

import pytest


def test_void_qt_calls_do_not_leak_none() -> None:
    from PySide6.QtCore import QObject
    from PySide6.QtGui import QPainterPath

    if sys.version_info >= (3, 12):
        pytest.skip("None is immortal from Python 3.12 on; the leak cannot crash there")
    path = QPainterPath()
    obj = QObject()
    before = sys.getrefcount(None)
    for i in range(5000):
        path.addEllipse(float(i), 0.0, 1.0, 1.0)  # returns nothing
        obj.setObjectName("x")  # returns nothing
    after = sys.getrefcount(None)
    # other code may take or drop a handful of references; the bug dropped 10,000 here
    assert abs(after - before) < 100, f"None refcount moved by {after - before}"
