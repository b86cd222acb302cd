"""socmap export graph and socmap disruptions summary, in-process."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from socmap.cli import main
from socmap.services import partner_graphs
from socmap.store import audit
from socmap.store.db import open_store


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
@pytest.mark.parametrize("kind", ["partners", "disruptions"])
def test_graph_files_read_back_with_same_counts_and_kinds(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, fmt: str
) -> None:
    out_file = tmp_path / f"g.{fmt}"
    code, out, err = run(
        capsys,
        "export",
        "graph",
        "--db",
        str(demo_path),
        "--kind",
        kind,
        "--format",
        fmt,
        "-o",
        str(out_file),
    )
    assert code == 0, err
    assert "nodes" in out
    store = open_store(demo_path)
    g = partner_graphs.graph_for(store, kind)
    last = audit.rows(store, entity="graph")[0]
    store.close()
    back = nx.read_graphml(out_file) if fmt == "graphml" else nx.read_gexf(out_file)
    assert back.number_of_nodes() == g.number_of_nodes()
    assert back.number_of_edges() == g.number_of_edges()
    assert Counter(k for _n, k in back.nodes(data="kind")) == Counter(
        k for _n, k in g.nodes(data="kind")
    )
    assert Counter(r for *_e, r in back.edges(data="relation")) == Counter(
        r for *_e, r in g.edges(data="relation")
    )
    if fmt == "graphml":
        assert back.graph.get("marking") == "OFFICIAL-SENSITIVE"
    else:
        assert "Protective marking: OFFICIAL-SENSITIVE" in out_file.read_text()
    assert last.action == "export" and kind in last.summary
    if kind == "partners":
        kinds = {k for _n, k in back.nodes(data="kind")}
        assert kinds >= {"area", "partner", "ocg", "structure"}
        assert sum(1 for _n, k in back.nodes(data="kind") if k == "area") == 5
        assert any(gap for _n, gap in back.nodes(data="gap"))


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_pictures_carry_the_marking(
    qapp: object, demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    # qapp first: headless export would otherwise make a QGuiApplication that later widget
    # tests in the same process cannot use
    out_file = tmp_path / f"g.{fmt}"
    code, _out, err = run(
        capsys,
        "export",
        "graph",
        "--db",
        str(demo_path),
        "--kind",
        "partners",
        "--format",
        fmt,
        "-o",
        str(out_file),
        "--marking",
        "official",
        "--marking-reason",  # lowering below OFFICIAL-SENSITIVE needs a recorded reason
        "partnership board pack",
    )
    assert code == 0, err
    data = out_file.read_bytes()
    assert b"OFFICIAL" in data  # SVG text; PNG tEXt chunk
    if fmt == "svg":
        text = data.decode()
        assert "Herefordshire" in text  # labels are real text


def test_export_errors_are_one_line(
    qapp: object, demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(
        capsys,
        "export",
        "graph",
        "--db",
        str(demo_path),
        "--kind",
        "partners",
        "--format",
        "png",
        "-o",
        str(tmp_path / "no" / "g.png"),
    )
    assert code == 2 and "does not exist" in err and err.count("\n") == 1
    code, _out, err = run(
        capsys,
        "export",
        "graph",
        "--db",
        str(demo_path),
        "--kind",
        "partners",
        "--format",
        "png",
        "-o",
        str(tmp_path / "g.png"),
        "--marking",
        "SECRET",
    )
    assert code == 2 and "SECRET" in err


def test_summary_text_and_area(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "disruptions", "summary", "--db", str(demo_path))
    assert code == 0 and "Arrest / charge" in out and "(n=" in out
    code, _out, err = run(
        capsys, "disruptions", "summary", "--db", str(demo_path), "--area", "Narnia", "--json"
    )
    assert code == 3 and "Narnia" in err
    code, out, _err = run(
        capsys,
        "disruptions",
        "summary",
        "--db",
        str(demo_path),
        "--area",
        "Herefordshire",
        "--json",
    )
    assert code == 0 and json.loads(out)
