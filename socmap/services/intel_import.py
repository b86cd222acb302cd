"""``socmap intel import``: graded intelligence points (or police.uk crimes) from CSV or a layer.

The whole file goes in one transaction with one audit row (source, counts, SHA-256); a bad row
refuses the file, naming the row and field, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from socmap.domain.changes import Changes
from socmap.domain.errors import ConflictError, ImportFailed, ValidationError
from socmap.domain.grading import parse_grading
from socmap.domain.limits import date_problem
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.domain.vocab import DEFAULT_MARKING, parse_marking
from socmap.geo.project import WGS84, on_geo_thread, to_bng
from socmap.services.auth import require
from socmap.services.boundaries import file_sha256
from socmap.services.csv_points import (
    PointColumns,
    check_half_coordinates,
    check_row_width,
    chunk_rows,
    detect_point_columns,
    find_column,
    parse_numbers,
    read_rows,
    require_regular_file,
    sniff_format,
)
from socmap.services.geography import area_index
from socmap.services.neighbourhoods import sync as sync_neighbourhoods
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.store import audit, bulk, intel_rows
from socmap.store import review as review_rows
from socmap.store.db import Store

CHUNK_ROWS = 20_000
LAYER_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".zip")

#: Recognised columns (first match wins; matching ignores case, spaces and underscores).
DATE_COLUMNS = ("date", "reported_on", "reported", "Month", "month")
CATEGORY_COLUMNS = ("Crime type", "crime_type", "type", "category")
SCHEME_COLUMNS = ("grading_scheme", "scheme", "grading")
GRADE_COLUMNS = ("grade",)
HANDLING_COLUMNS = ("handling", "handling_code")
CONDITIONS_COLUMNS = ("handling_conditions", "conditions")
TEXT_COLUMNS = ("text", "description", "details", "summary", "notes")
MARKING_COLUMNS = ("marking", "protective_marking")
OCG_COLUMNS = ("ocg", "ocg_id", "ocg_ref")
# police.uk street-level CSVs (and the API extract in ../shared/data)
POLICE_UK_TEXT = (
    ("Location", "street_name"),
    ("Crime ID", "persistent_id"),
    ("Last outcome category", "outcome_category"),
)

INSERT_COLUMNS = (
    "reported_on",
    "category",
    "grading_scheme",
    "grade",
    "handling",
    "handling_conditions",
    "text",
    "easting",
    "northing",
    "source_x",
    "source_y",
    "source_crs",
    "area_id",
    "ocg_id",
    "marking",
    "batch",
    "source_ref",
)


@dataclass(frozen=True)
class IntelImportReport:
    """What an intelligence import wrote."""

    source: str
    sha256: str
    batch: str
    rows: int
    imported: int
    filtered_out: int
    located: int
    outside: int
    unlocated: int
    graded: int
    police_uk: bool
    by_category: dict[str, int] = field(default_factory=dict)
    #: police.uk crimes left out because a crime with the same Crime ID is already held.
    duplicates: int = 0

    def lines(self) -> list[str]:
        """The report as lines for people."""
        out = [
            f"imported {self.imported:,} of {plural(self.rows, 'row')} from {self.source} "
            f"(batch {self.batch})"
            + (
                " as police.uk crimes (no grading; public open data, never queued for MoPI review)"
                if self.police_uk
                else ""
            ),
            f"{self.located:,} located ({self.outside:,} outside the force), "
            f"{self.unlocated:,} without coordinates; {self.graded:,} graded",
        ]
        if self.filtered_out:
            out.append(f"{plural(self.filtered_out, 'row')} left out by --only")
        if self.duplicates:
            out.append(
                f"{plural(self.duplicates, 'crime')} left out: already imported (same police.uk Crime ID)"
            )
        out += [f"  {cat or '(no category)'}: {n:,}" for cat, n in self.by_category.items()]
        return out


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d")


def parse_report_date(text: str) -> str | None:
    """An ISO date (or ``YYYY-MM`` for police.uk months) from common forms; None when empty.

    Raises:
        ValueError: not a date.
    """
    value = text.strip()
    if not value:
        return None
    if re.fullmatch(r"\d{4}-\d{2}", value):
        dt.date.fromisoformat(value + "-01")
        return value
    head = value.split("T")[0].split(" ")[0]
    for f in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(head, f).date().isoformat()
        except ValueError:
            continue
    raise ValueError(value)


def _date_limit_problem(iso: str, today: dt.date) -> str | None:
    """Why a parsed report date cannot be right (future, before 1900); None when it can."""
    day = dt.date.fromisoformat(iso + "-01" if len(iso) == 7 else iso)
    return date_problem(day, today=today)


def _infer_scheme(grade: str) -> str:
    g = grade.strip().upper()
    if len(g) == 2 and g[0] in "123" and g[1] in "ABCDE":
        return "3x5x2"
    if len(g) == 2 and g[0] in "ABCDE" and g[1] in "12345":
        return "5x5x5"
    return ""


@dataclass
class _Table:
    """A header and its rows as strings, from a CSV file or a point layer."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    points: PointColumns
    meter: list[int] = field(default_factory=lambda: [0])  # characters read (CSV only)


