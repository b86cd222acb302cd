"""Commands for partners and disruptions: export graph, disruptions summary."""

from __future__ import annotations

import argparse
from pathlib import Path

from socmap.cli import Cli, add_db_argument
from socmap.cli.common import add_marking_options, open_existing, print_json, print_table
from socmap.domain.text import plural
from socmap.export.graphs import FORMATS, export_graph
from socmap.services import disruptions
from socmap.services.partner_graphs import GRAPH_KINDS


def _cmd_export_graph(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        result = export_graph(
            store,
            kind=args.kind,
            fmt=args.format,
            path=args.output,
            area=args.area,
            marking=args.marking,
            marking_reason=args.marking_reason,
        )
    finally:
        store.close()
    gaps = ", ".join(f"{v} {k}" for k, v in sorted(result.gaps.items())) or "no gaps"
    print(
        f"wrote {result.path}: {result.kind} graph, {plural(result.nodes, 'node')}, {plural(result.edges, 'edge')}"
        f" ({gaps}); marked {result.marking}"
    )
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        rows = disruptions.what_works(store, area=args.area)
    finally:
        store.close()
    if args.json:
        print_json([r.as_json() for r in rows])
        return 0
    print_table(
        ["strand", "tactic", "count", "major/mod/minor/none/neg", "pending", "mean score change"],
        [
            [
                r.strand,
                r.tactic_label,
                r.count,
                "/".join(str(v) for v in r.levels.values()),
                r.pending,
                disruptions.describe_mean(r.mean_score_change, r.n_scored),
            ]
            for r in rows
        ],
    )
    return 0


def add_commands(cli: Cli) -> None:
    """Register this module's commands."""
    p = cli.subcommand(
        "export",
        "graph",
        "export the partner or disruption graph as GraphML, GEXF, PNG or SVG",
        _cmd_export_graph,
        group_help="files for people and other tools",
    )
    add_db_argument(p)
    p.add_argument("--kind", choices=GRAPH_KINDS, required=True, help="which graph")
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="file format (default: the output file's suffix; a contradicting suffix is refused)",
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    p.add_argument("--area", help="only this area (by name)")
    add_marking_options(p)

    p = cli.subcommand(
        "disruptions",
        "summary",
        "the 'what works' table: per tactic and 4P strand, count, levels, mean score change",
        _cmd_summary,
        group_help="the disruption log",
    )
    add_db_argument(p)
    p.add_argument("--area", help="only disruptions of OCGs whose lead area has this name")
    p.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of {tactic, strand, count, levels, mean_score_change, n_scored}",
    )
