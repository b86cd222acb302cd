"""``socmap assign``: copy a CSV of points and add the area each row falls in, streamed in chunks."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from socmap.domain.cells import neutralise_cell
from socmap.domain.errors import ImportFailed, SocmapError
from socmap.domain.text import plural
from socmap.geo.project import to_bng
from socmap.services.csv_points import (
    check_half_coordinates,
    check_row_width,
    detect_point_columns,
    parse_numbers,
    read_rows,
    sniff_format,
)
from socmap.services.csv_points import chunk_rows as in_chunks
from socmap.services.geography import area_index
from socmap.services.output import (
    Written,
    check_target,
    format_for,
    open_database_role,
    write_file,
)
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.store import areas as area_store
from socmap.store import audit
from socmap.store.db import Store

CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class AssignSummary:
    """What ``assign_csv`` did: rows in each area, outside the force, without coordinates."""

    rows: int
    in_area: int
    outside: int
    missing: int  # empty coordinates
    unparseable: int  # non-empty but not numbers (or out of range)
    by_area: dict[str, int] = field(default_factory=dict)
    x_column: str = ""
    y_column: str = ""
    crs: str = ""
    area_column: str = "area"

    def line(self) -> str:
        """The one-line summary printed on stderr."""
        return (
            f"assigned {plural(self.rows, 'row')} ({self.x_column}/{self.y_column}, {self.crs}): "
            f"{self.in_area:,} in an area, {self.outside:,} outside the force, "
            f"{self.missing + self.unparseable:,} without usable coordinates "
            f"({self.missing:,} missing, {self.unparseable:,} unparseable)"
        )


def assign_csv(
    store: Store,
    source: Path | str,
    output: Path | str,
    *,
    x_column: str | None = None,
    y_column: str | None = None,
    crs: str | None = None,
    encoding: str = "utf-8",
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> AssignSummary:
    """Copy ``source`` to ``output`` with an ``area`` column (empty outside every area).

    Every row and column is copied unchanged (same encoding, BOM, delimiter and line ending);
    rows whose coordinates are missing or unparseable keep an empty area and are counted. A row
    with more fields than the header, or with only one of its two coordinates, refuses the file
    (as ``socmap intel import`` does), naming the row. Area names that a spreadsheet would read
    as formulas are written neutralised (:func:`socmap.domain.cells.neutralise_cell`).
    The output appears only when the whole file was read (written beside it, then renamed),
    and the file's SHA-256 is recorded in the audit trail.

    Raises:
        ImportFailed: the input cannot be read (encoding, CSV, coordinate columns, CRS).
    """
    progress = progress or NullProgress()
    src, dst = Path(source), Path(output)
    if dst.resolve() == src.resolve():
        raise SocmapError(f"{dst}: the output must be a different file from the input")
    if open_database_role(store, src):
        # reading it with open() would drop SQLite's locks on it
        raise SocmapError(f"{src} is the open database, not a CSV of points")
    check_target(store, dst)
    format_for(dst, None, ("csv", "tsv", "txt"), default="csv")  # named as the text it holds
    names = {int(a.id): a.name for a in area_store.list_areas(store)}
    if not names:
        raise SocmapError(
            "the database has no areas; import boundaries first (socmap areas import)"
        )
    # Area names go into a spreadsheet column: one that looks like a formula is neutralised.
    labels_of = {k: neutralise_cell(v) for k, v in names.items()}
    index = area_index(store)
    fmt = sniff_format(src, encoding)
    meter = [0]
    rows = read_rows(src, fmt, meter=meter)
    try:
        _n, header = next(rows)
    except StopIteration:
        raise ImportFailed(str(src), "the file is empty") from None
    cols = detect_point_columns(src, header, x_column=x_column, y_column=y_column, crs=crs)
    area_col = "area" if "area" not in header else "socmap_area"
    total_bytes = max(src.stat().st_size, 1)
    counts: Counter[str] = Counter()
    n_rows = outside = missing = unparseable = 0
    width = len(header)

    def write(tmp: Path) -> None:
        nonlocal n_rows, outside, missing, unparseable
        with tmp.open("w", encoding=fmt.encoding, newline="") as out:
            if fmt.bom:
                out.write("\ufeff")
            writer = csv.writer(out, delimiter=fmt.delimiter, lineterminator=fmt.lineterminator)
            writer.writerow([*header, area_col])
            for block in in_chunks(rows, chunk_rows, meter):
                check_cancelled(progress)
                chunk = [r for _n, r in block]
                numbers = [row_no for row_no, r in block if r]
                data = [r for r in chunk if r]
                for row_no, r in zip(numbers, data, strict=True):
                    check_row_width(src, row_no, r, width)
                xs, x_bad = parse_numbers(
                    [r[cols.x_index] if len(r) > cols.x_index else "" for r in data]
                )
                ys, y_bad = parse_numbers(
                    [r[cols.y_index] if len(r) > cols.y_index else "" for r in data]
                )
                check_half_coordinates(src, numbers, xs, ys, cols, x_bad, y_bad)
                usable_in = np.isfinite(xs) & np.isfinite(ys)
                e, n = to_bng(xs, ys, cols.crs)
                usable = np.isfinite(e) & np.isfinite(n)
                assigned = index.assign(e, n)
                bad = x_bad | y_bad | (usable_in & ~usable)
                unparseable += int(bad.sum())
                missing += int((~usable & ~bad).sum())
                outside += int((usable & (assigned == 0)).sum())
                n_rows += len(data)
                counts.update(names[int(a)] for a in assigned if int(a) in names)
                labels = [labels_of.get(int(a), "") for a in assigned]
                k = 0
                for r in chunk:
                    if not r:
                        continue  # a blank line stays blank
                    if len(r) < width:
                        r.extend([""] * (width - len(r)))
                    r.append(labels[k])
                    k += 1
                writer.writerows(chunk)
                progress.advance(min(out.tell(), total_bytes), total_bytes)

    def record(written: Written) -> None:
        audit.record(
            store,
            action="export",
            entity="assign",
            summary=f"areas assigned to {plural(n_rows, 'row')} of {src.name}, written to {dst.name}",
            extra={"file": dst.name, "sha256": written.sha256, "rows": n_rows},
        )

    write_file(store, dst, write, record)
    progress.advance(total_bytes, total_bytes)
    return AssignSummary(
        rows=n_rows,
        in_area=sum(counts.values()),
        outside=outside,
        missing=missing,
        unparseable=unparseable,
        by_area={name: counts.get(name, 0) for name in names.values()},
        x_column=cols.x,
        y_column=cols.y,
        crs=cols.crs,
        area_column=area_col,
    )
