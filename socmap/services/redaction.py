"""Finding identities in free text: nominals' names, aliases and addresses, OCG names.

Used to *preview* what a partner-safe narrative must not say, and as a last check before a
person's partner-safe text is accepted. It is not a filter that makes uncleared text safe:
partner and neighbourhood documents carry free text only once a person has written or approved
a partner-safe version (``services.narrative_clearance``).

Text is normalised before matching: Unicode NFKC, soft hyphens and zero-width characters
removed, case folded. Matching is by whole words and covers possessives ("Vellridge's"),
plurals ("the Vellridges"), a surname or alias anywhere, a forename written with a capital, any
recorded address and any OCG name or alias (replaced by the group's reference). One pass over
the words with dictionary look-ups, so it costs the same with 45,000 nominals as with 40.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from socmap.domain.ids import format_ocg_ref
from socmap.store import profile_data as q
from socmap.store.db import Store

#: Characters that change nothing on the page but split a word for a naive search.
INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff\u180e")
NAME = "[name withheld]"
ALIAS = "[alias withheld]"
ADDRESS = "[address withheld]"
_WORD = re.compile(r"[^\W_]+")  # words; "_" separates them (file names)

#: UK street types and the abbreviations people write for them (normalised words), each mapped
#: to one canonical form so "162 Forge Ave" is found as "162 Forge Avenue" and the other way.
STREET_TYPES: dict[str, str] = {
    w: canon
    for canon, spellings in {
        "avenue": ("avenue", "ave", "av", "avn"),
        "road": ("road", "rd"),
        "street": ("street", "st", "str"),
        "lane": ("lane", "ln"),
        "drive": ("drive", "dr", "drv"),
        "close": ("close", "cl"),
        "crescent": ("crescent", "cres", "cresc", "cr"),
        "court": ("court", "ct"),
        "place": ("place", "pl"),
        "terrace": ("terrace", "terr", "ter", "tce"),
        "gardens": ("gardens", "gdns", "gdn"),
        "grove": ("grove", "gr", "gro", "grv"),
        "square": ("square", "sq"),
        "park": ("park", "pk"),
        "walk": ("walk", "wlk"),
        "way": ("way", "wy"),
        "mews": ("mews",),
        "hill": ("hill",),
        "row": ("row",),
        "green": ("green", "grn"),
        "parade": ("parade", "pde"),
        "boulevard": ("boulevard", "blvd"),
    }.items()
    for w in spellings
}


def _canonical_street(words: tuple[str, ...]) -> tuple[str, ...]:
    """``words`` with every street-type word (or abbreviation) in its canonical form."""
    return tuple(STREET_TYPES.get(w, w) for w in words)


def _address_variants(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The phrases an address is found by (canonical street types): the whole address, the
    house number and street ("162 forge avenue") and the number and street name without its
    type ("162 forge")."""
    canon = _canonical_street(words)
    out = [canon]
    types = [i for i, w in enumerate(words) if w in STREET_TYPES and i >= 2]
    if words and words[0].isdigit() and types:
        k = types[0]
        if k >= 2:  # a number, at least one name word, then the type
            out.append(canon[: k + 1])
            out.append(canon[:k])
    return out


#: Police ranks and roles written before an officer's name ("DI Ryan Zebley", "DS Zebley"): a
#: surname after one of them is an officer's, not a disposed nominal's.
RANK_TITLES = frozenset(
    [
        "pc",
        "dc",
        "ps",
        "ds",
        "di",
        "dci",
        "dsu",
        "dsupt",
        "supt",
        "insp",
        "inspector",
        "sgt",
        "sergeant",
        "det",
        "detective",
        "constable",
        "ch",
        "chief",
        "cc",
        "acc",
        "dcc",
        "cst",
        "pcso",
    ]
)


