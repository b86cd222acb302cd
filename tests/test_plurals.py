"""Rule: one plural helper. No message in socmap/ writes a count before a plural noun by hand
("1 active OCGs", "1 disruptions") or makes its own plural ending ("s" if n != 1 else "");
they all use ``socmap.domain.text.plural``. Discovered by reading every f-string in socmap/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from socmap.domain.text import number_word, plural, plural_word

ROOT = Path(__file__).resolve().parent.parent / "socmap"
NOUNS = (
    "OCGs|groups|disruptions|rows|records|people|members|nominals|areas|links|assessments|"
    "events|files|layers|features|nodes|edges|associates|interventions|reviews|actions|"
    "indicators|checks|items|pages|parts|matches|changes|points|locations|partners|days|"
    "years|characters|versions|profiles|categories|entries|accounts|steps|tactics|"
    "decisions|reports|results|values|names|columns|polygons|crimes|threats|sections"
)
COUNTED = re.compile(rf"^ (?:[a-z-]+ )?({NOUNS})\b")
#: Words before a plural noun that are not counts (a role, a verb, a format, a reference).
NOT_COUNTS = {
    "verb",
    "action",
    "role.capitalize()",
    "fmt.upper()",
    "permission.value",
    "mark.value",
    "info.geometry_type",
    "before.display_id",
}


def _problems() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        where = path.relative_to(ROOT.parent)
        for node in ast.walk(tree):
            if isinstance(node, ast.IfExp):
                for side in (node.body, node.orelse):
                    if isinstance(side, ast.Constant) and side.value in ("s", "es"):
                        found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
            if not isinstance(node, ast.JoinedStr):
                continue
            for a, b in zip(node.values, node.values[1:], strict=False):
                if not (isinstance(a, ast.FormattedValue) and isinstance(b, ast.Constant)):
                    continue
                expr = ast.unparse(a.value)
                if not COUNTED.match(str(b.value)) or expr in NOT_COUNTS:
                    continue
                if re.fullmatch(r"[A-Z_][A-Z0-9_]*", expr.split(".")[-1]):
                    continue  # a constant limit, always more than one
                if expr.startswith("plural_word("):
                    continue
                found.append(f"{where}:{node.lineno}: {{{expr}}}{b.value[:30]}")
    return found


def test_counts_use_the_plural_helper() -> None:
    problems = _problems()
    assert not problems, "counts written by hand:\n" + "\n".join(problems)


def test_plural_words() -> None:
    assert plural(1, "active OCG") == "1 active OCG"
    assert plural(1, "disruption") == "1 disruption"
    assert plural(12_000, "row") == "12,000 rows"
    assert plural(0, "person") == "0 people"
    assert plural(2, "category") == "2 categories"
    assert plural_word(1, "is", "are") == "is" and plural_word(3, "is", "are") == "are"
    assert number_word(0) == "no" and number_word(5) == "five" and number_word(12) == "12"
