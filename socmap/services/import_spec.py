"""What a force's spreadsheet and its import specification say: the specification (JSON),
the sheets read from an .xlsx or .csv file, and a first mapping guessed from a sheet's headers.
:mod:`socmap.services.spec_import` plans and writes the records.

A specification says, per sheet, which record types each row holds and which of the force's
columns fill which socmap fields::

    {
      "system": "force-ocg-tracker",            # names the source; keys are kept per system
      "date_formats": ["%d/%m/%Y", "%d-%b-%y"],  # tried in order (ISO dates always work)
      "values": {"role": {"Principal Member": "principal"}, "current": {"Y": true, "N": false}},
      "sheets": {
        "Groups":  [{"type": "group", "key": "URN",
                     "columns": {"name": "Group name", "primary_market": "Main market"}}],
        "Members": [{"type": "nominal", "key": "Person ID",
                     "columns": {"surname": "Surname", "forenames": "Forename", "date_of_birth": "DOB"}},
                    {"type": "membership", "columns": {"group": "Group URN", "role": "Role"}}]
      }
    }

Record types and their fields (``*`` required):

* ``group``: name*, status, primary_market, lead_area (by name), lro, identified_on, aliases,
  notes, marking;
* ``nominal``: surname* (or name as ``SURNAME, Forenames``), forenames, date_of_birth, aliases;
* ``membership``: group* (the group's key or ``OCG-0012``), nominal (a person's key; default
  the person on the same row), role*, start, end, current (false ends the membership), tags;
* ``location``: group*, kind*, easting+northing or lon+lat, label;
* ``partner``: name*, type*, areas (names), isa_reference, isa_expires, notes;
* ``disruption``: group*, strand*, tactic*, level*, date*, rationale*, lead_agency, partner.

``key`` names the column holding the force's stable identifier for the record. Headers and sheet
names are matched ignoring case, spacing and punctuation (:func:`normalise`).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socmap.domain.errors import ImportFailed, ValidationError

RECORD_TYPES: dict[str, tuple[str, ...]] = {
    "group": ("name", "status", "primary_market", "lead_area", "lro", "identified_on", "aliases",
              "notes", "marking"),
    "nominal": ("surname", "forenames", "name", "date_of_birth", "aliases"),
    "membership": ("group", "nominal", "role", "start", "end", "current", "tags"),
    "location": ("group", "kind", "easting", "northing", "lon", "lat", "label"),
    "partner": ("name", "type", "areas", "isa_reference", "isa_expires", "notes"),
    "disruption": ("group", "strand", "tactic", "level", "date", "rationale", "lead_agency",
                   "partner"),
}  # fmt: skip
REQUIRED: dict[str, tuple[str, ...]] = {
    "group": ("name",),
    "nominal": (),
    "membership": ("group", "role"),
    "location": ("group", "kind"),
    "partner": ("name", "type"),
    "disruption": ("group", "strand", "tactic", "level", "date", "rationale"),
}
DATE_FIELDS = {"identified_on", "date_of_birth", "start", "end", "isa_expires", "date"}
#: Types written first, so later types can refer to them.
ORDER = ("group", "partner", "nominal", "membership", "location", "disruption")


def normalise(text: object) -> str:
    """``text`` as headers, sheet names and values are compared: case, spacing and punctuation
    ignored."""
    return re.sub(r"[^0-9a-z]+", " ", str(text or "").casefold()).strip()


# ------------------------------------------------------------------------------ the spec


@dataclass(frozen=True)
class RecordSpec:
    """One record type read from each row of a sheet."""

    type: str
    columns: dict[str, str]
    key: str | None = None
    values: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Spec:
    """A whole import specification."""

    system: str
    sheets: dict[str, tuple[RecordSpec, ...]]
    date_formats: tuple[str, ...] = ()
    values: dict[str, dict[str, Any]] = field(default_factory=dict)


def load_spec(path: Path) -> Spec:
    """Read and check a specification; ImportFailed naming the spec file and the entry."""
    name = str(path)
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportFailed(name, "the specification does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportFailed(name, f"not a JSON specification ({exc})") from None
    return spec_from_dict(doc, name=name)


def spec_from_dict(doc: object, *, name: str = "specification") -> Spec:
    """Check a specification held as a JSON-ready dict (a file's or one the app built)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("sheets"), dict) or not doc["sheets"]:
        raise ImportFailed(name, "needs a 'sheets' object naming each sheet's records")

    def values_of(raw: object, where: str) -> dict[str, dict[str, Any]]:
        if raw is None:
            return {}
        if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
            raise ImportFailed(name, f"{where}: 'values' maps a field to {{text: value}}")
        return {str(k): {normalise(a): b for a, b in v.items()} for k, v in raw.items()}

    sheets: dict[str, tuple[RecordSpec, ...]] = {}
    for sheet, records in doc["sheets"].items():
        if isinstance(records, dict):
            records = [records]
        if not isinstance(records, list) or not records:
            raise ImportFailed(name, f"sheet '{sheet}': list the records each row holds")
        out = []
        for i, r in enumerate(records, start=1):
            where = f"sheet '{sheet}' record {i}"
            if not isinstance(r, dict) or r.get("type") not in RECORD_TYPES:
                raise ImportFailed(
                    name, f"{where}: 'type' must be one of {', '.join(RECORD_TYPES)}"
                )
            cols = r.get("columns") or {}
            if not isinstance(cols, dict):
                raise ImportFailed(name, f"{where}: 'columns' maps socmap fields to column names")
            missing = [f for f in REQUIRED[r["type"]] if f not in cols]
            if missing:
                raise ImportFailed(name, f"{where}: map a column to {r['type']} '{missing[0]}'")
            unknown = [f for f in cols if f not in RECORD_TYPES[r["type"]]]
            if unknown:
                raise ImportFailed(
                    name,
                    f"{where}: unknown {r['type']} field '{unknown[0]}' (fields: "
                    f"{', '.join(RECORD_TYPES[r['type']])})",
                )
            out.append(
                RecordSpec(
                    type=r["type"],
                    columns={str(k): str(v) for k, v in cols.items()},
                    key=str(r["key"]) if r.get("key") else None,
                    values=values_of(r.get("values"), where),
                )
            )
        sheets[str(sheet)] = tuple(out)
    formats = doc.get("date_formats") or []
    if not isinstance(formats, list):
        raise ImportFailed(name, "'date_formats' is a list such as [\"%d/%m/%Y\"]")
    return Spec(
        system=str(doc.get("system") or "spreadsheet"),
        sheets=sheets,
        date_formats=tuple(str(f) for f in formats),
        values=values_of(doc.get("values"), "top level"),
    )


def spec_to_dict(spec: Spec) -> dict[str, Any]:
    """The JSON document of ``spec`` (what :func:`load_spec` reads back to an equal Spec)."""

    def record(r: RecordSpec) -> dict[str, Any]:
        out: dict[str, Any] = {"type": r.type, "columns": dict(r.columns)}
        if r.key:
            out["key"] = r.key
        if r.values:
            out["values"] = {k: dict(v) for k, v in r.values.items()}
        return out

    doc: dict[str, Any] = {"system": spec.system}
    if spec.date_formats:
        doc["date_formats"] = list(spec.date_formats)
    if spec.values:
        doc["values"] = {k: dict(v) for k, v in spec.values.items()}
    doc["sheets"] = {sheet: [record(r) for r in recs] for sheet, recs in spec.sheets.items()}
    return doc


def save_spec(spec: Spec, path: Path) -> Path:
    """Write ``spec`` as JSON (a specification file, not a file for people: no marking)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ValidationError("output", f"{path}: the folder {path.parent} does not exist")
    text = json.dumps(spec_to_dict(spec), indent=2, ensure_ascii=False, default=str)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


# ------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class Sheet:
    """A sheet's headers (as written) and its rows (1-based spreadsheet row numbers)."""

    name: str
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Any, ...]], ...]


