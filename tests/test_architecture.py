"""Layer rules that import-linter cannot express: widgets stay in ui; SQL stays in store."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "socmap"
SQL = re.compile(
    r"^\s*(SELECT\s.+\sFROM\s|INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\S+\s+SET\s|DELETE\s+FROM\s"
    r"|CREATE\s+(TABLE|INDEX|TRIGGER|VIEW)\s|ALTER\s+TABLE\s|DROP\s+(TABLE|INDEX|TRIGGER)\s|PRAGMA\s)",
    re.I | re.S,
)


def _modules(*parts: str) -> list[Path]:
    out: list[Path] = []
    for part in parts:
        base = PKG / part
        out.extend([base] if base.suffix == ".py" else sorted(base.rglob("*.py")))
    return out


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_widgets_stay_in_ui() -> None:
    offenders = [
        str(p.relative_to(PKG))
        for p in _modules("domain", "store", "services", "geo", "graph", "render", "export", "cli")
        if any(name.startswith("PySide6.QtWidgets") for name in _imports(p))
    ]
    assert offenders == []


def test_sql_only_in_store() -> None:
    offenders = []
    for path in _modules("domain", "services", "geo", "graph", "render", "export", "cli", "ui"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and SQL.match(node.value)
            ):
                offenders.append(f"{path.relative_to(PKG)}:{node.lineno}")
    assert offenders == []
