"""Reading CSV files of points (police.uk crimes, intelligence logs) row by row, streamed.

Shared by ``socmap assign`` and the intelligence import: encoding and BOM handling with exact
line numbers in errors, delimiter sniffing, and recognising coordinate columns.
Row numbers count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from socmap.domain.errors import ImportFailed
from socmap.domain.text import plural
from socmap.geo.project import BNG, WGS84, normalise_crs

UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

#: The header row must end within this many bytes of the start of the file.
HEADER_LIMIT = 4 << 20
#: Longest line (characters) and longest row (a quoted field may span lines) read.
MAX_LINE_CHARS = 1 << 20
MAX_ROW_CHARS = 4 << 20
#: Most columns a header may name.
MAX_COLUMNS = 2000
#: A chunk of rows is handed on at this many characters, whatever its row count: with the
#: row and column limits above, memory stays bounded whatever the file holds.
CHUNK_CHARS = 4 << 20

#: Coordinate column pairs recognised without options, in order, with their CRS.
KNOWN_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("Longitude", "Latitude", WGS84),  # data.police.uk street-level CSVs
    ("longitude", "latitude", WGS84),  # data.police.uk API extracts
    ("easting", "northing", BNG),
)


@dataclass(frozen=True)
class CsvFormat:
    """How a CSV file is written, so a copy can be written the same way."""

    encoding: str
    bom: bool
    delimiter: str
    lineterminator: str


def require_regular_file(path: Path) -> None:
    """Refuse a missing input, or one that is not a regular file (a pipe would block reading)."""
    if not path.is_file():
        if path.exists():
            raise ImportFailed(str(path), "is not a regular file (a folder, pipe or device)")
        raise ImportFailed(str(path), "the file does not exist")


def sniff_format(path: Path, encoding: str = "utf-8") -> CsvFormat:
    """Encoding (with BOM), delimiter and line ending of a CSV file.

    Raises:
        ImportFailed: the file is missing, empty, UTF-16 or its encoding is unknown.
    """
    require_regular_file(path)
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise ImportFailed(str(path), f"unknown text encoding '{encoding}'") from None
    if codec.startswith(("utf-16", "utf-32")):
        raise ImportFailed(
            str(path),
            f"--encoding {encoding}: UTF-16 and UTF-32 files cannot be read (a file without a "
            "byte-order mark cannot even be decoded reliably); save it as UTF-8 CSV and try again",
            field="--encoding",
        )
    with path.open("rb") as fh:
        head = fh.read(65536)
        if head.startswith(_UTF16_BOMS):
            raise ImportFailed(
                str(path), "the file is UTF-16 text; save it as UTF-8 CSV and try again"
            )
        if b"\x00" in head:
            raise ImportFailed(
                str(path),
                "holds NUL bytes, so it is not a CSV text file (a spreadsheet, a database or a "
                "damaged file?); save it as CSV and try again",
            )
        if not head.strip():
            raise ImportFailed(str(path), "the file is empty")
        while b"\n" not in head and b"\r" not in head and len(head) < HEADER_LIMIT:
            more = fh.read(65536)
            if not more:
                break
            if b"\x00" in more:
                raise ImportFailed(
                    str(path), "holds NUL bytes, so it is not a CSV text file; save it as CSV"
                )
            head += more
    if b"\n" not in head and b"\r" not in head and len(head) >= HEADER_LIMIT:
        raise ImportFailed(
            str(path),
            f"has no header row: no line ends within its first {HEADER_LIMIT >> 20} MB "
            "(is it a CSV file?)",
        )
    bom = head.startswith(UTF8_BOM)
    if bom:  # a UTF-8 byte-order mark says what the encoding is
        head = head[len(UTF8_BOM) :]
        encoding = "utf-8"
    first = head.split(b"\n", 1)[0]
    terminator = "\r\n" if first.endswith(b"\r") else "\n"
    text = first.decode(encoding, errors="replace")
    counts = {d: text.count(d) for d in (",", ";", "\t", "|")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    return CsvFormat(encoding, bom, delimiter, terminator)


def _first_bad_line(path: Path, fmt: CsvFormat) -> ImportFailed:
    """The error for the first line that does not decode (a slow scan, run only on failure)."""
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            if n == 1 and fmt.bom:
                raw = raw[len(UTF8_BOM) :]
            try:
                raw.decode(fmt.encoding)
            except UnicodeDecodeError as exc:
                bad = raw[exc.start : exc.start + 1].hex()
                return ImportFailed(
                    str(path),
                    f"is not {fmt.encoding} text (byte 0x{bad} at character {exc.start + 1} "
                    "cannot be decoded); save it as UTF-8, or name its encoding with --encoding "
                    "(e.g. --encoding cp1252)",
                    row=n,
                )
    return ImportFailed(str(path), f"is not {fmt.encoding} text")


class _LineTooLong(Exception):
    pass


def _bounded_lines(fh: TextIO, meter: list[int]) -> Iterator[str]:
    """The file's lines, refusing one longer than MAX_LINE_CHARS (never read whole)."""
    readline = fh.readline
    while True:
        line = readline(MAX_LINE_CHARS)
        if not line:
            return
        meter[0] += len(line)
        if len(line) >= MAX_LINE_CHARS and line[-1] not in "\r\n":
            raise _LineTooLong
        yield line


