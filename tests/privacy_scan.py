"""Scan exported files for personal data (tests only): every byte and every extracted word.

``sensitive_terms`` reads, from a socmap database, every nominal's name (surname, forenames,
"forenames surname"), alias and address, every OCG's name and alias and every recorded location
label (an address). ``document_texts`` turns an export into the texts to search: the raw bytes,
every decompressed PDF stream and the text pypdf extracts (with the document information and
XMP metadata), every part of a DOCX or other zip, SVG/XML text, PNG text chunks. ``find_terms``
normalises both sides (NFKC, soft hyphens and zero-width characters removed, case folded,
whitespace collapsed) and matches whole words.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"), None)


def normalise(text: str) -> str:
    """NFKC, invisible characters removed, case folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(INVISIBLE).casefold()
    return " ".join(text.split())


@dataclass(frozen=True)
class Term:
    """One string that must not appear, and what it is."""

    text: str
    kind: str


def sensitive_terms(db_path: Path | str, *, min_len: int = 3) -> list[Term]:
    """Every nominal name, alias and address, OCG name and alias, and location label."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        out: list[Term] = []
        for surname, forenames, aliases, address in con.execute(
            "SELECT surname, forenames, aliases, address_label FROM nominals"
        ):
            out.append(Term(surname, "surname"))
            for f in (forenames or "").split():
                out.append(Term(f, "forename"))
            if forenames:
                out.append(Term(f"{forenames} {surname}", "full name"))
            out += [Term(a, "nominal alias") for a in json.loads(aliases or "[]")]
            if address:
                out.append(Term(address, "nominal address"))
        for name, aliases in con.execute("SELECT name, aliases FROM ocgs"):
            out.append(Term(name, "OCG name"))
            out += [Term(a, "OCG alias") for a in json.loads(aliases or "[]")]
        for (label,) in con.execute("SELECT DISTINCT label FROM locations WHERE label <> ''"):
            out.append(Term(label, "location address"))
    finally:
        con.close()
    seen: set[str] = set()
    terms = []
    for t in out:
        key = normalise(t.text)
        if len(key) >= min_len and key not in seen:
            seen.add(key)
            terms.append(Term(key, t.kind))
    return terms


def _texty(part: bytes) -> str | None:
    """``part`` as text when it is text (not an image or font): else None (binary noise would
    match short names by chance)."""
    text = part.decode("utf-8", errors="replace")
    if not text:
        return None
    printable = sum(c.isprintable() or c in "\r\n\t" for c in text)
    return text if printable >= 0.97 * len(text) else None


_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def _pdf_texts(data: bytes) -> list[str]:
    from pypdf import PdfReader

    texts: list[str] = []
    # the file's own text (objects, dictionaries, document information) without the streams
    texts.append(_STREAM.sub(b"stream endstream", data).decode("latin-1"))
    # every stream, decompressed (content streams, XMP metadata, embedded text)
    for m in _STREAM.finditer(data):
        raw = m.group(1)
        try:
            part = zlib.decompress(raw)
        except zlib.error:
            part = raw
        text = _texty(part)
        if text is not None:
            texts.append(text)
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        texts.append(page.extract_text() or "")
    if reader.metadata:
        texts.extend(str(v) for v in reader.metadata.values())
    xmp = reader.xmp_metadata
    if xmp is not None:
        texts.append(xmp.rdf_root.toxml() if hasattr(xmp, "rdf_root") else str(xmp))
    return texts


def _png_texts(data: bytes) -> list[str]:
    out = []
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind in (b"tEXt", b"iTXt"):
            out.append(body.decode("utf-8", errors="replace"))
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\x00")
            out.append(key.decode("latin-1") + " " + zlib.decompress(rest[1:]).decode("latin-1"))
        pos += 12 + length
    return out


def document_texts(path: Path | str) -> list[str]:
    """The texts to search in one exported file (bytes, decompressed parts, extracted text)."""
    data = Path(path).read_bytes()
    texts: list[str] = []
    if data.startswith(b"%PDF"):
        texts += _pdf_texts(data)
    elif data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                text = _texty(z.read(name))
                if text is not None:
                    texts.append(text)
                    # text split across XML runs: also search with the tags taken out
                    texts.append(re.sub(r"<[^>]+>", "", text))
    elif data.startswith(b"\x89PNG"):
        texts += _png_texts(data)
    else:
        text = data.decode("utf-8", errors="replace")
        texts += [text, re.sub(r"<[^>]+>", " ", text)]
    return texts


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", normalise(text))


def find_terms(texts: list[str], terms: list[Term]) -> list[tuple[Term, str]]:
    """(term, context) for every term found as a whole-word sequence in any of ``texts``.

    Punctuation and spacing between words do not matter ("Op. Market" matches "op market").
    """
    wanted: dict[tuple[str, ...], Term] = {}
    for t in terms:
        key = tuple(_words(t.text))
        if key:
            wanted.setdefault(key, t)
    longest = max((len(k) for k in wanted), default=0)
    hits: dict[tuple[str, ...], str] = {}
    for text in texts:
        words = _words(text)
        for i in range(len(words)):
            for n in range(1, longest + 1):
                key = tuple(words[i : i + n])
                if len(key) < n:
                    break
                if key in wanted and key not in hits:
                    hits[key] = " ".join(words[max(0, i - 8) : i + n + 8])
    return [(wanted[k], ctx) for k, ctx in hits.items()]
