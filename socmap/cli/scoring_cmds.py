"""Commands for scoring and the schedule: due, rescore, export calendar, assess ..., config ...,
ocg trigger/archive/reactivate."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from socmap.cli import Cli, add_db_argument
from socmap.cli.common import add_marking_options, ocg_ref, open_existing, print_json, print_table
from socmap.cli.progress import ConsoleProgress
from socmap.domain.errors import ValidationError
from socmap.domain.ids import format_ocg_ref
from socmap.domain.schedule import STATE_LABELS, TRIGGER_KINDS
from socmap.domain.scoring import SCHEMES, Assessment, Rating
from socmap.domain.text import plural
from socmap.services import reassessment, scoring


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (use YYYY-MM-DD)") from None


def _as_of(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--as-of", type=_date, default=None, help="the day to judge the schedule on (default today)"
    )


# ---------------------------------------------------------------------------------- due


def _cmd_due(args: argparse.Namespace) -> int:
    store = open_existing(args)
    report = reassessment.schedule(store, today=args.as_of, area=args.area)
    if args.json:
        print_json(report.to_json())
        return 0
    print(f"Re-assessment schedule on {report.today.isoformat()}")
    print()
    print_table(
        ["area", "active", "compliant", "%", "overdue", "never assessed", "due soon"],
        [
            [
                c.area,
                c.active,
                c.compliant,
                f"{c.percent:.1f}",
                c.overdue,
                c.never_assessed,
                c.due_soon,
            ]
            for c in report.compliance
        ],
    )
    print()
    order = {"overdue": 0, "never_assessed": 1, "due_soon": 2, "ok": 3}
    shown = sorted(report.rows, key=lambda r: (order[r.state.value], r.due or dt.date.max))
    print_table(
        ["ref", "name", "area", "band", "last assessed", "due", "state"],
        [
            [
                r.ref,
                r.name,
                r.area or "",
                r.band or "-",
                r.last_assessed.isoformat() if r.last_assessed else "never",
                r.due.isoformat() if r.due else "-",
                STATE_LABELS[r.state],
            ]
            for r in shown
        ],
    )
    if report.emerging:
        print()
        print(
            f"{plural(len(report.emerging), 'group')} awaiting a first assessment (incl. emerging groups)"
        )
    return 0


# ------------------------------------------------------------------------------ rescore


def _cmd_rescore(args: argparse.Namespace) -> int:
    store = open_existing(args)
    summary = scoring.rescore_all(store, ConsoleProgress("re-scoring"), today=args.as_of)
    if args.json:
        print_json(
            {
                "created": summary.created,
                "unchanged_band": summary.unchanged_band,
                "band_changes": [
                    {**c.__dict__, "ocg_ref": format_ocg_ref(c.ocg_id)}
                    for c in summary.band_changes
                ],
                "never_assessed": summary.never_assessed,
                "already_pending": summary.already_pending,
                "failed": [
                    {"ocg_id": o, "ocg_ref": format_ocg_ref(o), "error": e}
                    for o, e in summary.failed
                ],
                "config_versions": summary.config_versions,
            }
        )
        return 0
    versions = ", ".join(f"{k} v{v}" for k, v in summary.config_versions.items())
    print(
        f"{plural(summary.created, 'draft re-calculation')} created under {versions}; none "
        "approved. Approving one changes the band but not the re-assessment date unless it is "
        "submitted with 'assess submit ID --full-review'."
    )
    print(
        f"{summary.unchanged_band} keep their band, {len(summary.band_changes)} change band; "
        f"skipped {summary.never_assessed} never assessed, "
        f"{summary.already_pending} already awaiting approval."
    )
    for o, e in summary.failed:
        print(f"could not re-score OCG-{o:04d}: {e}")
    if summary.band_changes:
        print()
        print_table(
            ["ref", "name", "band before", "band after", "total before", "total after"],
            [
                [
                    f"OCG-{c.ocg_id:04d}",
                    c.name,
                    c.before,
                    c.after,
                    f"{c.total_before:g}",
                    f"{c.total_after:g}",
                ]
                for c in summary.band_changes
            ],
        )
    return 0


# ----------------------------------------------------------------------------- calendar


def _cmd_calendar(args: argparse.Namespace) -> int:
    from socmap.export.calendar import export_calendar

    store = open_existing(args)
    result = export_calendar(
        store,
        Path(args.output),
        area=args.area,
        today=args.as_of,
        marking=args.marking,
        marking_reason=args.marking_reason,
    )
    print(f"wrote {result.path}: {plural(result.events, 'event')} (sha256 {result.sha256[:12]})")
    return 0


# ------------------------------------------------------------------------------- assess


def _assessment_json(a: Assessment) -> dict[str, Any]:
    from socmap.domain.scoring import breakdown_to_json

    return {
        "id": a.id,
        "ocg_id": a.ocg_id,
        "ocg_ref": format_ocg_ref(a.ocg_id),
        "scheme": a.scheme,
        "config_version": a.config_version,
        "total": a.total,
        "band": a.band,
        "status": a.status,
        "assessor": a.assessor,
        "assessed_on": a.assessed_on.isoformat(),
        "approver": a.approver,
        "decided_on": a.decided_on.isoformat() if a.decided_on else None,
        "return_reason": a.return_reason,
        "source": a.source,
        "review": a.review,
        "kind": a.kind_label,
        "breakdown": breakdown_to_json(a.breakdown),
    }


def _pairs(items: list[str], *, flag: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(flag, f"'{item}' is not KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


@contextlib.contextmanager
def _factors_hint(scheme: str, factors: set[str]) -> Iterator[None]:
    """An error about a factor or its rating also says where the factors are listed."""
    try:
        yield
    except ValidationError as exc:
        if exc.field not in factors:
            raise
        raise ValidationError(
            exc.field, f"{exc.reason} (see 'socmap assess factors --scheme {scheme}')"
        ) from None


def _cmd_assess_create(args: argparse.Namespace) -> int:
    store = open_existing(args)
    values = _pairs(args.rating or [], flag="--rating")
    reasons = _pairs(args.rationale or [], flag="--rationale")
    for key in reasons:
        if key not in values:
            raise ValidationError(key, "has a rationale but no --rating")
    ratings = {k: Rating(v, reasons.get(k, "")) for k, v in values.items()}
    with _factors_hint(args.scheme, set(ratings)):
        a, _ = scoring.create_assessment(
            store,
            ocg_id=args.ocg,
            scheme=args.scheme,
            ratings=ratings,
            submit=args.submit,
            on=args.on,
        )
    if args.json:
        print_json(_assessment_json(a))
    else:
        print(
            f"assessment {a.id} of OCG-{a.ocg_id:04d}: total {a.total:g}, band {a.band} ({a.status})"
        )
        for note in a.breakdown.notes:
            if "not known" in note:
                print(f"  {note}")
    return 0


def _cmd_assess_submit(args: argparse.Namespace) -> int:
    a, _ = scoring.submit_assessment(open_existing(args), args.id, full_review=args.full_review)
    print(f"assessment {a.id} submitted for approval ({a.kind_label})")
    return 0


def _cmd_assess_approve(args: argparse.Namespace) -> int:
    store = open_existing(args)
    a, _ = scoring.approve_assessment(store, args.id)
    due = reassessment.due_of(store, a.ocg_id)
    clock = (
        "re-assessment date unchanged (a re-calculation, not a full review)"
        if a.is_recalculation
        else "re-assessment clock restarted"
    )
    print(
        f"assessment {a.id} approved: OCG-{a.ocg_id:04d} is now band {a.band}; {clock}, "
        f"next due {due.isoformat() if due else '-'}"
    )
    return 0


def _cmd_assess_return(args: argparse.Namespace) -> int:
    a, _ = scoring.return_assessment(open_existing(args), args.id, reason=args.reason)
    print(f"assessment {a.id} returned to {a.assessor}")
    return 0


def _cmd_assess_list(args: argparse.Namespace) -> int:
    store = open_existing(args)
    if args.ocg is not None:
        items = scoring.history(store, args.ocg)
    else:
        items = scoring.pending_approvals(store) + scoring.drafts(store)
    if args.status:
        items = [a for a in items if a.status == args.status]
    if args.json:
        print_json([_assessment_json(a) for a in items])
        return 0
    print_table(
        [
            "id",
            "ref",
            "scheme",
            "cfg",
            "total",
            "band",
            "status",
            "kind",
            "assessor",
            "assessed",
            "approver",
        ],
        [
            [
                a.id,
                f"OCG-{a.ocg_id:04d}",
                a.scheme,
                a.config_version,
                f"{a.total:g}",
                a.band,
                a.status,
                "full review" if a.review == "full" else "re-calculation",
                a.assessor,
                a.assessed_on.isoformat(),
                a.approver or "",
            ]
            for a in items
        ],
    )
    return 0


def _cmd_assess_compare(args: argparse.Namespace) -> int:
    c = scoring.compare_assessments(open_existing(args), args.first, args.second)
    if args.json:
        print_json(
            {
                "before": c.before.id,
                "after": c.after.id,
                "band_before": c.before.band,
                "band_after": c.after.band,
                "total_delta": c.total_delta,
                "moves": [
                    {
                        "factor": m.key,
                        "label": m.label,
                        "before": m.before,
                        "after": m.after,
                        "delta": m.delta,
                    }
                    for m in c.moves
                ],
            }
        )
        return 0
    print(
        f"assessment {c.before.id} ({c.before.assessed_on}) -> {c.after.id} ({c.after.assessed_on}): "
        f"band {c.before.band} -> {c.after.band}, total {c.before.total:g} -> {c.after.total:g} "
        f"({c.total_delta:+g})"
    )
    print_table(
        ["factor", "before", "after", "points"],
        [[m.label, m.before, m.after, f"{m.delta:+g}"] for m in c.moves],
    )
    return 0


def _cmd_assess_factors(args: argparse.Namespace) -> int:
    store = open_existing(args)
    policy, _ = scoring.load_policy(store, args.scheme)
    rows = []
    for f in policy.factors:
        if f.kind == "level":
            rng = f"{f.min_level}-{f.max_level}"
            if f.level_names:
                rng += " (" + "/".join(f.level_names) + ")"
        elif f.kind == "flag":
            rng = "yes/no"
        else:
            rng = "/".join(c for c, _ in f.choices)
        rows.append([f.key, f.label, rng, f"{f.weight:g}" if f.kind != "choice" else "-"])
    print(f"{policy.title}, configuration version {policy.version}")
    print_table(["factor", "label", "ratings", "weight"], rows)
    return 0


# ------------------------------------------------------------------------------- config


def _cmd_config_show(args: argparse.Namespace) -> int:
    store = open_existing(args)
    version, body = scoring.config_document(store, args.kind)
    if args.history:
        print_table(
            ["version", "by", "at", "note"],
            [list(r) for r in scoring.config_history(store, args.kind)],
        )
        return 0
    print_json({"kind": args.kind, "version": version, "body": body})
    return 0


def _cmd_config_set_weight(args: argparse.Namespace) -> int:
    store = open_existing(args)
    _version, body = scoring.config_document(store, args.scheme)
    with _factors_hint(args.scheme, {args.factor}):
        doc = scoring.with_weight(body, args.factor, args.weight)
    version, _ = scoring.save_config(
        store, kind=args.scheme, body=doc, note=args.note or f"{args.factor} weight {args.weight:g}"
    )
    print(f"{args.scheme} configuration version {version} saved; run 'socmap rescore' to re-score")
    return 0


def _cmd_config_load(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        body = json.loads(Path(args.file).read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError("file", f"{args.file}: {exc}") from None
    version, _ = scoring.save_config(store, kind=args.kind, body=body, note=args.note or "")
    print(f"{args.kind} configuration version {version} saved")
    return 0


# ------------------------------------------------------------------------ ocg lifecycle


def _cmd_trigger(args: argparse.Namespace) -> int:
    outcome, _ = scoring.record_trigger(
        open_existing(args), ocg_id=args.ocg, kind=args.kind, on=args.on, note=args.note or ""
    )
    print(f"OCG-{args.ocg:04d}: trigger '{TRIGGER_KINDS[args.kind]}' saved; {outcome.message}")
    return 0


def _cmd_archive(args: argparse.Namespace) -> int:
    scoring.archive_ocg(open_existing(args), ocg_id=args.ocg, rationale=args.rationale)
    print(f"OCG-{args.ocg:04d} archived")
    return 0


def _cmd_reactivate(args: argparse.Namespace) -> int:
    scoring.reactivate_ocg(open_existing(args), ocg_id=args.ocg, rationale=args.rationale)
    print(f"OCG-{args.ocg:04d} reactivated")
    return 0


def add_commands(cli: Cli) -> None:
    """Register the scoring and schedule commands."""
    p = cli.command("due", "re-assessment schedule and compliance per area", _cmd_due)
    add_db_argument(p)
    p.add_argument("--area", help="only groups whose lead area is NAME")
    p.add_argument("--json", action="store_true", help="JSON: {ocgs: [...], compliance: [...]}")
    _as_of(p)

    p = cli.command(
        "rescore",
        "re-score every active OCG under the current configuration as drafts",
        _cmd_rescore,
    )
    add_db_argument(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--as-of", type=_date, default=None, help="date of the drafts (default today)")

    p = cli.subcommand(
        "export",
        "calendar",
        "re-assessment calendar (.ics): one event per active OCG",
        _cmd_calendar,
        group_help="write files for people",
    )
    add_db_argument(p)
    p.add_argument("--area", help="only groups whose lead area is NAME")
    p.add_argument(
        "-o", "--output", required=True, metavar="FILE.ics", help="the .ics file to write"
    )
    add_marking_options(p)
    _as_of(p)

    g = "assess"
    gh = "score OCGs and decide on assessments"
    p = cli.subcommand(
        g, "create", "score an OCG (a draft, or --submit)", _cmd_assess_create, group_help=gh
    )
    add_db_argument(p)
    p.add_argument("--ocg", type=ocg_ref, required=True, help="the group: OCG-0012 or 12")
    p.add_argument("--scheme", choices=list(SCHEMES), default="ocgm", help="scoring scheme")
    p.add_argument(
        "--rating",
        action="append",
        metavar="FACTOR=VALUE",
        help="a rating, e.g. markets.drugs=high or flags.firearms=yes (repeat)",
    )
    p.add_argument(
        "--rationale",
        action="append",
        metavar="FACTOR=TEXT",
        help="why a factor was rated so (repeat)",
    )
    p.add_argument("--submit", action="store_true", help="submit for approval at once")
    p.add_argument(
        "--on", type=_date, default=None, help="date the group was assessed (default today)"
    )
    p.add_argument("--json", action="store_true", help="print the assessment as JSON")
    for name, help_, fn in (
        ("submit", "send a draft assessment for approval", _cmd_assess_submit),
        (
            "approve",
            "approve a submitted assessment (a supervisor, not its assessor)",
            _cmd_assess_approve,
        ),
        ("return", "return a submitted assessment with a reason", _cmd_assess_return),
    ):
        p = cli.subcommand(g, name, help_, fn, group_help=gh)
        add_db_argument(p)
        p.add_argument("id", type=int, help="assessment id")
        if name == "return":
            p.add_argument("--reason", required=True, help="why it is returned")
        if name == "submit":
            p.add_argument(
                "--full-review",
                action="store_true",
                help="a re-calculation whose ratings you reviewed in full: once approved it "
                "restarts the re-assessment clock",
            )
    p = cli.subcommand(
        g,
        "list",
        "the approval queue and drafts, or one OCG's history",
        _cmd_assess_list,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("--ocg", type=ocg_ref, help="one group's whole history: OCG-0012 or 12")
    p.add_argument("--status", choices=["draft", "submitted", "approved", "returned"])
    p.add_argument("--json", action="store_true", help="JSON output")
    p = cli.subcommand(
        g,
        "compare",
        "which factors moved between two assessments",
        _cmd_assess_compare,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("first", type=int, help="assessment id")
    p.add_argument("second", type=int, help="assessment id")
    p.add_argument("--json", action="store_true", help="JSON output")
    p = cli.subcommand(
        g,
        "factors",
        "list a scheme's factors, ratings and weights",
        _cmd_assess_factors,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("--scheme", choices=list(SCHEMES), default="ocgm", help="scoring scheme")

    g, gh = "config", "scoring and schedule configuration (versioned)"
    p = cli.subcommand(
        g, "show", "print the current configuration (or --history)", _cmd_config_show, group_help=gh
    )
    add_db_argument(p)
    p.add_argument("--kind", choices=list(scoring.CONFIG_KINDS), default="ocgm")
    p.add_argument("--history", action="store_true", help="list every version")
    p = cli.subcommand(
        g,
        "set-weight",
        "change one factor's weight (a new version; admins)",
        _cmd_config_set_weight,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("--scheme", choices=list(SCHEMES), default="ocgm")
    p.add_argument("--factor", required=True, help="e.g. markets.drugs")
    p.add_argument("--weight", type=float, required=True, help="the new weight")
    p.add_argument("--note", help="why it changed")
    p = cli.subcommand(
        g,
        "load",
        "store a whole configuration document as a new version",
        _cmd_config_load,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("--kind", choices=list(scoring.CONFIG_KINDS), required=True)
    p.add_argument("file", help="JSON document (as printed by 'config show', its 'body')")
    p.add_argument("--note", help="why it changed")

    gh = "OCG register commands"
    p = cli.subcommand(
        "ocg",
        "trigger",
        "record an event that brings a re-assessment forward",
        _cmd_trigger,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("--ocg", type=ocg_ref, required=True, help="the group: OCG-0012 or 12")
    p.add_argument("--kind", choices=list(TRIGGER_KINDS), required=True)
    p.add_argument("--on", type=_date, default=None, help="date of the event (default today)")
    p.add_argument("--note", help="a short note")
    for name, help_, fn in (
        ("archive", "archive an OCG (supervisor, with a rationale)", _cmd_archive),
        (
            "reactivate",
            "reactivate an archived OCG (supervisor, with a rationale)",
            _cmd_reactivate,
        ),
    ):
        p = cli.subcommand("ocg", name, help_, fn, group_help=gh)
        add_db_argument(p)
        p.add_argument("--ocg", type=ocg_ref, required=True, help="the group: OCG-0012 or 12")
        p.add_argument("--rationale", required=True, help="why")