def read_rows(
    path: Path, fmt: CsvFormat, *, meter: list[int] | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(row number, fields) for every row, the header first; a quoted field may span lines.

    Streamed with bounded memory: a line over MAX_LINE_CHARS, a row over MAX_ROW_CHARS or a
    header naming more than MAX_COLUMNS columns is refused. ``meter[0]`` counts the characters
    read so far (for chunking by size, see :func:`chunk_rows`).

    Raises:
        ImportFailed: naming the row of the first byte that does not decode, or bad CSV.
    """
    encoding = "utf-8-sig" if fmt.bom else fmt.encoding
    meter = meter if meter is not None else [0]
    start = 1
    try:
        with path.open(encoding=encoding, newline="") as fh:
            reader = csv.reader(_bounded_lines(fh, meter), delimiter=fmt.delimiter, strict=True)
            last = 0
            for fields in reader:
                if meter[0] - last > MAX_ROW_CHARS:
                    raise ImportFailed(
                        str(path),
                        f"the row is longer than {MAX_ROW_CHARS >> 20} M characters (an "
                        "unclosed quote?)",
                        row=start,
                    )
                last = meter[0]
                if start == 1 and len(fields) > MAX_COLUMNS:
                    raise ImportFailed(
                        str(path),
                        f"the header names {plural(len(fields), 'column')}; at most {MAX_COLUMNS:,}",
                        row=1,
                    )
                yield start, fields
                start = reader.line_num + 1
    except UnicodeDecodeError:
        raise _first_bad_line(path, fmt) from None
    except _LineTooLong:
        raise ImportFailed(
            str(path),
            f"a line is longer than {MAX_LINE_CHARS >> 20} M characters; it is not a CSV of "
            "records",
            row=start,
        ) from None
    except csv.Error as exc:
        raise ImportFailed(str(path), f"is not valid CSV ({exc})", row=start) from None


def chunk_rows(
    rows: Iterator[tuple[int, list[str]]], size: int, meter: list[int]
) -> Iterator[list[tuple[int, list[str]]]]:
    """Rows in chunks of at most ``size`` rows and about CHUNK_CHARS characters (``meter`` is
    the one given to :func:`read_rows`)."""
    chunk: list[tuple[int, list[str]]] = []
    mark = meter[0]
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size or meter[0] - mark > CHUNK_CHARS:
            yield chunk
            chunk = []
            mark = meter[0]
    if chunk:
        yield chunk


def check_row_width(path: Path, n: int, row: Sequence[str], width: int) -> None:
    """Refuse a row with more fields than its header names (row ``n``)."""
    if len(row) > width:
        raise ImportFailed(
            str(path),
            f"has {len(row)} fields but the header names {width} (a stray delimiter, or an "
            "unquoted value holding one?)",
            row=n,
        )


def check_half_coordinates(
    path: Path,
    numbers: Sequence[int],
    xs: np.ndarray,
    ys: np.ndarray,
    pts: PointColumns,
    x_bad: np.ndarray | None = None,
    y_bad: np.ndarray | None = None,
) -> None:
    """Refuse the first row that gives only one of its two coordinates, naming the missing one.

    ``numbers`` are the rows' numbers, in the order of ``xs`` and ``ys`` (as from
    :func:`parse_numbers`, whose masks of given-but-unparseable values ``x_bad``/``y_bad`` count
    as given).
    """
    x_given = np.isfinite(xs) if x_bad is None else np.isfinite(xs) | x_bad
    y_given = np.isfinite(ys) if y_bad is None else np.isfinite(ys) | y_bad
    half = x_given != y_given
    if half.any():
        k = int(np.flatnonzero(half)[0])
        raise ImportFailed(
            str(path),
            "only one of the two coordinates is given",
            row=numbers[k],
            field=pts.y if x_given[k] else pts.x,
        )


def find_column(header: Sequence[str], *names: str) -> int | None:
    """Index of the first of ``names`` in ``header`` (exact first, then ignoring case/spaces)."""
    for name in names:
        if name in header:
            return list(header).index(name)
    keys = [h.strip().casefold().replace(" ", "_") for h in header]
    for name in names:
        key = name.strip().casefold().replace(" ", "_")
        if key in keys:
            return keys.index(key)
    return None


@dataclass(frozen=True)
class PointColumns:
    """Which columns hold the coordinates, and in which CRS."""

    x: str
    y: str
    x_index: int
    y_index: int
    crs: str


def detect_point_columns(
    path: Path,
    header: Sequence[str],
    *,
    x_column: str | None = None,
    y_column: str | None = None,
    crs: str | None = None,
) -> PointColumns:
    """The coordinate columns: as named, else police.uk/easting-northing ones recognised.

    With named columns and no CRS, lon/lat-like names mean EPSG:4326, anything else EPSG:27700.

    Raises:
        ImportFailed: a named column is missing, none is recognised, or the CRS is unknown.
    """
    fields = ", ".join(header)
    if crs is not None:
        try:
            crs = normalise_crs(crs)
        except ValueError as exc:
            raise ImportFailed(str(path), str(exc), field="--crs") from None
    if (x_column is None) != (y_column is None):
        raise ImportFailed(str(path), "give both --x-column and --y-column, or neither")
    if x_column is not None and y_column is not None:
        idx = []
        for col in (x_column, y_column):
            i = find_column(header, col)
            if i is None:
                raise ImportFailed(str(path), f"there is no column '{col}' (columns: {fields})")
            idx.append(i)
        if crs is None:
            lonlat = {"lon", "long", "lng", "longitude", "lat", "latitude"}
            names = {x_column.strip().casefold(), y_column.strip().casefold()}
            crs = WGS84 if names & lonlat else BNG
        return PointColumns(header[idx[0]], header[idx[1]], idx[0], idx[1], crs)
    for xn, yn, known_crs in KNOWN_COLUMNS:
        if xn in header and yn in header:
            xi, yi = list(header).index(xn), list(header).index(yn)
            return PointColumns(xn, yn, xi, yi, crs or known_crs)
    for xn, yn, known_crs in KNOWN_COLUMNS:
        xj, yj = find_column(header, xn), find_column(header, yn)
        if xj is not None and yj is not None:
            return PointColumns(header[xj], header[yj], xj, yj, crs or known_crs)
    raise ImportFailed(
        str(path),
        "no coordinate columns recognised (expected Longitude/Latitude, longitude/latitude or "
        f"easting/northing); name them with --x-column and --y-column (columns: {fields})",
    )


def parse_numbers(values: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(numbers with NaN where missing or unparseable, mask of non-empty unparseable values)."""
    arr = np.array(values, dtype=object)
    try:
        out = arr.astype(np.float64)
        bad = ~np.isfinite(out)
        out[bad] = np.nan
        return out, bad
    except (ValueError, TypeError):
        pass
    out = np.full(len(values), np.nan)
    bad = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):
        text = v.strip()
        if not text:
            continue
        try:
            f = float(text)
        except ValueError:
            bad[i] = True
            continue
        if np.isfinite(f):
            out[i] = f
        else:
            bad[i] = True
    return out, bad
