"""Cells written to files people open in spreadsheets: the one formula-injection neutraliser.

Every exporter that writes CSV or XLSX cells (``socmap assign``'s area column, audit extracts,
register and briefing tables) passes text through :func:`neutralise_cell`, so a value that
begins like a formula (``=HYPERLINK(...)``, ``+1``, ``-1``, ``@SUM``) is shown as text, never run.
"""

from __future__ import annotations

#: Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> str:
    """``value`` as text, prefixed with ``'`` when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
