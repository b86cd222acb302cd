"""A form field with its validation message under it (hidden until there is an error)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


def field_with_error(field: str, widget: QWidget) -> tuple[QWidget, QLabel]:
    """A box holding ``widget`` and a hidden red label named ``error_<field>`` under it."""
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(1)
    lay.addWidget(widget)
    err = QLabel()
    err.setObjectName(f"error_{field}")
    err.setStyleSheet("color: #b91c1c")
    err.setWordWrap(True)
    err.hide()
    lay.addWidget(err)
    return box, err