def _csv_table(
    path: Path,
    *,
    encoding: str,
    x_column: str | None,
    y_column: str | None,
    crs: str | None,
) -> _Table:
    fmt = sniff_format(path, encoding)
    meter = [0]
    rows = read_rows(path, fmt, meter=meter)
    try:
        _n, header = next(rows)
    except StopIteration:
        raise ImportFailed(str(path), "the file is empty") from None
    cols = detect_point_columns(path, header, x_column=x_column, y_column=y_column, crs=crs)
    return _Table(header, rows, cols, meter)


def _layer_table(path: Path, *, layer: str | None) -> _Table:
    import warnings

    import pyogrio
    import shapely

    from socmap.geo.layers import list_layers

    layers = list_layers(path)
    if layer is None and len(layers) > 1:
        names = ", ".join(lay.name for lay in layers)
        raise ImportFailed(
            str(path), f"holds {plural(len(layers), 'layer')} ({names}); choose one with --layer"
        )
    info = next((lay for lay in layers if layer in (None, lay.name)), None)
    if info is None:
        raise ImportFailed(str(path), f"has no layer '{layer}'")
    if not info.crs:
        raise ImportFailed(str(path), "has no coordinate reference system; save it with one")
    try:

        def read() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return pyogrio.raw.read(path, layer=info.name)

        meta, _fids, wkbs, data = on_geo_thread(read)
    except Exception as exc:
        raise ImportFailed(
            str(path), f"cannot be read ({' '.join(str(exc).split())[:200]})"
        ) from None
    geoms = shapely.from_wkb(wkbs)
    for i, g in enumerate(geoms, start=1):
        if g is not None and not g.is_empty and g.geom_type != "Point":
            raise ImportFailed(
                str(path), f"feature holds a {g.geom_type}; intelligence must be points", row=i
            )
    xs = ["" if g is None or g.is_empty else repr(float(g.x)) for g in geoms]
    ys = ["" if g is None or g.is_empty else repr(float(g.y)) for g in geoms]
    header = [str(f) for f in meta["fields"]] + ["__x", "__y"]
    columns = [["" if v is None else str(v) for v in col] for col in data]

    def rows() -> Iterator[tuple[int, list[str]]]:
        for i in range(len(geoms)):
            yield i + 1, [col[i] for col in columns] + [xs[i], ys[i]]

    from socmap.geo.project import normalise_crs

    try:
        crs = normalise_crs(info.crs)
    except ValueError as exc:
        raise ImportFailed(str(path), str(exc)) from None
    n = len(header)
    return _Table(header, rows(), PointColumns("__x", "__y", n - 2, n - 1, crs))


def _out_of_range_column(pts: PointColumns, x: float, y: float) -> str:
    """The column to blame for coordinates out of range: latitude when it is past 90 degrees."""
    if pts.x in ("__x", "__y"):
        return "geometry"
    if pts.crs == WGS84 and abs(y) > 90 and abs(x) <= 180:
        return pts.y
    return pts.x


def _cell(row: list[str], i: int | None) -> str:
    return row[i].strip() if i is not None and i < len(row) else ""


