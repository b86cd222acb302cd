"""Add an OCG location by British National Grid or latitude/longitude."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.errors import ValidationError
from socmap.domain.groups import Location, validate_location
from socmap.domain.ids import GroupId
from socmap.domain.vocab import LOCATION_KINDS
from socmap.services.geography import coordinates_to_bng
from socmap.ui.dialogs.modal import ok_cancel


class LocationDialog(QDialog):
    """The location form; ``location()`` after acceptance."""

    def __init__(self, ocg_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ocg_id = ocg_id
        self.setWindowTitle(f"Add location to OCG-{ocg_id:04d}")
        self.kind = QComboBox(objectName="kind")
        for key, label in LOCATION_KINDS.items():
            self.kind.addItem(label, key)
        self.label = QLineEdit(objectName="label", placeholderText="address or description")
        self.system = QComboBox(objectName="system")
        self.system.addItem("British National Grid (easting, northing)", "bng")
        self.system.addItem("Latitude / longitude (WGS84)", "wgs84")
        self.x_input = QDoubleSpinBox(objectName="x", decimals=6, minimum=-1e7, maximum=1e7)
        self.y_input = QDoubleSpinBox(objectName="y", decimals=6, minimum=-1e7, maximum=1e7)
        self.x_input.setValue(385000)
        self.y_input.setValue(255000)
        self.x_label, self.y_label = QLabel("Easting"), QLabel("Northing")
        self.error = QLabel(objectName="error")
        self.error.setStyleSheet("color: #b91c1c;")
        form = QFormLayout()
        form.addRow("Kind", self.kind)
        form.addRow("Label", self.label)
        form.addRow("Coordinates", self.system)
        form.addRow(self.x_label, self.x_input)
        form.addRow(self.y_label, self.y_input)
        self.buttons = ok_cancel(self)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.system.currentIndexChanged.connect(self._system_changed)
        for sig in (
            self.x_input.valueChanged,
            self.y_input.valueChanged,
            self.kind.currentIndexChanged,
        ):
            sig.connect(self._revalidate)
        self._revalidate()

    def _system_changed(self) -> None:
        wgs = self.system.currentData() == "wgs84"
        self.x_label.setText("Longitude" if wgs else "Easting")
        self.y_label.setText("Latitude" if wgs else "Northing")
        self.x_input.setValue(-2.2 if wgs else 385000)
        self.y_input.setValue(52.2 if wgs else 255000)

    def location(self) -> Location:
        """The validated location (raises ValidationError when invalid)."""
        sx, sy = self.x_input.value(), self.y_input.value()
        e, n, crs = coordinates_to_bng(sx, sy, self.system.currentData())
        return validate_location(
            Location(
                ocg_id=GroupId(self.ocg_id),
                kind=self.kind.currentData(),
                easting=round(e, 1),
                northing=round(n, 1),
                label=self.label.text(),
                source_x=sx,
                source_y=sy,
                source_crs=crs,
            )
        )

    def _revalidate(self) -> None:
        try:
            self.location()
        except ValidationError as exc:
            self.error.setText(str(exc))
            ok = False
        else:
            self.error.setText("")
            ok = True
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
