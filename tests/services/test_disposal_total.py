"""Disposal is total (issue 12, finding 3): no spelling of the person's name is left anywhere.

A demo nominal named in a profile narrative (every stored version, text and HTML), in an
imported file's name and in the intelligence text is disposed of; then the database file and
its WAL, read as bytes and normalised (NFKC, invisible characters removed, case folded), hold no
spelling of the full name, alias or address, and ``socmap audit verify`` still passes.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from socmap.cli import main
from socmap.services import intel_import, profiles, review
from socmap.store import audit
from socmap.store import review as review_rows
from socmap.store.db import open_store

INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)


def _file_text(path: Path) -> str:
    data = path.read_bytes()
    for extra in (Path(f"{path}-wal"), Path(f"{path}-journal")):
        if extra.exists():
            data += extra.read_bytes()
    text = data.decode("utf-8", errors="replace") + data.decode("latin-1")
    text = unicodedata.normalize("NFKC", text).translate(INVISIBLE).casefold()
    return re.sub(r"[\W_]+", " ", text)


def test_disposal_leaves_no_spelling_of_the_name(
    demo_path: Path, tmp_path: Path, capsys: Any
) -> None:
    s = open_store(demo_path)
    nid, surname, forenames, aliases, address = s.conn.execute(
        "SELECT id, surname, forenames, aliases, address_label FROM nominals"
        " WHERE surname = 'Vellridge' AND forenames = 'Shane'"
    ).fetchone()
    alias = aliases.strip('[]"')
    area = profiles.find_area(s, "Telford & Wrekin")
    sv = profiles.sections(s, area.id)["threat"]
    assert "Shane Vellridge" in sv.text  # the demo's narrative names him
    # a later version spells him every way the issue lists, in the text and the HTML
    spelled = (
        "Shane Vell\u00adridge's brother; SHANE VELL\u200bRIDGE; Vellridge, Shane; "
        f"'{alias}' at {address}; Ｓｈａｎｅ Ｖｅｌｌｒｉｄｇｅ."
    )
    profiles.save_section(
        s,
        area_id=area.id,
        section="threat",
        html=f"<p>{spelled}</p>",
        text=sv.text + "\n" + spelled,
        owner=sv.owner,
        sources=sv.sources,
        based_on=sv.version,
    )
    # an imported file named after him, whose rows mention him
    csv = tmp_path / "intel_Shane_Vellridge.csv"
    csv.write_text(
        "date,type,grading,grade,handling,conditions,text,easting,northing,marking\n"
        "2026-10-01,drugs supply,3x5x2,1B,P,,Shane Vellridge seen at the garage,370000,310000,\n",
        encoding="utf-8",
    )
    intel_import.import_intel(s, csv)
    s.close()
    before = _file_text(demo_path)
    assert "shane vellridge" in before and "intel shane vellridge csv" in before

    s = open_store(demo_path)
    report, _ = review.dispose(s, "nominal", nid, rationale="no continuing policing purpose")
    assert report.compacted
    assert (
        review_rows.chained_fields_mentioning(
            s, lambda t: "vellridge" in t.casefold() and "shane" in t.casefold()
        )
        == []
    )
    s.close()

    after = _file_text(demo_path)
    needles = {
        f"{forenames} {surname}",
        f"{surname} {forenames}",
        f"intel {forenames} {surname}",
        address,
        f"{alias} at",
    }
    for needle in needles:
        key = re.sub(r"[\W_]+", " ", needle.casefold())
        assert key not in after, f"'{needle}' is still in the file after disposal"
    # the relative (Ben Vellridge) and the groups named after the family keep their names
    assert "vellridge family" in after
    assert main(["audit", "verify", "--db", str(demo_path)]) == 0
    s = open_store(demo_path)
    try:
        narrative = profiles.sections(s, area.id)["threat"].text
        assert "[name withheld]" in narrative and "Shane" not in narrative
        assert audit.verify_chain(s) is None
    finally:
        s.close()