def _columns(h: Sequence[str]) -> tuple[dict[str, int | None], bool]:
    """Which column holds what, and whether the file is a police.uk crime extract."""
    col = {
        "date": find_column(h, *DATE_COLUMNS),
        "category": find_column(h, *CATEGORY_COLUMNS),
        "scheme": find_column(h, *SCHEME_COLUMNS),
        "grade": find_column(h, *GRADE_COLUMNS),
        "handling": find_column(h, *HANDLING_COLUMNS),
        "conditions": find_column(h, *CONDITIONS_COLUMNS),
        "text": find_column(h, *TEXT_COLUMNS),
        "marking": find_column(h, *MARKING_COLUMNS),
        "ocg": find_column(h, *OCG_COLUMNS),
    }
    police_uk = (
        find_column(h, "Crime type", "crime_type") is not None
        and col["grade"] is None
        and col["scheme"] is None
    )
    return col, police_uk


def _open_table(
    path: Path,
    *,
    encoding: str,
    x_column: str | None,
    y_column: str | None,
    crs: str | None,
    layer: str | None,
) -> _Table:
    require_regular_file(path)
    if path.suffix.lower() in LAYER_SUFFIXES:
        return _layer_table(path, layer=layer)
    return _csv_table(path, encoding=encoding, x_column=x_column, y_column=y_column, crs=crs)


@dataclass(frozen=True)
class IntelFilePreview:
    """What an intelligence file holds, before importing it (for the import dialog)."""

    columns: dict[str, str]  # what -> column name, for the columns recognised
    coordinates: str  # e.g. "Longitude/Latitude (EPSG:4326)"
    police_uk: bool
    rows: int
    categories: dict[str, int]  # category -> rows, most common first


def preview_intel(
    path: Path | str,
    *,
    encoding: str = "utf-8",
    layer: str | None = None,
    progress: Progress | None = None,
) -> IntelFilePreview:
    """Read an intelligence file's columns and categories without importing it.

    Raises:
        ImportFailed: the file cannot be read or has no coordinate columns.
    """
    progress = progress or NullProgress()
    path = Path(path)
    table = _open_table(
        path, encoding=encoding, x_column=None, y_column=None, crs=None, layer=layer
    )
    col, police_uk = _columns(table.header)
    counts: Counter[str] = Counter()
    rows = 0
    for _n, row in table.rows:
        if not row or not any(c.strip() for c in row):
            continue
        rows += 1
        counts[_cell(row, col["category"])] += 1
        if rows % 50_000 == 0:
            check_cancelled(progress)
    pts = table.points
    coords = "geometry" if pts.x == "__x" else f"{pts.x}/{pts.y}"
    return IntelFilePreview(
        columns={k: table.header[i] for k, i in col.items() if i is not None},
        coordinates=f"{coords} ({pts.crs})",
        police_uk=police_uk,
        rows=rows,
        categories=dict(counts.most_common()),
    )


