"""Words for counts and for lists that stop early: the one plural helper and the one cut-off note.

``plural(1, "active OCG")`` is "1 active OCG"; ``plural(2, "disruption")`` "2 disruptions";
``plural(0, "person", "people")`` "0 people". Numbers get thousands separators.

A :class:`Page` is the first rows of a longer list with the number there are in all; every list
that stops early (a ``--limit``, a queue, a table) is one, and says so with :func:`cut_note`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

_IRREGULAR = {
    "person": "people",
    "OCG": "OCGs",
    "analysis": "analyses",
    "child": "children",
    "was": "were",
    "is": "are",
    "has": "have",
}
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def plural_word(n: int, singular: str, plural_form: str | None = None) -> str:
    """``singular`` when ``n`` is 1, else its plural (the last word made plural)."""
    if n == 1:
        return singular
    if plural_form is not None:
        return plural_form
    head, _, last = singular.rpartition(" ")
    if last in _IRREGULAR:
        word = _IRREGULAR[last]
    elif last.endswith(("s", "x", "ch", "sh")):
        word = last + "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        word = last[:-1] + "ies"
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 active OCG"``, ``"2 disruptions"``, ``"1,204 records"``."""
    return f"{n:,} {plural_word(n, singular, plural_form)}"


def number_word(n: int) -> str:
    """``"none"``... ``"nine"`` for small numbers (as words), else the number."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else f"{n:,}"


def more(items: Sequence[str], shown: int, *, sep: str = ", ") -> str:
    """The first ``shown`` items joined, and how many more there are: "a, b and 3 more"."""
    head = sep.join(items[:shown])
    rest = len(items) - shown
    return f"{head} and {rest:,} more" if rest > 0 else head


class Page(list[T]):
    """The first rows of a list and how many rows the whole list has (``total``)."""

    def __init__(self, rows: Iterable[T] = (), total: int | None = None) -> None:
        super().__init__(rows)
        self.total = max(len(self), total if total is not None else len(self))

    @property
    def cut(self) -> bool:
        """True when rows were left out."""
        return self.total > len(self)

    @property
    def left_out(self) -> int:
        """How many rows were left out."""
        return self.total - len(self)


def cut_note(shown: int, total: int, noun: str, how: str, plural_noun: str | None = None) -> str:
    """What an analyst is told under a list that stops early; empty when nothing was left out.

    ``noun`` names one row ("matching audit row"; ``plural_noun`` where the last word is not the
    one to make plural); ``how`` says how to see the rest, e.g. "use --limit 12000 to see them".
    """
    if total <= shown:
        return ""
    rows = plural(total, noun, plural_noun)
    return f"showing {shown:,} of {rows} ({total - shown:,} more not shown); {how}"
