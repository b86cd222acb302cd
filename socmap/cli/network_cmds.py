"""Commands for the member network and people at risk: network ..., atrisk ..."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

from socmap.cli import Cli, add_db_argument
from socmap.cli.common import (
    add_marking_options,
    ocg_ref,
    open_existing,
    print_cut,
    print_json,
    print_table,
)
from socmap.domain.errors import ValidationError
from socmap.domain.network import INTERVENTION_KINDS
from socmap.domain.text import Page, more, plural
from socmap.services import atrisk
from socmap.services import network as sn
from socmap.services.output import format_for


def _as_of(args: argparse.Namespace) -> dt.date:
    return args.as_of or dt.date.today()


def _cmd_keyplayers(args: argparse.Namespace) -> int:
    store = open_existing(args)
    players = sn.key_players(store, args.ocg, as_of=_as_of(args))
    rows = sn.key_players_json(players)
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ["#", "person", "name", "role", "degree", "betweenness", "eigenvector"],
        [
            [
                r["rank"],
                r["person_id"],
                r["name"],
                r["role"],
                r["degree"],
                r["betweenness"],
                r["eigenvector"],
            ]
            for r in rows
        ],
    )
    print()
    explained = Page(rows[:5], len(rows))
    for r in explained:
        print(f"{r['rank']}. {r['explanation']}")
    print_cut(explained, "explanation", "--json gives every person's")
    return 0


def _cmd_whatif(args: argparse.Namespace) -> int:
    store = open_existing(args)
    links = []
    for text in args.remove_link or []:
        a, _, b = text.partition("-")
        if not (a.isdigit() and b.isdigit()):
            raise ValidationError("remove-link", f"'{text}' is not PERSON-PERSON (e.g. 12-40)")
        links.append((int(a), int(b)))
    g, result = sn.what_if(
        store,
        args.ocg,
        remove_people=tuple(args.remove or ()),
        remove_links=tuple(links),
        as_of=_as_of(args),
    )

    def parts(ps: tuple[frozenset[int], ...]) -> list[list[dict[str, object]]]:
        return [
            [
                {"person_id": n, "name": g.nodes[n]["name"], "role": g.nodes[n]["role"]}
                for n in sorted(p)
            ]
            for p in ps
        ]

    if args.json:
        print_json(
            {
                "parts_before": result.parts_before,
                "parts_after": result.parts_after,
                "before": parts(result.before),
                "after": parts(result.after),
                "sentence": result.sentence,
            }
        )
        return 0
    print(result.sentence)
    for label, ps in (("before", result.before), ("after", result.after)):
        print(f"\n{label}: {len(ps)} part(s)")
        for i, p in enumerate(ps, start=1):
            print(f"  {i}. " + ", ".join(g.nodes[n]["name"] for n in sorted(p)))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    store = open_existing(args)
    flt = sn.filter_from(store, areas=tuple(args.area or ()), grading=args.grading)
    out = Path(args.output)
    fmt = format_for(out, args.format, ("graphml", "png", "svg"), default="graphml")
    if fmt == "graphml":
        n = sn.write_graphml(
            store,
            args.ocg,
            out,
            steps=args.steps,
            as_of=_as_of(args),
            flt=flt,
            marking=args.marking,
            marking_reason=args.marking_reason,
        )
    else:
        # images are drawn headless, whatever display there is
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from socmap.export.network import export_network_image

        n = export_network_image(
            store,
            args.ocg,
            out,
            fmt=fmt,
            steps=args.steps,
            as_of=_as_of(args),
            flt=flt,
            marking=args.marking,
            marking_reason=args.marking_reason,
        )
    print(f"wrote {out} ({plural(n, 'person')}, {args.marking or 'OFFICIAL-SENSITIVE'})")
    return 0


def _cmd_candidates(args: argparse.Namespace) -> int:
    store = open_existing(args)
    found = sn.candidates(store, min_size=args.min_size, as_of=_as_of(args))
    if args.json:
        print_json([sn.candidate_json(c) for c in found])
        return 0
    if not found:
        print("no emerging groups found")
        return 0
    for c in found:
        print(
            f"{c.key}  {c.area or '-'}  {plural(len(c.people), 'person')}, "
            f"{plural(c.links, 'link')}"
        )
        print(f"    {c.evidence}")
        print("    " + more(c.names, 8) + (" (--json lists everyone)" if len(c.names) > 8 else ""))
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    store = open_existing(args)
    cmp = sn.compare(store, args.ocg, args.first, args.second)
    if args.json:
        print_json(
            {
                "from": cmp.first.isoformat(),
                "to": cmp.second.isoformat(),
                "joined": list(cmp.diff.joined),
                "left": list(cmp.diff.left),
                "role_changes": [list(x) for x in cmp.diff.role_changes],
                "links_appeared": [list(x) for x in cmp.diff.links_appeared],
                "links_ended": [list(x) for x in cmp.diff.links_ended],
                "sentences": cmp.sentences(),
            }
        )
        return 0
    for line in cmp.sentences():
        print(line)
    return 0


def _cmd_atrisk_list(args: argparse.Namespace) -> int:
    store = open_existing(args)
    rows = atrisk.at_risk_rows(store, area=args.area)
    if args.json:
        print_json(atrisk.at_risk_json(rows))
        return 0
    print_table(
        ["person", "name", "area", "risk", "indicators", "interventions", "review"],
        [
            [
                r.person_id,
                r.name,
                r.area,
                r.risk_level,
                ", ".join(sorted({k for k, _d in r.indicators})),
                ", ".join(INTERVENTION_KINDS.get(i.kind, i.kind) for i in r.interventions)
                or "none",
                r.review_date.isoformat() + (" (overdue)" if r.review_overdue else ""),
            ]
            for r in rows
        ],
    )
    return 0


def _cmd_atrisk_proposals(args: argparse.Namespace) -> int:
    store = open_existing(args)
    found = atrisk.proposals(store, max_steps=args.steps, as_of=_as_of(args))
    if args.json:
        print_json(
            [
                {
                    "person_id": p.nominal_id,
                    "name": p.name,
                    "area": p.area,
                    "steps": p.steps,
                    "near_member": p.near_member,
                    "near_ocg": f"OCG-{p.near_ocg:04d}",
                    "indicators": [
                        {"indicator": k, "observed_on": d.isoformat()} for k, d in p.indicators
                    ],
                    "reason": p.reason,
                }
                for p in found
            ]
        )
        return 0
    for p in found:
        print(f"{p.nominal_id}  {p.name}  ({p.area})\n    {p.reason}")
    if not found:
        print("no one to propose")
    return 0


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def add_commands(cli: Cli) -> None:
    """Register this module's commands."""
    gh = "the member network: key players, what-ifs, exports, emerging groups"

    def common(p: argparse.ArgumentParser, *, ocg: bool = True) -> None:
        add_db_argument(p)
        if ocg:
            p.add_argument("--ocg", type=ocg_ref, required=True, help="the group: OCG-0012 or 12")
        p.add_argument(
            "--as-of",
            type=_date,
            default=None,
            metavar="YYYY-MM-DD",
            help="the date whose memberships and links count (default: today)",
        )

    p = cli.subcommand(
        "network",
        "keyplayers",
        "rank a group's members by how much its network "
        "depends on them, each with a plain-English explanation",
        _cmd_keyplayers,
        group_help=gh,
    )
    common(p)
    p.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of objects (person_id, "
        "name, role, degree, betweenness, eigenvector, explanation)",
    )

    p = cli.subcommand(
        "network",
        "whatif",
        "show how a group's network splits without some people or links",
        _cmd_whatif,
        group_help=gh,
    )
    common(p)
    p.add_argument(
        "--remove",
        type=int,
        action="append",
        metavar="PERSON",
        help="a person's id to remove (repeatable)",
    )
    p.add_argument(
        "--remove-link",
        action="append",
        metavar="A-B",
        help="a link to remove, as two person ids (repeatable)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")

    p = cli.subcommand(
        "network",
        "export",
        "export a group's network as GraphML, PNG or SVG (marked, audited)",
        _cmd_export,
        group_help=gh,
    )
    common(p)
    p.add_argument(
        "--format",
        choices=("graphml", "png", "svg"),
        help="file format (default: the output file's suffix, else graphml; a contradicting "
        "suffix is refused)",
    )
    p.add_argument("-o", "--output", required=True, help="the file to write")
    p.add_argument("--steps", type=int, default=1, help="associates this many links out")
    p.add_argument("--area", action="append", help="only associates in this area (repeatable)")
    p.add_argument(
        "--grading",
        choices=("any", "exclude_false", "reliable_only"),
        default="any",
        help="which graded links to include",
    )
    add_marking_options(p)

    p = cli.subcommand(
        "network",
        "candidates",
        "list emerging groups: communities of linked "
        "people not yet mapped as a live OCG, with the evidence",
        _cmd_candidates,
        group_help=gh,
    )
    common(p, ocg=False)
    p.add_argument("--min-size", type=int, default=4, help="smallest group to offer")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = cli.subcommand(
        "network",
        "compare",
        "compare a group's network between two dates: who joined, who left, which links appeared",
        _cmd_compare,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("--ocg", type=ocg_ref, required=True, help="the group: OCG-0012 or 12")
    p.add_argument(
        "--from",
        dest="first",
        type=_date,
        required=True,
        metavar="YYYY-MM-DD",
        help="the earlier date",
    )
    p.add_argument(
        "--to",
        dest="second",
        type=_date,
        required=True,
        metavar="YYYY-MM-DD",
        help="the later date",
    )
    p.add_argument("--json", action="store_true", help="print JSON")

    ah = "people at risk of being drawn into organised crime (never members)"
    p = cli.subcommand(
        "atrisk",
        "list",
        "list people at risk with indicators, reasons, interventions and review dates",
        _cmd_atrisk_list,
        group_help=ah,
    )
    add_db_argument(p)
    p.add_argument("--area", help="only people in this area (by name)")
    p.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of objects "
        "(person_id, name, indicators, reason, interventions, review_date)",
    )

    p = cli.subcommand(
        "atrisk",
        "proposals",
        "people with indicators close to a principal or significant member, proposed for review",
        _cmd_atrisk_proposals,
        group_help=ah,
    )
    add_db_argument(p)
    p.add_argument("--steps", type=int, default=2, help="how many links from a member (1-4)")
    p.add_argument(
        "--as-of",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the date whose memberships and links count (default: today)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