def import_intel(
    store: Store,
    path: Path | str,
    *,
    encoding: str = "utf-8",
    x_column: str | None = None,
    y_column: str | None = None,
    crs: str | None = None,
    layer: str | None = None,
    only: Sequence[str] = (),
    progress: Progress | None = None,
) -> tuple[IntelImportReport, Changes]:
    """Import intelligence points from a CSV file or a point layer, all or nothing.

    Columns (case and spaces ignored): date/reported_on/Month, Crime type/crime_type/type/category,
    grading_scheme, grade, handling, handling_conditions, text, marking, ocg, and coordinates as
    ``socmap assign`` finds them. police.uk CSVs import with no grading. ``only`` keeps rows of
    those categories. Rows marked SECRET or above are refused.

    Raises:
        PermissionDenied: the account may not edit.
        ImportFailed: naming the file, row and field of the first bad row; nothing is written.
        ConflictError: the same file (by SHA-256) was imported before.
    """
    progress = progress or NullProgress()
    require(store, Permission.EDIT, action="import intelligence")
    path = Path(path)
    require_regular_file(path)
    digest = file_sha256(path)
    wanted = {c.strip().casefold() for c in only if c.strip()}

    def refuse_if_imported_before() -> None:
        # Run inside the write transaction: two imports of one file at once cannot both pass.
        earlier = intel_rows.categories_with_digest(store, digest[:16])
        overlap = sorted(c for c in earlier if not wanted or c.casefold() in wanted)
        if overlap:
            raise ConflictError(
                f"{path}: this file was imported before ({earlier[overlap[0]]}, categories "
                f"{', '.join(c or '(none)' for c in overlap[:5])}); nothing was written"
            )

    table = _open_table(
        path, encoding=encoding, x_column=x_column, y_column=y_column, crs=crs, layer=layer
    )
    h = table.header
    col, police_uk = _columns(h)
    extra_text = [find_column(h, *names) for names in POLICE_UK_TEXT] if police_uk else []
    known_ocgs = intel_rows.ocg_ids(store) if col["ocg"] is not None else set()
    index = area_index(store)
    # The batch label and the audit row's chained fields never hold the file's name: a name may
    # hold personal data ("intel_on_J_Smith.csv") and chained fields cannot be erased later.
    # The name goes in the audit payload, which disposal can scrub.
    batch = f"import@{digest[:16]}"
    total_bytes = max(path.stat().st_size, 1)
    by_cat: Counter[str] = Counter()
    n_rows = imported = filtered = located = outside = graded = duplicates = 0
    seen_refs: set[str] = set()
    today = dt.date.today()
    width = len(h)

    def field_name(key: str) -> str:
        i = col[key]
        return h[i] if i is not None else key

    def parse_row(n: int, row: list[str]) -> tuple[Any, ...]:
        check_row_width(path, n, row, width)
        try:
            reported = parse_report_date(_cell(row, col["date"]))
        except ValueError:
            raise ImportFailed(
                str(path),
                f"'{_cell(row, col['date'])}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
                row=n,
                field=field_name("date"),
            ) from None
        if reported is not None:
            problem = _date_limit_problem(reported, today)
            if problem:
                raise ImportFailed(str(path), problem, row=n, field=field_name("date"))
        grade = _cell(row, col["grade"])
        scheme = _cell(row, col["scheme"])
        handling = _cell(row, col["handling"])
        conditions = _cell(row, col["conditions"])
        grading = None
        if grade or scheme or handling:
            key = "grade"
            try:
                if not scheme:
                    scheme = _infer_scheme(grade)
                    if not scheme:
                        key = "scheme"
                        raise ValidationError(
                            "grading_scheme",
                            "no grading scheme given and the grade does not show it "
                            "(use 3x5x2 or 5x5x5)",
                        )
                grading = parse_grading(scheme, grade, handling, conditions)
            except ValidationError as exc:
                reason = exc.reason
                if "handling" in reason:
                    key = "handling"
                elif "scheme" in reason:
                    key = "scheme"
                raise ImportFailed(str(path), reason, row=n, field=field_name(key)) from None
        marking_text = _cell(row, col["marking"])
        try:
            marking = parse_marking(marking_text) if marking_text else DEFAULT_MARKING
        except ValidationError as exc:
            raise ImportFailed(str(path), exc.reason, row=n, field=field_name("marking")) from None
        ocg_id = None
        ocg_text = _cell(row, col["ocg"])
        if ocg_text:
            digits = re.fullmatch(r"(?i)(?:OCG-?)?0*(\d+)", ocg_text)
            if digits is None or int(digits.group(1)) not in known_ocgs:
                raise ImportFailed(
                    str(path), f"there is no OCG '{ocg_text}'", row=n, field=field_name("ocg")
                )
            ocg_id = int(digits.group(1))
        text = _cell(row, col["text"])
        source_ref = None
        if police_uk:
            bits = [_cell(row, i) for i in extra_text]
            where, crime_id, outcome = bits
            source_ref = f"police.uk:{crime_id}" if crime_id else None
            text = "; ".join(
                b
                for b in (
                    text,
                    where,
                    f"police.uk crime {crime_id}" if crime_id else "",
                    f"outcome: {outcome}" if outcome else "",
                )
                if b
            )
        return (
            reported,
            _cell(row, col["category"]),
            grading.scheme if grading else None,
            grading.grade if grading else None,
            grading.handling if grading else None,
            grading.conditions if grading else "",
            text,
            marking.value,
            ocg_id,
            source_ref,
        )

    def flush(chunk: list[tuple[int, list[str]]]) -> None:
        nonlocal imported, located, outside, graded, duplicates
        pts = table.points
        parsed = [parse_row(n, row) for n, row in chunk]
        refs = [p[9] for p in parsed if p[9] is not None]
        if refs:
            held = intel_rows.existing_source_refs(store, refs) | seen_refs
            keep = []
            for item in zip(chunk, parsed, strict=True):
                ref = item[1][9]
                if ref is not None and ref in held:
                    duplicates += 1
                    continue
                if ref is not None:
                    held.add(ref)
                    seen_refs.add(ref)
                keep.append(item)
            if not keep:
                return
            chunk = [c for c, _p in keep]
            parsed = [p for _c, p in keep]
        xs, x_bad = parse_numbers([_cell(r, pts.x_index) for _n, r in chunk])
        ys, y_bad = parse_numbers([_cell(r, pts.y_index) for _n, r in chunk])
        for bad, name in ((x_bad, pts.x), (y_bad, pts.y)):
            if bad.any():
                k = int(np.flatnonzero(bad)[0])
                raise ImportFailed(
                    str(path),
                    f"'{_cell(chunk[k][1], pts.x_index if name == pts.x else pts.y_index)}' "
                    "is not a coordinate",
                    row=chunk[k][0],
                    field=name if name not in ("__x", "__y") else "geometry",
                )
        check_half_coordinates(path, [n for n, _r in chunk], xs, ys, pts)
        e, nn = to_bng(xs, ys, pts.crs)
        lost = np.isfinite(xs) & ~np.isfinite(e)
        if lost.any():
            k = int(np.flatnonzero(lost)[0])
            raise ImportFailed(
                str(path),
                f"coordinates ({xs[k]}, {ys[k]}) are out of range for {pts.crs}",
                row=chunk[k][0],
                field=_out_of_range_column(pts, xs[k], ys[k]),
            )
        areas = index.assign(e, nn)
        out = []
        for k, p in enumerate(parsed):
            has = bool(np.isfinite(e[k]))
            out.append(
                (
                    *p[:7],
                    float(round(e[k], 1)) if has else None,
                    float(round(nn[k], 1)) if has else None,
                    float(xs[k]) if has else None,
                    float(ys[k]) if has else None,
                    pts.crs,
                    int(areas[k]) or None,
                    p[8],
                    p[7],
                    batch,
                    p[9],
                )
            )
            by_cat[p[1]] += 1
            graded += p[2] is not None
            located += has
            outside += has and not areas[k]
        imported += bulk.insert_rows(store, "intel", INSERT_COLUMNS, out)

    with store.atomic():
        refuse_if_imported_before()
        for block in chunk_rows(table.rows, CHUNK_ROWS, table.meter):
            check_cancelled(progress)
            chunk: list[tuple[int, list[str]]] = []
            for n, row in block:
                if not row or not any(c.strip() for c in row):
                    continue
                n_rows += 1
                if wanted and _cell(row, col["category"]).casefold() not in wanted:
                    filtered += 1
                    continue
                chunk.append((n, row))
            if chunk:
                flush(chunk)
            done = max(table.meter[0], n_rows * 100)
            progress.advance(min(done, total_bytes - 1), total_bytes)
        if imported == 0 and duplicates:
            raise ConflictError(
                f"{path}: every crime in this file was imported before (the same {duplicates:,} "
                "police.uk Crime IDs are already held); nothing was written"
            )
        if police_uk:  # public open data: not police information, outside MoPI review
            review_rows.mark_open_data(store, batch)
        if imported:
            sync_neighbourhoods(store)
        if imported == 0:
            raise ImportFailed(
                str(path),
                "no rows to import" + (" (none of the --only categories)" if wanted else ""),
            )
        report = IntelImportReport(
            source=path.name,
            sha256=digest,
            batch=batch,
            rows=n_rows,
            imported=imported,
            filtered_out=filtered,
            located=located,
            outside=outside,
            unlocated=imported - located,
            graded=graded,
            police_uk=police_uk,
            by_category=dict(by_cat.most_common()),
            duplicates=duplicates,
        )
        audit.record(
            store,
            action="import",
            entity="intel",
            entity_id=batch,
            summary=f"imported {plural(imported, 'intelligence row')} from a file "
            f"({located} located, {outside} outside the force; the file's name is in the "
            "recorded values)",
            after=dict(report.__dict__),
            extra={"source": path.name, "sha256": digest, "counts": dict(by_cat)},
        )
    progress.advance(total_bytes, total_bytes)
    return report, Changes.of("intel")
