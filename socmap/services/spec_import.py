"""Import a force's own spreadsheet (.xlsx or .csv) through an import specification.

A specification (JSON) says, per sheet, which record types each row holds and which of the
force's columns fill which socmap fields::

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

``key`` names the column holding the force's stable identifier for the record; re-importing an
updated spreadsheet updates the records those keys were imported as instead of duplicating
them. A person with a key (the force's identifier) is matched on it. A person without one is
compared with everyone in the database and earlier in the file (normalised surname, first
forename initial and date of birth); a likely match is *proposed*, never merged: the person is
recorded as new unless ``accept`` maps the row (``Sheet:ROW``) to the existing id.

Headers are matched ignoring case, spacing and punctuation. The import is all or nothing: every
refused value is listed with its file, sheet, row and column, and nothing is written; otherwise
one transaction writes everything through the register's services plus one audit row with the
file's SHA-256.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socmap.domain.changes import Changes
from socmap.domain.disruptions import Disruption, validate_disruption
from socmap.domain.errors import Cancelled, ImportFailed, SocmapError, ValidationError
from socmap.domain.groups import (
    Location,
    Membership,
    Nominal,
    Ocg,
    validate_location,
    validate_membership,
    validate_nominal,
    validate_ocg,
)
from socmap.domain.ids import AreaId, GroupId, NominalId, parse_ocg_ref
from socmap.domain.partners import Partner, validate_partner
from socmap.domain.roles import Permission
from socmap.domain.text import Page
from socmap.services import disruptions, partners, register
from socmap.services.auth import require
from socmap.services.boundaries import file_sha256
from socmap.services.geography import coordinates_to_bng
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.store import areas, audit, groups, import_keys
from socmap.store import partners as partner_rows
from socmap.store.db import Store

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


def _norm(text: object) -> str:
    return re.sub(r"[^0-9a-z]+", " ", str(text or "").casefold()).strip()


def _norm_name(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


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
        return {str(k): {_norm(a): b for a, b in v.items()} for k, v in raw.items()}

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
        first = next((r for r in rows if any(_cell(c) for c in r)), ())
        out[name] = tuple(_cell(c) for c in first)
    return out


def read_sheets(path: Path, wanted: list[str]) -> dict[str, Sheet]:
    """The sheets named in the spec (case-insensitive), from an .xlsx or a .csv file."""
    path = Path(path)
    # a CSV holds one sheet: the spec's only sheet, or the one named like the file
    raw = _raw_sheets(path, wanted[0] if len(wanted) == 1 else path.stem)
    by_norm = {_norm(k): k for k in raw}
    out: dict[str, Sheet] = {}
    for want in wanted:
        have = by_norm.get(_norm(want))
        if have is None:
            raise ImportFailed(str(path), f"no sheet '{want}' (sheets: {', '.join(raw) or 'none'})")
        rows = raw[have]
        first = next((i for i, r in enumerate(rows) if any(_cell(c) for c in r)), None)
        if first is None:
            out[want] = Sheet(have, (), ())
            continue
        headers = tuple(_cell(c) for c in rows[first])
        body = tuple(
            (i + 1, r) for i, r in enumerate(rows) if i > first and any(_cell(c) for c in r)
        )
        out[want] = Sheet(have, headers, body)
    return out


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ------------------------------------------------------------------------------ planning


@dataclass
class Problem:
    """A refused value: where it is and why."""

    sheet: str
    row: int
    column: str
    reason: str

    def text(self, path: Path) -> str:
        """``file, sheet S, row R, column 'C': reason``."""
        col = f", column '{self.column}'" if self.column else ""
        return f"{path.name}, sheet {self.sheet}, row {self.row}{col}: {self.reason}"


@dataclass
class Candidate:
    """A person in the file who may be someone already known (never merged silently)."""

    row: str
    name: str
    matches: list[str]
    #: what ``accept`` takes for each match, in the same order: a nominal id or ``Sheet:ROW``
    targets: list[str] = field(default_factory=list)

    def text(self) -> str:
        """One line for the preview."""
        return f"{self.row} {self.name}: may be " + "; ".join(self.matches)


@dataclass
class Item:
    """One record to write: its type, where it came from, its fields and its key."""

    type: str
    sheet: str
    row: int
    key: str | None
    fields: dict[str, Any]
    columns: dict[str, str]
    ref: str = ""  # 'Sheet:ROW'
    action: str = ""  # create / update / unchanged (filled by the plan)
    target: int | None = None
    bad: bool = False  # a value on this record was refused while reading


@dataclass
class SpecPlan:
    """What an import would do."""

    path: Path
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """{type: {create: n, update: n, unchanged: n}}."""
        out: dict[str, dict[str, int]] = {}
        for it in self.items:
            out.setdefault(it.type, {}).setdefault(it.action or "create", 0)
            out[it.type][it.action or "create"] += 1
        return out

    def lines(self) -> list[str]:
        """The preview as text."""
        lines = [f"{self.path.name}:"]
        for kind, c in self.counts().items():
            lines.append(f"  {kind}: " + ", ".join(f"{v} to {k}" for k, v in sorted(c.items())))
        lines += [f"  candidate match: {c.text()}" for c in self.candidates]
        lines += [f"  REFUSED: {p.text(self.path)}" for p in self.problems]
        return lines


class _Reader:
    """Turns one row's cells into typed field values, collecting problems."""

    def __init__(self, spec: Spec, plan: SpecPlan) -> None:
        self.spec = spec
        self.plan = plan

    def value(
        self, rec: RecordSpec, sheet: Sheet, row: int, cells: tuple[Any, ...], fld: str
    ) -> Any:
        col = rec.columns.get(fld)
        if col is None:
            return None
        idx = self.index(sheet, col)
        if idx is None:
            return None
        raw = cells[idx] if idx < len(cells) else None
        text = _cell(raw)
        if text == "":
            return None
        mapping = rec.values.get(fld) or self.spec.values.get(fld)
        if mapping:
            key = _norm(text)
            if key in mapping:
                return mapping[key]
        if fld in DATE_FIELDS:
            return self.date(raw, text, sheet.name, row, col)
        if fld in ("easting", "northing", "lon", "lat"):
            try:
                return float(text.replace(",", ""))
            except ValueError:
                self.problem(sheet.name, row, col, f"'{text}' is not a number")
                return None
        if fld == "current":
            self.problem(sheet.name, row, col, f"'{text}' is not yes or no (map it in 'values')")
            return None
        return text

    def index(self, sheet: Sheet, column: str) -> int | None:
        want = _norm(column)
        for i, h in enumerate(sheet.headers):
            if _norm(h) == want:
                return i
        return None

    def date(self, raw: Any, text: str, sheet: str, row: int, col: str) -> dt.date | None:
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        if isinstance(raw, int | float) and 1 < raw < 100000:  # an Excel serial day number
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(raw))
        for fmt in (*self.spec.date_formats, "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        self.problem(sheet, row, col, f"'{text}' is not a date in a known format")
        return None

    def problem(self, sheet: str, row: int, col: str, reason: str) -> None:
        self.plan.problems.append(Problem(sheet, row, col, reason))


def _split(text: object) -> tuple[str, ...]:
    return tuple(p.strip() for p in re.split(r"[;,]", str(text or "")) if p.strip())


def plan(store: Store, path: Path, spec: Spec, *, accept: dict[str, str] | None = None) -> SpecPlan:
    """Read the file and work out every record to create or update (nothing is written)."""
    path = Path(path)
    sheets = read_sheets(path, list(spec.sheets))
    p = SpecPlan(path)
    reader = _Reader(spec, p)
    for sheet_name, recs in spec.sheets.items():
        sheet = sheets[sheet_name]
        for rec in recs:
            for fld, col in (*rec.columns.items(), *((("key", rec.key),) if rec.key else ())):
                if reader.index(sheet, col) is None:
                    p.problems.append(
                        Problem(sheet.name, 1, col, f"no column '{col}' for {rec.type} {fld} "
                                f"(columns: {', '.join(h for h in sheet.headers if h)})")
                    )  # fmt: skip
        if any(pr.sheet == sheet.name for pr in p.problems):
            continue
        for row, cells in sheet.rows:
            for rec in recs:
                known = len(p.problems)
                fields = {f: reader.value(rec, sheet, row, cells, f) for f in rec.columns}
                key = None
                if rec.key:
                    idx = reader.index(sheet, rec.key)
                    key = _cell(cells[idx]) if idx is not None and idx < len(cells) else ""
                    key = key or None
                for req in REQUIRED[rec.type]:
                    if fields.get(req) in (None, "") and req in rec.columns:
                        reader.problem(
                            sheet.name, row, rec.columns.get(req, req), f"{req} is required"
                        )
                if rec.type == "nominal" and not (fields.get("surname") or fields.get("name")):
                    reader.problem(
                        sheet.name,
                        row,
                        rec.columns.get("surname", rec.columns.get("name", "surname")),
                        "the person's surname is required",
                    )
                item = Item(
                    rec.type, sheet.name, row, key, fields, rec.columns, f"{sheet.name}:{row}"
                )
                item.bad = len(p.problems) > known
                p.items.append(item)
    if any(pr.row == 1 and pr.reason.startswith("no column") for pr in p.problems):
        return p
    _resolve(store, spec, p, accept or {})
    return p


def _resolve(store: Store, spec: Spec, p: SpecPlan, accept: dict[str, str]) -> None:
    """Decide create/update for every item and check it through the domain's validation."""
    area_ids = {a.name.casefold(): int(a.id) for a in areas.list_areas(store)}
    group_by_key: dict[str, Item | int] = {}
    person_by_key: dict[str, Item | int] = {}
    known = import_keys.nominal_identities(store)
    seen_people: list[Item] = []

    def problem(it: Item, fld: str, reason: str) -> None:
        p.problems.append(Problem(it.sheet, it.row, it.columns.get(fld, fld), reason))

    def existing(kind: str, key: str | None, exists: Callable[[int], bool]) -> int | None:
        if not key:
            return None
        rid = import_keys.lookup(store, system=spec.system, kind=kind, key=key)
        return rid if rid is not None and exists(rid) else None

    by_type: dict[str, list[Item]] = {}
    for it in p.items:
        by_type.setdefault(it.type, []).append(it)

    for it in by_type.get("group", []):
        f = it.fields
        if it.bad:
            if it.key:
                group_by_key[it.key] = it
            continue
        lead = f.get("lead_area")
        if lead and str(lead).casefold() not in area_ids:
            problem(it, "lead_area", f"there is no area called '{lead}'")
            continue
        it.target = existing("group", it.key, lambda i: groups.ocg_exists(store, i))
        base = groups.get_ocg(store, it.target) if it.target else Ocg(name="")
        edits: dict[str, Any] = {"name": f["name"]}
        for src, dst in (("status", "status"), ("primary_market", "primary_market"),
                         ("lro", "lro"), ("identified_on", "identified_on"), ("notes", "notes"),
                         ("marking", "marking")):  # fmt: skip
            if src in it.columns and f.get(src) is not None:
                edits[dst] = f[src]
        if "aliases" in it.columns and f.get("aliases") is not None:
            edits["aliases"] = _split(f["aliases"])
        if lead:
            edits["lead_area_id"] = AreaId(area_ids[str(lead).casefold()])
        new = dataclasses.replace(base, **edits)
        try:
            checked = validate_ocg(new)
        except ValidationError as exc:
            problem(it, exc.field, str(exc))
            continue
        it.fields["_record"] = new
        it.action = "create" if it.target is None else (
            "unchanged" if validate_ocg(base) == checked else "update"
        )  # fmt: skip
        if it.key:
            group_by_key[it.key] = it

    for it in by_type.get("partner", []):
        f = it.fields
        if it.bad:
            continue
        key = it.key or str(f["name"])
        it.key = key
        pid = existing("partner", key, lambda i: partner_rows.partner_exists(store, i))
        if pid is None:
            pid = partner_rows.partner_id_by_name(store, str(f["name"]))
        it.target = pid
        names = _split(f.get("areas"))
        missing = [a for a in names if a.casefold() not in area_ids]
        if missing:
            problem(it, "areas", f"there is no area called '{missing[0]}'")
            continue
        base_p = partner_rows.get_partner(store, pid) if pid else None
        new_p = Partner(
            name=str(f["name"]),
            partner_type=str(f["type"]),
            area_ids=tuple(area_ids[a.casefold()] for a in names),
            isa_reference=str(f.get("isa_reference") or ""),
            isa_expires=f.get("isa_expires"),
            notes=str(f.get("notes") or ""),
        )
        if base_p is not None:
            new_p = dataclasses.replace(base_p, **{
                k: getattr(new_p, k) for k in ("name", "partner_type", "area_ids", "isa_reference",
                                             "isa_expires", "notes")})  # fmt: skip
        try:
            validate_partner(new_p)
        except ValidationError as exc:
            problem(it, "type", str(exc))
            continue
        it.fields["_record"] = new_p
        it.action = "create" if base_p is None else ("unchanged" if base_p == new_p else "update")

    for it in by_type.get("nominal", []):
        f = it.fields
        if it.bad:
            if it.key:
                person_by_key[it.key] = it
            continue
        surname, forenames = f.get("surname"), f.get("forenames")
        if not surname and f.get("name"):
            s_, _, fn = str(f["name"]).partition(",")
            surname, forenames = s_.strip(), forenames or fn.strip()
        dob = f.get("date_of_birth")
        it.target = existing("nominal", it.key, lambda i: groups.nominal_exists(store, i))
        accepted = accept.get(it.ref)
        if accepted is not None and it.target is None:
            if accepted.isdigit() and groups.nominal_exists(store, int(accepted)):
                it.target = int(accepted)
            elif accepted in {x.ref for x in seen_people}:
                it.fields["_same_as"] = accepted
            else:
                problem(it, "surname", f"--accept-match {it.ref}={accepted}: no such person")
                continue
        base_n = groups.get_nominal(store, it.target) if it.target else Nominal(surname="")
        new_n = dataclasses.replace(
            base_n,
            surname=str(surname or ""),
            forenames=str(forenames or base_n.forenames or ""),
            date_of_birth=dob if dob is not None else base_n.date_of_birth,
            aliases=_split(f["aliases"]) if f.get("aliases") else base_n.aliases,
        )
        try:
            checked_n = validate_nominal(new_n)
        except ValidationError as exc:
            problem(it, "surname", str(exc))
            continue
        it.fields["_record"] = new_n
        if it.fields.get("_same_as"):
            it.action = "same person"
        else:
            it.action = "create" if it.target is None else (
                "unchanged" if validate_nominal(base_n) == checked_n else "update"
            )  # fmt: skip
        if it.target is None and not it.key and accepted is None:
            # no force identifier: propose likely matches, never merge them silently
            sig = (_norm_name(str(surname)), _norm_name(str(forenames or ""))[:1], dob)
            matches: list[str] = []
            targets: list[str] = []
            for nid, sn, fn, born in known:
                when = dt.date.fromisoformat(born) if born else None
                if (_norm_name(sn), _norm_name(fn)[:1], when) == sig:
                    matches.append(f"nominal {nid} ({sn.upper()}, {fn})")
                    targets.append(str(nid))
            for other in seen_people:
                o = other.fields["_record"]
                if (_norm_name(o.surname), _norm_name(o.forenames)[:1], o.date_of_birth) == sig:
                    matches.append(f"row {other.ref} ({o.full_name})")
                    targets.append(other.ref)
            if matches:
                p.candidates.append(Candidate(it.ref, checked_n.full_name, matches, targets))
        seen_people.append(it)
        if it.key:
            person_by_key[it.key] = it

    def group_of(it: Item) -> Item | int | None:
        g = str(it.fields.get("group") or "")
        if g in group_by_key:
            return group_by_key[g]
        rid = existing("group", g, lambda i: groups.ocg_exists(store, i))
        if rid is not None:
            return rid
        try:
            oid = int(parse_ocg_ref(g))
        except ValueError:
            oid = 0
        if oid and groups.ocg_exists(store, oid):
            return oid
        problem(it, "group", f"no group with key or reference '{g}'")
        return None

    row_person = {(x.sheet, x.row): x for x in by_type.get("nominal", [])}
    for it in by_type.get("membership", []):
        f = it.fields
        if it.bad:
            continue
        grp = group_of(it)
        if grp is None:
            continue
        if f.get("nominal"):
            person: Item | int | None = person_by_key.get(str(f["nominal"])) or existing(
                "nominal", str(f["nominal"]), lambda i: groups.nominal_exists(store, i)
            )
            if person is None:
                problem(it, "nominal", f"no person with key '{f['nominal']}'")
                continue
        else:
            person = row_person.get((it.sheet, it.row))
            if person is None:
                problem(it, "nominal", "no person on this row (add a nominal record or a column)")
                continue
        role = f.get("role")
        end = f.get("end")
        if f.get("current") is False and end is None:
            end = dt.date.today()
        try:
            m = validate_membership(
                Membership(
                    ocg_id=GroupId(0),
                    nominal_id=NominalId(0),
                    role=str(role),  # type: ignore[arg-type]
                    start=f.get("start"),
                    end=end,
                    tags=_split(f.get("tags")),
                )
            )
        except ValidationError as exc:
            problem(it, exc.field, str(exc))
            continue
        it.fields["_record"] = m
        it.fields["_group"] = grp
        it.fields["_person"] = person
        it.action = "create"
        gid = grp if isinstance(grp, int) else grp.target
        pid = person if isinstance(person, int) else person.target
        if gid and pid:
            for em, _n in groups.members_of(store, gid):
                if em.nominal_id == pid:
                    it.target = int(em.id or 0)
                    same = (em.role, em.start, em.end, em.tags) == (m.role, m.start, m.end, m.tags)
                    it.action = "unchanged" if same else "update"
                    break

    for it in by_type.get("location", []):
        f = it.fields
        if it.bad:
            continue
        grp = group_of(it)
        if grp is None:
            continue
        try:
            if f.get("easting") is not None and f.get("northing") is not None:
                e, n, crs = coordinates_to_bng(f["easting"], f["northing"], "bng")
                sx, sy = f["easting"], f["northing"]
            elif f.get("lon") is not None and f.get("lat") is not None:
                e, n, crs = coordinates_to_bng(f["lon"], f["lat"], "wgs84")
                sx, sy = f["lon"], f["lat"]
            else:
                problem(it, "easting", "give easting and northing, or lon and lat")
                continue
            loc = validate_location(
                Location(ocg_id=GroupId(0), kind=str(f["kind"]), easting=e, northing=n,
                         label=str(f.get("label") or ""), source_x=sx, source_y=sy,
                         source_crs=crs)
            )  # fmt: skip
        except ValidationError as exc:
            problem(it, exc.field if exc.field in it.columns else "kind", str(exc))
            continue
        it.fields["_record"] = loc
        it.fields["_group"] = grp
        it.target = existing("location", it.key, lambda i: _location_exists(store, i))
        it.action = "create"
        if it.target is not None:
            old = groups.get_location(store, it.target)
            same = (old.kind, old.easting, old.northing, old.label) == (
                loc.kind, loc.easting, loc.northing, loc.label)  # fmt: skip
            it.action = "unchanged" if same else "update"

    for it in by_type.get("disruption", []):
        f = it.fields
        if it.bad:
            continue
        grp = group_of(it)
        if grp is None:
            continue
        partner_id = None
        if f.get("partner"):
            partner_id = partner_rows.partner_id_by_name(store, str(f["partner"]))
            if partner_id is None and not any(
                x.fields["name"] == f["partner"] for x in by_type.get("partner", [])
            ):
                problem(it, "partner", f"no partner agency called '{f['partner']}'")
                continue
        try:
            d = validate_disruption(
                Disruption(ocg_id=0, occurred_on=f["date"], strand=str(f["strand"]),
                           tactic=str(f["tactic"]), level=str(f["level"]),
                           rationale=str(f["rationale"]),
                           lead_agency=str(f.get("lead_agency") or "Police")),
                today=dt.date.today(),
            )  # fmt: skip
        except ValidationError as exc:
            problem(it, exc.field if exc.field in it.columns else "tactic", str(exc))
            continue
        it.fields["_record"] = d
        it.fields["_group"] = grp
        it.fields["_partner"] = f.get("partner")
        it.target = existing("disruption", it.key, lambda i: _disruption_exists(store, i))
        # a recorded disruption is changed through its approval, never by re-import
        it.action = "create" if it.target is None else "unchanged"


def _location_exists(store: Store, location_id: int) -> bool:
    try:
        groups.get_location(store, location_id)
    except SocmapError:
        return False
    return True


def _disruption_exists(store: Store, disruption_id: int) -> bool:
    try:
        disruptions.get_disruption(store, disruption_id)
    except SocmapError:
        return False
    return True


# ------------------------------------------------------------------------------ writing


@dataclass(frozen=True)
class SpecImportResult:
    """What the import did (or would do)."""

    plan: SpecPlan
    written: bool
    sha256: str


def _ids(items: list[Item]) -> Iterator[Item]:
    order = {t: i for i, t in enumerate(ORDER)}
    yield from sorted(items, key=lambda it: order[it.type])


def import_file(
    store: Store,
    path: Path,
    *,
    spec_path: Path | None = None,
    spec: Spec | None = None,
    dry_run: bool = False,
    accept: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> SpecImportResult:
    """Import a spreadsheet through its specification: all or nothing, audited.

    Args:
        spec_path: the specification file (the CLI), or
        spec: a specification already checked (the app's import wizard builds one);
            ``spec_path``, when also given, names it in the audit row.
        progress: advanced per record written; when cancelled the transaction rolls back.

    Raises:
        ImportFailed: any refused value (all listed, with file, sheet, row and column).
        Cancelled: the user cancelled (nothing was written).
    """
    require(store, Permission.EDIT, action="import spreadsheets")
    if spec is None:
        if spec_path is None:
            raise ImportFailed(str(path), "a spreadsheet import needs a specification")
        spec = load_spec(spec_path)
    spec_name = Path(spec_path).name if spec_path is not None else f"a mapping ({spec.system})"
    progress = progress or NullProgress()
    path = Path(path)
    p = plan(store, path, spec, accept=accept)
    sha = file_sha256(path)
    if dry_run:
        return SpecImportResult(p, False, sha)
    if p.problems:
        raise ImportFailed(
            str(path),
            f"{len(p.problems)} value(s) refused, nothing imported: "
            + "; ".join(pr.text(path) for pr in p.problems),
        )
    sysname = spec.system

    def remember(kind: str, it: Item, rid: int) -> None:
        it.target = rid
        if it.key:
            import_keys.remember(store, system=sysname, kind=kind, key=it.key, record_id=rid)

    def gid(ref: Item | int) -> int:
        return ref if isinstance(ref, int) else int(ref.target or 0)

    refs = {it.ref + it.type: it for it in p.items}
    total = len(p.items)
    progress.status(f"Importing {path.name}…")
    try:
        with store.atomic():
            for done, it in enumerate(_ids(p.items)):
                check_cancelled(progress)  # raised inside the transaction: it all rolls back
                if done % 25 == 0:
                    progress.advance(done, total)
                rec: Any = it.fields.get("_record")
                if it.type == "group":
                    if it.action == "create":
                        stored, _ = register.create_ocg(store, rec)
                        remember("group", it, int(stored.id or 0))
                    elif it.action == "update":
                        cur = groups.get_ocg(store, it.target or 0)
                        stored, _ = register.update_ocg(
                            store, dataclasses.replace(rec, id=cur.id, version=cur.version)
                        )
                elif it.type == "partner":
                    if it.action == "create":
                        sp, _ = partners.create_partner(store, rec)
                        remember("partner", it, int(sp.id or 0))
                    elif it.action == "update":
                        cur_p = partner_rows.get_partner(store, it.target or 0)
                        partners.update_partner(
                            store, dataclasses.replace(rec, version=cur_p.version)
                        )
                        remember("partner", it, int(it.target or 0))
                elif it.type == "nominal":
                    if it.fields.get("_same_as"):
                        it.target = refs[it.fields["_same_as"] + "nominal"].target
                    elif it.action == "create":
                        sn, _ = register.create_nominal(store, rec)
                        remember("nominal", it, int(sn.id or 0))
                    else:
                        if it.action == "update":
                            cur_n = groups.get_nominal(store, it.target or 0)
                            register.update_nominal(
                                store, dataclasses.replace(rec, version=cur_n.version)
                            )
                        remember("nominal", it, int(it.target or 0))
                elif it.type == "membership":
                    grp, person = it.fields["_group"], it.fields["_person"]
                    m = dataclasses.replace(
                        rec, ocg_id=GroupId(gid(grp)), nominal_id=NominalId(gid(person))
                    )
                    if it.action == "create":
                        # the person may already belong (a same-person match or an update)
                        have = [
                            em for em, _n in groups.members_of(store, m.ocg_id)
                            if em.nominal_id == m.nominal_id
                        ]  # fmt: skip
                        if have:
                            register.update_membership(store, dataclasses.replace(m, id=have[0].id))
                        else:
                            register.add_membership(store, m)
                    elif it.action == "update":
                        register.update_membership(store, dataclasses.replace(m, id=it.target))
                elif it.type == "location":
                    loc = dataclasses.replace(rec, ocg_id=GroupId(gid(it.fields["_group"])))
                    if it.action == "update":
                        register.remove_location(store, it.target or 0)
                    if it.action in ("create", "update"):
                        sl, _ = register.add_location(store, loc)
                        remember("location", it, int(sl.id or 0))
                elif it.type == "disruption" and it.action == "create":
                    pname = it.fields.get("_partner")
                    pid = partner_rows.partner_id_by_name(store, str(pname)) if pname else None
                    d = dataclasses.replace(
                        rec,
                        ocg_id=gid(it.fields["_group"]),
                        partner_ids=(pid,) if pid else (),
                    )
                    sd, _ = disruptions.record_disruption(store, d)
                    remember("disruption", it, int(sd.id or 0))
            counts = p.counts()
            audit.record(
                store,
                action="import",
                entity="import",
                entity_id=sha,
                summary=f"spreadsheet {path.name} imported with {spec_name}: "
                + "; ".join(
                    f"{k} " + ", ".join(f"{v} {a}" for a, v in sorted(c.items()))
                    for k, c in counts.items()
                ),
                extra={
                    "source": path.name,
                    "sha256": sha,
                    "spec": spec_name,
                    "system": sysname,
                    "counts": counts,
                    "candidates": [c.row for c in p.candidates],
                },
            )
            progress.advance(total, total)
    except Cancelled:
        raise
    except SocmapError as exc:
        raise ImportFailed(str(path), f"nothing imported: {exc}") from None
    return SpecImportResult(p, True, sha)


def parse_accept(values: list[str] | None) -> dict[str, str]:
    """``--accept-match Sheet:ROW=NOMINAL_ID`` (or ``=Sheet:ROW`` for a person earlier in the file)."""
    out: dict[str, str] = {}
    for v in values or []:
        row, sep, target = v.partition("=")
        if not sep or ":" not in row or not target.strip():
            raise ValidationError("accept-match", f"'{v}' is not SHEET:ROW=NOMINAL_ID")
        out[row.strip()] = target.strip()
    return out


# ------------------------------------------------------------------------------ preview


@dataclass(frozen=True)
class PreviewRow:
    """One record of the preview as the app's import wizard lists it."""

    ref: str  # 'Sheet:ROW'
    type: str
    action: str  # create / update / unchanged / same person / refused
    key: str
    values: str  # 'field: value; ...' as read from the row
    problems: tuple[str, ...]  # the CLI's one-line messages for this row


def preview_rows(p: SpecPlan, *, limit: int = 200) -> Page[PreviewRow]:
    """The first ``limit`` records of ``p`` with each row's refused values (same text as the CLI).

    A :class:`Page`: its ``total`` is how many records the file holds.
    """
    by_row: dict[tuple[str, int], list[str]] = {}
    for pr in p.problems:
        by_row.setdefault((pr.sheet, pr.row), []).append(pr.text(p.path))
    out = []
    for it in p.items[:limit]:
        shown = "; ".join(
            f"{k}: {v.isoformat() if isinstance(v, dt.date) else v}"
            for k, v in it.fields.items()
            if not k.startswith("_") and v not in (None, "")
        )
        problems = tuple(
            t for t in by_row.get((it.sheet, it.row), []) if _column_of(t) in _columns_of(it)
        ) or (tuple(by_row.get((it.sheet, it.row), [])) if it.bad or not it.action else ())
        action = "refused" if problems else (it.action or "create")
        out.append(PreviewRow(it.ref, it.type, action, it.key or "", shown, problems))
    return Page(out, total=len(p.items))


def _column_of(text: str) -> str:
    m = re.search(r", column '([^']*)':", text)
    return m.group(1) if m else ""


def _columns_of(it: Item) -> set[str]:
    return {*it.columns.values(), *(f for f in it.columns), ""}


def changes_of(p: SpecPlan) -> Changes:
    """What an import of ``p`` touched, for the app's views to refresh."""
    kinds = {"group": ("ocg", "schedule"), "nominal": ("nominal",),
             "membership": ("membership", "ocg"), "location": ("location", "ocg"),
             "partner": ("partner",), "disruption": ("disruption",)}  # fmt: skip
    out = Changes.of("audit")
    for it in p.items:
        if it.action in ("create", "update"):
            for k in kinds[it.type]:
                out = out | Changes.of(k)
    return out


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
    by_norm = {_norm(h): h for h in headers if _norm(h)}
    out: dict[str, str] = {}
    for fld in RECORD_TYPES[record_type]:
        synonyms = _NAME_SYNONYMS.get(record_type, ()) if fld == "name" else _SYNONYMS.get(fld, ())
        for want in (_norm(fld), *synonyms):
            if want in by_norm and by_norm[want] not in out.values():
                out[fld] = by_norm[want]
                break
    if record_type == "nominal" and "surname" in out:
        out.pop("name", None)
    return out
