"""Import a force's own spreadsheet (.xlsx or .csv) through an import specification
(:mod:`socmap.services.import_spec` says what one holds and reads the file).

Re-importing an updated spreadsheet updates the records its keys were imported as instead of
duplicating them. A person with a key (the force's identifier) is matched on it. A person without
one is compared with everyone in the database and earlier in the file (normalised surname, first
forename initial and date of birth); a likely match is *proposed*, never merged: the person is
recorded as new unless ``accept`` maps the row (``Sheet:ROW``) to the existing id.

The import is all or nothing: every refused value is listed with its file, sheet, row and column,
and nothing is written; otherwise one transaction writes everything through the register's
services plus one audit row with the file's SHA-256.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
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
from socmap.services.import_spec import (
    DATE_FIELDS,
    ORDER,
    REQUIRED,
    RecordSpec,
    Sheet,
    Spec,
    cell_text,
    load_spec,
    normalise,
    read_sheets,
)
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.store import areas, audit, groups, import_keys
from socmap.store import partners as partner_rows
from socmap.store.db import Store


def _norm_name(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


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
        text = cell_text(raw)
        if text == "":
            return None
        mapping = rec.values.get(fld) or self.spec.values.get(fld)
        if mapping:
            key = normalise(text)
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
        want = normalise(column)
        for i, h in enumerate(sheet.headers):
            if normalise(h) == want:
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
                    key = cell_text(cells[idx]) if idx is not None and idx < len(cells) else ""
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
