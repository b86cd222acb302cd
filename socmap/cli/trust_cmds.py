"""Commands for trust: users and roles, the audit trail, review and disposal, backup/restore."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from socmap.cli import Cli, add_db_argument
from socmap.cli.common import db_path, open_existing, print_cut, print_json, print_table
from socmap.domain.errors import ValidationError
from socmap.domain.text import Page, plural
from socmap.services import accounts, audit_trail, backup, review
from socmap.services.audit_trail import AuditFilter, parse_date
from socmap.store.db import current_account

# ------------------------------------------------------------------------------------ users


def _cmd_users_add(args: argparse.Namespace) -> int:
    store = open_existing(args)
    accounts.add_account(store, args.account, args.role)
    print(f"added {args.account.strip()} as {args.role.strip().lower()}")
    return 0


def _cmd_users_list(args: argparse.Namespace) -> int:
    store = open_existing(args)
    rows = accounts.list_accounts(store)
    if args.json:
        print_json([dataclasses.asdict(a) for a in rows])
        return 0
    print_table(["account", "role", "added on"], [[a.account, a.role, a.added_on] for a in rows])
    return 0


def _cmd_users_set_role(args: argparse.Namespace) -> int:
    store = open_existing(args)
    changes = accounts.set_account_role(store, args.account, args.role)
    what = "unchanged" if changes.empty else "now"
    print(f"{args.account.strip()} is {what} {args.role.strip().lower()}")
    return 0


def _cmd_users_remove(args: argparse.Namespace) -> int:
    store = open_existing(args)
    accounts.remove_account(store, args.account)
    print(f"removed {args.account.strip()} (it now has a viewer's rights only)")
    return 0


# ------------------------------------------------------------------------------------ audit


def _filter(args: argparse.Namespace) -> AuditFilter:
    entity = entity_id = None
    if args.record:
        entity, _, rest = args.record.partition(":")
        entity_id = rest or None
    return AuditFilter(
        person=args.person,
        entity=entity,
        entity_id=entity_id,
        action=args.action,
        since=parse_date(args.since, field="since") if args.since else None,
        until=parse_date(args.until, field="until") if args.until else None,
        limit=args.limit,
    )


def _cmd_audit_verify(args: argparse.Namespace) -> int:
    store = open_existing(args)
    problem = audit_trail.verify(store, expect_head=args.head)
    if problem is None:
        print(f"audit chain intact: head {audit_trail.head(store)}")
        return 0
    print(f"audit chain broken at row {problem.row_id}: {problem.reason}")
    return 1


def _cmd_audit_head(args: argparse.Namespace) -> int:
    store = open_existing(args)
    print(audit_trail.head(store))
    return 0


def _cmd_audit_list(args: argparse.Namespace) -> int:
    store = open_existing(args)
    rows = audit_trail.entries(store, _filter(args))
    how = f"use --limit {rows.total} to see them all (or narrow the filter)"
    if args.json:
        print_json([dataclasses.asdict(r) for r in rows])
        print_cut(rows, "matching audit row", how, json_output=True)
        return 0
    print_table(
        ["id", "time (UTC)", "person", "action", "record", "summary"],
        [
            [r.id, r.ts[:19], r.actor, r.action, f"{r.entity} {r.entity_id}".strip(), r.summary]
            for r in rows
        ],
    )
    print_cut(rows, "matching audit row", how)
    return 0


def _cmd_audit_export(args: argparse.Namespace) -> int:
    store = open_existing(args)
    flt = _filter(args)
    total = audit_trail.entries(store, dataclasses.replace(flt, limit=1)).total
    n, _ = audit_trail.export_extract(store, flt, args.output, include_payload=args.values)
    print(f"wrote {plural(n, 'audit row')} to {args.output}")
    print_cut(
        Page(range(n), total),
        "matching audit row",
        f"use --limit {total} to export them all (or narrow the filter)",
    )
    return 0


# ----------------------------------------------------------------------------------- review

#: One record in the review queue, and many.
DUE = ("record due for review", "records due for review")


def _cmd_review_queue(args: argparse.Namespace) -> int:
    store = open_existing(args)
    as_of = parse_date(args.as_of, field="as_of") if args.as_of else None
    items = review.review_queue(store, as_of=as_of, limit=args.limit)
    how = f"use --limit {items.total} to see them all"
    if args.json:
        print_json([item._asdict() for item in items])
        print_cut(items, DUE[0], how, json_output=True, plural_noun=DUE[1])
        return 0
    print_table(
        ["record", "id", "due", "group", "label", "rationale"],
        [[i.entity, i.id, i.due_text, i.group, i.label, i.rationale[:50]] for i in items],
    )
    print_cut(items, DUE[0], how, plural_noun=DUE[1])
    return 0


def _cmd_review_decide(args: argparse.Namespace) -> int:
    store = open_existing(args)
    if args.decision == "retain":
        if not args.until:
            raise ValidationError("until", "a decision to retain needs the next review date")
        review.retain(
            store,
            args.kind,
            args.id,
            next_review=parse_date(args.until, field="until"),
            rationale=args.rationale,
            group=args.group,
        )
        print(f"{args.kind} {args.id} retained until {args.until}")
        return 0
    if args.until:
        raise ValidationError("until", "a disposal has no next review date")
    report, _ = review.dispose(store, args.kind, args.id, rationale=args.rationale)
    print(
        f"{args.kind} {args.id} disposed of: {plural(sum(report.deleted.values()), 'row')} deleted, "
        f"{plural(report.payloads_erased, 'audit value')} erased"
    )
    if not report.compacted:
        print(
            "another program has the database open, so old copies may remain in its WAL file: "
            "close it and run 'socmap review compact'",
            file=sys.stderr,
        )
    return 0


def _cmd_review_compact(args: argparse.Namespace) -> int:
    store = open_existing(args)
    if review.compact_file(store):
        print("compacted: no old copies remain in the file or its WAL")
        return 0
    print("another program has the database open; close it and try again", file=sys.stderr)
    return 1


# ---------------------------------------------------------------------------- backup/restore


def _cmd_backup(args: argparse.Namespace) -> int:
    store = open_existing(args)
    report = backup.backup_database(store, args.output, overwrite=args.force)
    print(f"backup written to {report.path} ({report.size:,} bytes, checked)")
    print(f"sha256 {report.sha256}")
    print(f"audit head {report.audit_head}")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    path = db_path(args)
    if args.check_only:
        head, rows = backup.check_backup(args.backup, actor=current_account())
        print(f"{args.backup} is a whole socmap database: {plural(rows, 'audit row')}, head {head}")
        return 0
    report = backup.restore_database(path, args.backup, actor=current_account())
    print(f"restored {path} from {report.restored_from}")
    if report.replaced_kept_at:
        print(f"the replaced database is kept at {report.replaced_kept_at}")
    for entity, entity_id in report.reapplied_disposals:
        print(f"re-applied the disposal of {entity} {entity_id} (made after the backup)")
    return 0


def _date_help(what: str) -> str:
    return f"{what} (YYYY-MM-DD)"


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--person", help="only rows by this account")
    p.add_argument(
        "--record", metavar="KIND[:ID]", help="only rows about a record, e.g. nominal:12"
    )
    p.add_argument("--action", help="only this action (create, update, view, export, dispose...)")
    p.add_argument("--since", help=_date_help("from this date"))
    p.add_argument("--until", help=_date_help("up to and including this date"))
    p.add_argument("--limit", type=int, default=1000, help="at most this many rows (newest)")


def add_commands(cli: Cli) -> None:
    """Register this module's commands."""
    g = "accounts and their roles (viewer, analyst, supervisor, admin)"
    p = cli.subcommand(
        "users", "add", "register an account with a role", _cmd_users_add, group_help=g
    )
    add_db_argument(p)
    p.add_argument("account", help="the OS account name")
    p.add_argument("--role", required=True, help="viewer, analyst, supervisor or admin")

    p = cli.subcommand("users", "list", "list accounts and roles", _cmd_users_list, group_help=g)
    add_db_argument(p)
    p.add_argument("--json", action="store_true", help="print JSON (account, role, added_on)")

    p = cli.subcommand(
        "users", "set-role", "change an account's role (admin only)", _cmd_users_set_role
    )
    add_db_argument(p)
    p.add_argument("account", help="the OS account name")
    p.add_argument("role", help="viewer, analyst, supervisor or admin")

    p = cli.subcommand("users", "remove", "unregister an account (admin only)", _cmd_users_remove)
    add_db_argument(p)
    p.add_argument("account", help="the OS account name")

    g = "the tamper-evident audit trail"
    p = cli.subcommand(
        "audit",
        "verify",
        "check the audit chain: exit 0 when intact, 1 naming the first bad row",
        _cmd_audit_verify,
        group_help=g,
    )
    add_db_argument(p)
    p.add_argument(
        "--head", metavar="ID:HASH", help="also check against a head recorded earlier elsewhere"
    )

    p = cli.subcommand(
        "audit",
        "head",
        "print the chain's head (ID:HASH) to record outside the file",
        _cmd_audit_head,
    )
    add_db_argument(p)

    p = cli.subcommand("audit", "list", "show audit rows, newest first", _cmd_audit_list)
    add_db_argument(p)
    _add_filters(p)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = cli.subcommand("audit", "export", "write an audit extract (CSV)", _cmd_audit_export)
    add_db_argument(p)
    _add_filters(p)
    p.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE.csv", help="the CSV file to write"
    )
    p.add_argument("--values", action="store_true", help="include before/after values")

    g = "review and disposal of nominals and intelligence (MoPI)"
    p = cli.subcommand(
        "review", "queue", "list records due for review", _cmd_review_queue, group_help=g
    )
    add_db_argument(p)
    p.add_argument("--as-of", help=_date_help("due by this date (default today)"))
    p.add_argument("--limit", type=int, default=500, help="at most this many records")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = cli.subcommand(
        "review", "decide", "record a review decision: retain or dispose", _cmd_review_decide
    )
    add_db_argument(p)
    p.add_argument("kind", choices=("nominal", "intel"), help="the kind of record")
    p.add_argument("id", type=int, help="the record's id")
    p.add_argument("decision", choices=("retain", "dispose"), help="keep it, or delete it for real")
    p.add_argument("--rationale", required=True, help="why (kept on record; never a name)")
    p.add_argument("--until", help=_date_help("retain: the next review date"))
    p.add_argument("--group", choices=("1", "2", "3"), help="retain: review group 1, 2 or 3")

    p = cli.subcommand(
        "review",
        "compact",
        "vacuum the file and truncate its WAL (after a disposal made while it was open)",
        _cmd_review_compact,
    )
    add_db_argument(p)

    p = cli.command("backup", "write a checked backup while the app may be open", _cmd_backup)
    add_db_argument(p)
    p.add_argument("-o", "--output", type=Path, required=True, help="the backup file to write")
    p.add_argument("--force", action="store_true", help="replace an existing backup file")

    p = cli.command(
        "restore",
        "replace the database with a backup after checking it (the old file is kept aside)",
        _cmd_restore,
    )
    add_db_argument(p)
    p.add_argument("backup", type=Path, help="the backup file")
    p.add_argument(
        "--check-only", action="store_true", help="only check the backup; change nothing"
    )