def _raw_sheets(path: Path, csv_name: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's rows as read (a CSV is one sheet called ``csv_name``)."""
    path = Path(path)
    if not path.exists():
        raise ImportFailed(str(path), "the file does not exist")
    raw: dict[str, list[tuple[Any, ...]]] = {}
    if path.suffix.lower() == ".csv":
        try:
            with path.open(newline="", encoding="utf-8-sig") as fh:
                rows = [tuple(r) for r in csv.reader(fh)]
        except UnicodeDecodeError as exc:
            raise ImportFailed(str(path), f"not UTF-8 text (byte {exc.start})") from None
        raw[csv_name] = rows
    else:
        import zipfile

        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise ImportFailed(str(path), f"not a readable .xlsx workbook ({exc})") from None
        try:
            for ws in wb.worksheets:
                raw[ws.title] = [tuple(r) for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    return raw


def sheet_headers(path: Path) -> dict[str, tuple[str, ...]]:
    """Each sheet's name and header row (the first non-empty row), for building a mapping.

    A CSV file is one sheet named after the file (its stem), as :func:`read_sheets` reads it.
    """
    path = Path(path)
    raw = _raw_sheets(path, path.stem)
    out: dict[str, tuple[str, ...]] = {}
    for name, rows in raw.items():
        first = next((r for r in rows if any(cell_text(c) for c in r)), ())
        out[name] = tuple(cell_text(c) for c in first)
    return out


def read_sheets(path: Path, wanted: list[str]) -> dict[str, Sheet]:
    """The sheets named in the spec (case-insensitive), from an .xlsx or a .csv file."""
    path = Path(path)
    # a CSV holds one sheet: the spec's only sheet, or the one named like the file
    raw = _raw_sheets(path, wanted[0] if len(wanted) == 1 else path.stem)
    by_norm = {normalise(k): k for k in raw}
    out: dict[str, Sheet] = {}
    for want in wanted:
        have = by_norm.get(normalise(want))
        if have is None:
            raise ImportFailed(str(path), f"no sheet '{want}' (sheets: {', '.join(raw) or 'none'})")
        rows = raw[have]
        first = next((i for i, r in enumerate(rows) if any(cell_text(c) for c in r)), None)
        if first is None:
            out[want] = Sheet(have, (), ())
            continue
        headers = tuple(cell_text(c) for c in rows[first])
        body = tuple(
            (i + 1, r) for i, r in enumerate(rows) if i > first and any(cell_text(c) for c in r)
        )
        out[want] = Sheet(have, headers, body)
    return out


def cell_text(value: object) -> str:
    """A cell as text: empty for None, a whole float without its ``.0``, stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


#: Headers forces commonly use for a field (normalised), beyond the field's own name.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "surname": ("surname", "last name", "family name"),
    "forenames": ("forename", "forenames", "forename s", "first name", "first names",
                  "given name", "given names"),
    "date_of_birth": ("dob", "d o b", "date of birth", "birth date", "born"),
    "group": ("group urn", "group ref", "group reference", "ocg ref", "ocg urn", "ocg", "group",
              "group id", "ocg id"),
    "primary_market": ("main market", "primary market", "market"),
    "lead_area": ("lead area", "area", "lead lpa", "lpa"),
    "identified_on": ("date identified", "identified", "identified on", "mapped on"),
    "lro": ("lro", "lead responsible officer"),
    "role": ("role", "member role", "status in group"),
    "start": ("start", "start date", "joined", "from"),
    "end": ("end", "end date", "left", "to"),
    "current": ("current", "current member", "active"),
    "kind": ("type", "kind", "location type"),
    "easting": ("easting", "x", "grid easting"),
    "northing": ("northing", "y", "grid northing"),
    "lon": ("lon", "long", "longitude"),
    "lat": ("lat", "latitude"),
    "label": ("label", "description", "address"),
    "type": ("type", "partner type", "agency type"),
    "date": ("date", "date of disruption", "disruption date"),
}  # fmt: skip
_NAME_SYNONYMS = {
    "group": ("group name", "ocg name", "name"),
    "nominal": ("full name", "name", "person", "nominal"),
    "partner": ("partner", "partner name", "agency", "organisation", "name"),
}


def guess_columns(record_type: str, headers: tuple[str, ...] | list[str]) -> dict[str, str]:
    """A first mapping for ``record_type`` from a sheet's headers (the app's wizard starts here).

    A field maps to the header equal to its name or a common synonym (ignoring case, spacing and
    punctuation); fields with no such header are left unmapped for the person to choose.
    """
    by_norm = {normalise(h): h for h in headers if normalise(h)}
    out: dict[str, str] = {}
    for fld in RECORD_TYPES[record_type]:
        synonyms = _NAME_SYNONYMS.get(record_type, ()) if fld == "name" else _SYNONYMS.get(fld, ())
        for want in (normalise(fld), *synonyms):
            if want in by_norm and by_norm[want] not in out.values():
                out[fld] = by_norm[want]
                break
    if record_type == "nominal" and "surname" in out:
        out.pop("name", None)
    return out