def normalise(text: str) -> tuple[str, list[int]]:
    """``text`` normalised (NFKC, invisible characters removed, case folded) and, for each
    character of the result, the index of the original character it came from."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch in INVISIBLE or unicodedata.category(ch) == "Cf":
            continue
        for c in unicodedata.normalize("NFKC", ch).casefold():
            out.append(c)
            where.append(i)
    return "".join(out), where


def normalise_text(text: str) -> str:
    """Just the normalised text (NFKC, invisible characters removed, case folded)."""
    return normalise(text)[0]


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(normalise_text(text)))


@dataclass(frozen=True)
class Finding:
    """One identity found in a text: where (original offsets), what and its replacement."""

    start: int
    end: int
    text: str
    kind: str  # "name", "alias", "address", "group", "unjudged"
    replacement: str


def _singular(word: str) -> list[str]:
    """The word and the forms it may be a plural of ("vellridges" -> "vellridge")."""
    out = [word]
    if len(word) > 3 and word.endswith("es"):
        out.append(word[:-2])
    if len(word) > 2 and word.endswith("s"):
        out.append(word[:-1])
    return out


class Redactor:
    """Finds (and replaces) every identity the database holds in a text."""

    def __init__(
        self,
        nominals: Iterable[tuple[int, str, str, str, str]],
        ocgs: Iterable[tuple[int, str, str]],
        location_labels: Iterable[str] = (),
        *,
        forenames_any_case: bool = False,
    ) -> None:
        """``forenames_any_case``: a forename alone is found however it is written (disposal
        scrubs one person's forenames everywhere); otherwise only when capitalised."""
        self.forenames_any_case = forenames_any_case
        # phrase (tuple of normalised words) -> (kind, replacement)
        self.phrases: dict[tuple[str, ...], tuple[str, str]] = {}
        # addresses, keyed by words with canonical street types (see STREET_TYPES)
        self.addresses: dict[tuple[str, ...], tuple[str, str]] = {}
        self.forenames: set[str] = set()
        self.longest = 1
        # disposal: the surname alone (kept when another person's forename or a rank precedes
        # it) and the words that are the person's own (their forenames, initials, aliases)
        self.surname_alone: set[tuple[str, ...]] = set()
        self.own_words: set[str] = set()
        for _nid, surname, forenames, aliases, address in nominals:
            for part in _WORD.findall(normalise_text(surname or "")):
                if len(part) > 1:
                    self._add((part,), "name", NAME)
            for f in _WORD.findall(normalise_text(forenames or "")):
                if len(f) > 1:
                    self.forenames.add(f)
            for alias in json.loads(aliases or "[]"):
                self._add(_words(alias), "alias", ALIAS)
            self._add(_words(address or ""), "address", ADDRESS)
        for oid, name, aliases in ocgs:
            ref = format_ocg_ref(int(oid))
            self._add(_words(name or ""), "group", ref)
            for alias in json.loads(aliases or "[]"):
                self._add(_words(alias), "group", ref)
        for label in location_labels:
            self._add(_words(label), "address", ADDRESS)

    @classmethod
    def for_person(
        cls,
        ident: tuple[int, str, str, str, str],
        *,
        surname_alone: bool,
        forenames_alone: bool,
    ) -> Redactor:
        """A redactor for one nominal (disposal): the full name in any order ("Shane
        Vellridge", "VELLRIDGE, Shane", "S Vellridge"), aliases and address, and the surname or
        forenames on their own only when nobody else in the database shares them."""
        r = cls([], [], [], forenames_any_case=forenames_alone)
        _id, surname, forenames, aliases, address = ident
        sur = _words(surname or "")
        fore = _words(forenames or "")
        if sur:
            if fore:
                r._add((*fore, *sur), "name", NAME)
                r._add((*sur, *fore), "name", NAME)
                r._add((fore[0], *sur), "name", NAME)
                r._add((*sur, fore[0]), "name", NAME)
                r._add((fore[0][0], *sur), "name", NAME)
            if surname_alone:
                r._add(sur, "name", NAME)
                r.surname_alone.add(sur)
        if forenames_alone:
            r.forenames.update(f for f in fore if len(f) > 1)
        r.own_words.update(fore)
        r.own_words.update(f[0] for f in fore)
        for alias in json.loads(aliases or "[]"):
            r._add(_words(alias), "alias", ALIAS)
            r.own_words.update(_words(alias))
        r._add(_words(address or ""), "address", ADDRESS)
        return r

    def _add(self, words: tuple[str, ...], kind: str, replacement: str) -> None:
        if not words or (len(words) == 1 and len(words[0]) < 2):
            return
        if kind == "address":
            for variant in _address_variants(words):
                if len(variant) > 1 or len(variant[0]) > 1:
                    self.addresses.setdefault(variant, (kind, replacement))
                    self.longest = max(self.longest, len(variant))
        # a name wins over an address or group sharing the same words
        if words not in self.phrases or kind in ("name", "alias"):
            self.phrases[words] = (kind, replacement)
        self.longest = max(self.longest, len(words))

    def _lookup(self, words: list[str]) -> tuple[str, str] | None:
        hit = self.phrases.get(tuple(words))
        if hit is not None:
            return hit
        for last in _singular(words[-1])[1:]:
            hit = self.phrases.get((*words[:-1], last))
            if hit is not None:
                return hit
        if self.addresses:
            return self.addresses.get(_canonical_street(tuple(words)))
        return None

    def findings(self, text: str) -> list[Finding]:
        """Every identity in ``text`` (non-overlapping, in order), longest match first."""
        norm, where = normalise(text)
        tokens = list(_WORD.finditer(norm))
        out: list[Finding] = []
        i = 0
        while i < len(tokens):
            found = None
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                hit = self._lookup([t.group() for t in tokens[i : i + n]])
                if hit is not None:
                    found = (n, *hit)
                    break
            if found is None:
                tok = tokens[i].group()
                start = where[tokens[i].start()]
                if any(w in self.forenames for w in _singular(tok)) and (
                    self.forenames_any_case or text[start].isupper()
                ):
                    found = (1, "name", NAME)
            if found is None:
                i += 1
                continue
            n, kind, repl = found
            if self.surname_alone and self._someone_elses(text, norm, where, tokens, i, n):
                i += n
                continue
            start = where[tokens[i].start()]
            end = where[tokens[i + n - 1].end() - 1] + 1
            out.append(Finding(start, end, text[start:end], kind, repl))
            i += n
        return self._merge_names(text, out)

    def _someone_elses(
        self,
        text: str,
        norm: str,
        where: list[int],
        tokens: list[re.Match[str]],
        i: int,
        n: int,
    ) -> bool:
        """True when the match at ``tokens[i:i+n]`` is the disposed person's surname alone
        written as part of another person's name: right after a rank ("DI Zebley") or after a
        capitalised forename that is not theirs ("DI Ryan Zebley"), in mid-sentence."""
        words = tuple(t.group() for t in tokens[i : i + n])
        if not any((*words[:-1], w) in self.surname_alone for w in _singular(words[-1])):
            return False
        if i == 0:
            return False
        prev = tokens[i - 1]
        between = norm[prev.end() : tokens[i].start()]
        if between.strip(" .") or "\n" in between:
            return False
        word = prev.group()
        if word in self.own_words:
            return False
        if word in RANK_TITLES:
            return True
        original = text[where[prev.start()]]
        if not original.isupper():
            return False
        # the forename must be in mid-sentence (a capital after a full stop proves nothing)
        if i < 2:
            return False
        before = norm[tokens[i - 2].end() : prev.start()]
        if any(c in before for c in ".!?:;\n"):
            return tokens[i - 2].group() in RANK_TITLES
        return True

    @staticmethod
    def _merge_names(text: str, found: list[Finding]) -> list[Finding]:
        """ "Shane Vellridge", "VELLRIDGE, Shane": one withheld name, not two."""
        merged: list[Finding] = []
        for f in found:
            prev = merged[-1] if merged else None
            if (
                prev is not None
                and prev.kind == f.kind == "name"
                and text[prev.end : f.start].strip() in ("", ",")
            ):
                merged[-1] = Finding(prev.start, f.end, text[prev.start : f.end], "name", NAME)
            else:
                merged.append(f)
        return merged

    def redact(self, text: str) -> str:
        """``text`` with every finding replaced (names, aliases, addresses withheld; groups by
        reference)."""
        out: list[str] = []
        pos = 0
        for f in self.findings(text):
            out.append(text[pos : f.start])
            out.append(f.replacement)
            pos = f.end
        out.append(text[pos:])
        return "".join(out)

    def mentions(self, text: str) -> bool:
        """Fast test: does ``text`` hold any of the words this redactor looks for?"""
        words = set(_WORD.findall(normalise_text(text)))
        singular = {s for w in words for s in _singular(w)}
        if self.forenames & singular and (self.forenames_any_case or self.findings(text)):
            return True
        canon = set(_canonical_street(tuple(words)))
        return (
            any(all(w in singular or w in words for w in p) for p in self.phrases)
            or any(all(w in canon for w in p) for p in self.addresses)
        ) and bool(self.findings(text))

    def clean(self, text: str) -> bool:
        """True when ``text`` holds no identity this redactor knows."""
        return not self.findings(text)


def redactor_for(store: Store) -> Redactor:
    """A redactor for every identity held in ``store``."""
    nominals, ocgs, labels = q.identity_rows(store)
    return Redactor(nominals, ocgs, labels)


_SENTENCE_END = re.compile(r"[.!?:;]\s*$")


def unjudged(text: str, known: Iterable[str] = ()) -> list[str]:
    """Capitalised words in the middle of a sentence that are not ``known`` (area, force and
    partner names...): maybe a person's name socmap does not hold. A preview shows them as
    "could not judge": a person decides."""
    known_words = {w for k in known for w in _words(k)}
    out: list[str] = []
    for m in re.finditer(r"\b[^\W\d_][\w'’-]*", text):
        word = m.group()
        if not word[0].isupper() or word.isupper():
            continue
        before = text[: m.start()]
        if not before.strip() or _SENTENCE_END.search(before) or before.rstrip().endswith("\n"):
            continue
        if normalise_text(word) in known_words or word in out:
            continue
        out.append(word)
    return out
