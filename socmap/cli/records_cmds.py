"""Records from the command line: create and edit every record an analyst keeps, headless.

Each command is a thin wrapper over the service the matching dialog calls (one transaction,
role-checked, audited), so the validation and the messages are the dialogs'. ``--json`` prints
what changed: the record as stored, its id (and ``ref`` for a group) and the kinds touched.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import html
from pathlib import Path
from typing import Any

from socmap.cli import Cli, add_db_argument
from socmap.cli.common import db_path, ocg_ref, open_existing, print_json
from socmap.domain.changes import Changes
from socmap.domain.disruptions import Disruption
from socmap.domain.errors import NotFoundError, SocmapError, ValidationError
from socmap.domain.groups import ExternalRef, Location, Membership, Nominal, Ocg
from socmap.domain.ids import NominalId, format_ocg_ref
from socmap.domain.partners import Partner, PartnerLink
from socmap.domain.text import plural
from socmap.services import disruptions, partners, profiles, queries, register, scoring
from socmap.services.geography import coordinates_to_bng
from socmap.services.map_data import AUDIENCES
from socmap.services.register import as_record
from socmap.store.db import Store, open_store

# ------------------------------------------------------------------------------ helpers


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (use YYYY-MM-DD)") from None


def _csv(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def _changes_json(changes: Changes) -> dict[str, Any]:
    return {
        "kinds": sorted(changes.kinds),
        "ids": {k: sorted(v) for k, v in sorted(changes.ids.items())},
    }


def _report(args: argparse.Namespace, text: str, record: dict[str, Any], changes: Changes) -> int:
    """Print one line for a person, or the record and the changes as JSON."""
    if getattr(args, "json", False):
        if record.get("ocg_id") and "ocg_ref" not in record:  # the reference shown on screen
            record = {**record, "ocg_ref": format_ocg_ref(int(record["ocg_id"]))}
        print_json({**record, "changes": _changes_json(changes)})
    else:
        print(text)
    return 0


def _area_id(store: Store, name: str | None) -> int | None:
    if name is None or not name.strip():
        return None
    return int(profiles.find_area(store, name).id)


def _partner_id(store: Store, ref: str) -> int:
    """A partner agency by id or name (case-insensitive)."""
    text = ref.strip()
    choices = partners.partner_choices(store)
    if text.isdigit():
        pid = int(text)
        if any(p == pid for p, _n in choices):
            return pid
        raise NotFoundError(f"there is no partner agency with id {pid}")
    for pid, name in choices:
        if name.casefold() == text.casefold():
            return pid
    raise NotFoundError(f"there is no partner agency called '{ref}'")


def _parse_name(text: str) -> tuple[str, str]:
    """``SURNAME, Forenames`` (or ``Forenames SURNAME``) as (surname, forenames)."""
    if "," in text:
        surname, _, forenames = text.partition(",")
        return surname.strip(), forenames.strip()
    parts = text.split()
    if len(parts) < 2:
        return text.strip(), ""
    *given, last = parts
    return last, " ".join(given)


def _references(values: list[str] | None) -> tuple[ExternalRef, ...]:
    refs = []
    for v in values or []:
        system, sep, value = v.partition("=")
        if not sep:
            raise ValidationError("references", f"'{v}' is not SYSTEM=VALUE (e.g. OCGM=12345)")
        refs.append(ExternalRef(system.strip(), value.strip()))
    return tuple(refs)


def _ocg_json(ocg: Ocg) -> dict[str, Any]:
    rec = as_record(ocg)
    rec["ref"] = format_ocg_ref(ocg.id or 0)
    return rec


# ------------------------------------------------------------------------------ init


def _cmd_init(args: argparse.Namespace) -> int:
    path = db_path(args)
    if path.exists() and path.stat().st_size > 0:
        raise SocmapError(f"{path} already exists; socmap init only creates a new database")
    store = open_store(path)
    actor = store.actor
    store.close()
    print(f"created {path}; {actor} is its administrator (next: socmap areas import)")
    return 0


# ------------------------------------------------------------------------------ OCGs


def _cmd_ocg_add(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        ocg = Ocg(
            name=args.name,
            primary_market=args.market,
            secondary_markets=args.secondary_markets or (),
            enablers=args.enablers or (),
            aliases=tuple(args.alias or ()),
            lead_area_id=_area_id(store, args.lead_area),  # type: ignore[arg-type]
            lro=args.lro or "",
            identified_on=args.identified_on,
            references=_references(args.reference),
            notes=args.notes or "",
            **({"marking": args.marking} if args.marking else {}),
        )
        stored, changes = register.create_ocg(store, ocg)
    finally:
        store.close()
    return _report(args, f"created {stored.display_id} ({stored.name})", _ocg_json(stored), changes)


def _cmd_ocg_edit(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        before = queries.get_ocg(store, args.ocg)
        edits: dict[str, Any] = {}
        for name in ("name", "lro", "notes", "identified_on", "marking"):
            if getattr(args, name) is not None:
                edits[name] = getattr(args, name)
        if args.market is not None:
            edits["primary_market"] = args.market or None
        if args.secondary_markets is not None:
            edits["secondary_markets"] = args.secondary_markets
        if args.enablers is not None:
            edits["enablers"] = args.enablers
        if args.alias is not None:
            edits["aliases"] = tuple(args.alias)
        if args.reference is not None:
            edits["references"] = _references(args.reference)
        if args.lead_area is not None:
            edits["lead_area_id"] = _area_id(store, args.lead_area)
        if not edits:
            raise ValidationError("ocg", "nothing to change (give at least one field option)")
        stored, changes = register.update_ocg(store, dataclasses.replace(before, **edits))
    finally:
        store.close()
    return _report(args, f"saved {stored.display_id}", _ocg_json(stored), changes)


def _cmd_ocg_set_status(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        changes = scoring.set_status(
            store, ocg_id=args.ocg, status=args.status, rationale=args.rationale or "", on=args.on
        )
        stored = queries.get_ocg(store, args.ocg)
    finally:
        store.close()
    return _report(
        args, f"{stored.display_id} is now {stored.status.value}", _ocg_json(stored), changes
    )


# ------------------------------------------------------------------------------ members


def _cmd_member_add(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        membership = Membership(
            ocg_id=args.ocg,
            nominal_id=NominalId(args.nominal or 0),
            role=args.role,
            tags=tuple(args.tags or ()),
            start=args.start,
        )
        new = None
        if args.nominal is None:
            if not args.name:
                raise ValidationError("name", "give --name for a new person or --nominal ID")
            surname, forenames = _parse_name(args.name)
            new = Nominal(
                surname=surname,
                forenames=forenames,
                date_of_birth=args.born,
                aliases=tuple(args.alias or ()),
            )
        stored, created, changes = register.add_member(store, membership, new_nominal=new)
    finally:
        store.close()
    rec = {**as_record(stored), "ocg_ref": format_ocg_ref(stored.ocg_id)}
    if created is not None:
        rec["nominal"] = as_record(created)
    return _report(
        args,
        f"membership {stored.id}: nominal {stored.nominal_id} added to "
        f"{format_ocg_ref(stored.ocg_id)} as {stored.role.value}",
        rec,
        changes,
    )


def _cmd_member_end(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        membership_id = args.membership
        if membership_id is None:
            if args.ocg is None or args.nominal is None:
                raise ValidationError("membership", "give --membership ID, or --ocg and --nominal")
            live = [
                m
                for m, _n in queries.ocg_detail(store, args.ocg).members
                if m.nominal_id == args.nominal and m.end is None
            ]
            if not live:
                raise NotFoundError(
                    f"nominal {args.nominal} has no current membership of "
                    f"{format_ocg_ref(args.ocg)}"
                )
            membership_id = live[0].id
        stored, changes = register.end_membership(store, membership_id, on=args.on)
    finally:
        store.close()
    return _report(
        args,
        f"membership {stored.id} ended on {stored.end}",
        as_record(stored),
        changes,
    )


# ------------------------------------------------------------------------------ locations


def _cmd_location_add(args: argparse.Namespace) -> int:
    if (args.easting is None) != (args.northing is None) or (args.lon is None) != (
        args.lat is None
    ):
        raise ValidationError(
            "coordinates", "give both --easting and --northing, or --lon and --lat"
        )
    if (args.easting is None) == (args.lon is None):
        raise ValidationError("coordinates", "give --easting/--northing or --lon/--lat (not both)")
    if args.easting is not None:
        sx, sy, system = args.easting, args.northing, "bng"
    else:
        sx, sy, system = args.lon, args.lat, "wgs84"
    e, n, crs = coordinates_to_bng(sx, sy, system)
    store = open_existing(args)
    try:
        stored, changes = register.add_location(
            store,
            Location(
                ocg_id=args.ocg,
                kind=args.kind,
                easting=e,
                northing=n,
                label=args.label or "",
                source_x=sx,
                source_y=sy,
                source_crs=crs,
            ),
        )
        names = {int(a.id): a.name for a in queries.area_list(store)}
    finally:
        store.close()
    area = names.get(int(stored.area_id)) if stored.area_id is not None else None
    rec = {**as_record(stored), "area": area}
    return _report(
        args,
        f"location {stored.id} added to {format_ocg_ref(stored.ocg_id)} "
        f"({area or 'outside every area'})",
        rec,
        changes,
    )


def _cmd_location_remove(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        before, changes = register.remove_location(store, args.location)
    finally:
        store.close()
    return _report(
        args,
        f"location {before.id} removed from {format_ocg_ref(before.ocg_id)}",
        as_record(before),
        changes,
    )


# ------------------------------------------------------------------------------ partners


def _cmd_partner_add(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        area_ids = tuple(_area_id(store, a) or 0 for a in args.areas or ())
        stored, changes = partners.create_partner(
            store,
            Partner(
                name=args.name,
                partner_type=args.type,
                area_ids=area_ids,
                isa_reference=args.isa_reference or "",
                isa_expires=args.isa_expires,
                notes=args.notes or "",
            ),
        )
    finally:
        store.close()
    return _report(args, f"partner {stored.id} created ({stored.name})", as_record(stored), changes)


def _cmd_partner_edit(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        before = partners.get_partner(store, _partner_id(store, args.partner))
        edits: dict[str, Any] = {}
        if args.name is not None:
            edits["name"] = args.name
        if args.type is not None:
            edits["partner_type"] = args.type
        if args.areas is not None:
            edits["area_ids"] = tuple(_area_id(store, a) or 0 for a in args.areas)
        if args.isa_reference is not None:
            edits["isa_reference"] = args.isa_reference
        if args.isa_expires is not None:
            edits["isa_expires"] = args.isa_expires
        if args.notes is not None:
            edits["notes"] = args.notes
        if not edits:
            raise ValidationError("partner", "nothing to change (give at least one field option)")
        stored, changes = partners.update_partner(store, dataclasses.replace(before, **edits))
    finally:
        store.close()
    return _report(args, f"partner {stored.id} saved", as_record(stored), changes)


def _cmd_partner_link(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        stored, changes = partners.link_partner(
            store,
            PartnerLink(
                partner_id=_partner_id(store, args.partner),
                ocg_id=args.ocg,
                relation=args.relation,
                since=args.since,
                notes=args.notes or "",
            ),
        )
    finally:
        store.close()
    return _report(
        args,
        f"link {stored.id}: partner {stored.partner_id} -> {format_ocg_ref(stored.ocg_id)} "
        f"({stored.relation})",
        as_record(stored),
        changes,
    )


# ---------------------------------------------------------------------------- disruptions


def _cmd_disruption_record(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        partner_ids = tuple(_partner_id(store, p) for p in args.partner or ())
        lead = _partner_id(store, args.lead_partner) if args.lead_partner else None
        stored, changes = disruptions.record_disruption(
            store,
            Disruption(
                ocg_id=args.ocg,
                occurred_on=args.on or dt.date.today(),
                strand=args.strand,
                tactic=args.tactic,
                level=args.level,
                rationale=args.rationale or "",
                lead_agency=args.lead_agency,
                lead_partner_id=lead,
                partner_ids=partner_ids,
                nominal_ids=tuple(args.nominal or ()),
                lessons=args.lessons or "",
            ),
        )
    finally:
        store.close()
    return _report(
        args,
        f"disruption {stored.id} recorded against {format_ocg_ref(stored.ocg_id)} "
        f"(pending approval)",
        as_record(stored),
        changes,
    )


def _cmd_disruption_approve(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        after, changes = disruptions.approve_disruption(store, args.id)
    finally:
        store.close()
    state = (
        "approved"
        if after.status == "approved"
        else "first approval recorded; a Major disruption needs a second approver"
    )
    return _report(args, f"disruption {after.id}: {state}", as_record(after), changes)


def _cmd_disruption_reject(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        after, changes = disruptions.reject_disruption(store, args.id, reason=args.reason)
    finally:
        store.close()
    return _report(args, f"disruption {after.id}: rejected", as_record(after), changes)


# ------------------------------------------------------------------------------ profiles


def _text_to_html(text: str) -> str:
    paras = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paras)


def _cmd_profile_section_set(args: argparse.Namespace) -> int:
    path: Path = args.file
    store = open_existing(args)  # checks --area first: a wrong area is the likelier mistake
    try:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SocmapError(f"{path} does not exist") from None
        except UnicodeDecodeError as exc:
            raise SocmapError(f"{path} is not UTF-8 text (byte {exc.start})") from None
        area = profiles.find_area(store, args.area)
        current = profiles.sections(store, int(area.id)).get(args.section)
        result, changes = profiles.save_section(
            store,
            area_id=int(area.id),
            section=args.section,
            html=_text_to_html(text),
            text=text,
            owner=args.owner if args.owner is not None else (current.owner if current else ""),
            sources=args.sources
            if args.sources is not None
            else (current.sources if current else ""),
            based_on=current.version if current else 0,
        )
    finally:
        store.close()
    v = result.version
    return _report(
        args,
        f"{area.name}: section '{v.section}' saved as version {v.version}",
        {
            "area": area.name,
            "section": v.section,
            "version": v.version,
            "conflict": result.conflict,
        },
        changes,
    )


# ------------------------------------------------------------------------------ i2 and import


def _cmd_export_anx(args: argparse.Namespace) -> int:
    from socmap.export.anx import write_anx

    scope = (
        "ocg" if args.ocg is not None else ("between-groups" if args.between_groups else "partners")
    )
    store = open_existing(args)
    try:
        result = write_anx(
            store, scope=scope, audience=args.audience, path=args.output, ocg_id=args.ocg
        )
    finally:
        store.close()
    print(
        f"wrote {result.path}: {plural(result.entities, 'entity')}, {plural(result.links, 'link')} "
        f"({result.left_out} left out for the {args.audience} audience); marked {result.marking}"
    )
    return 0


def _cmd_export_layers(args: argparse.Namespace) -> int:
    from socmap.export.layers import write_layers

    store = open_existing(args)
    try:
        result = write_layers(store, fmt=args.format, audience=args.audience, path=args.output)
    finally:
        store.close()
    counts = ", ".join(f"{v} {k}" for k, v in result.counts.items())
    print(f"wrote {result.path}: {counts}; marked {result.marking}")
    return 0


def _cmd_export_register(args: argparse.Namespace) -> int:
    from socmap.export.register_table import write_register

    store = open_existing(args)
    try:
        result = write_register(store, fmt=args.format, audience=args.audience, path=args.output)
    finally:
        store.close()
    print(f"wrote {result.path}: {plural(result.rows, 'group')}; marked {result.marking}")
    return 0


def _nominal_ref(text: str) -> int:
    """A nominal by id: ``12`` or ``NOM-0012`` (as i2 charts and exports show it)."""
    t = text.strip().upper().removeprefix("NOM-")
    if not t.isdigit() or int(t) <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a nominal id (12 or NOM-0012)")
    return int(t)


def _cmd_nominal_merge(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        result, changes = register.merge_nominals(store, keep=args.keep, drop=args.drop)
    finally:
        store.close()
    moved = sum(v["moved"] for v in result.moved.values())
    folded = sum(v["folded"] for v in result.moved.values())
    text = (
        f"merged nominal {args.drop} into nominal {args.keep}: {plural(moved, 'record')} moved"
        + (f", {folded} folded into the kept record's own" if folded else "")
        + (f"; one membership kept in {', '.join(format_ocg_ref(g) for g in result.merged_memberships)}"
           if result.merged_memberships else "")
    )  # fmt: skip
    record = {
        "kept": as_record(result.kept),
        "dropped_id": result.dropped_id,
        "moved": result.moved,
        "merged_memberships": [format_ocg_ref(g) for g in result.merged_memberships],
    }
    return _report(args, text, record, changes)


def _cmd_export_report(args: argparse.Namespace) -> int:
    from socmap.export.report_tables import write_report

    store = open_existing(args)
    try:
        result = write_report(
            store,
            args.report,
            fmt=args.format,
            audience=args.audience,
            path=args.output,
            today=getattr(args, "as_of", None),
            area=args.area,
        )
    finally:
        store.close()
    withheld = (
        f" ({plural(result.left_out, 'group')} withheld from the {args.audience} audience)"
        if result.left_out
        else ""
    )
    print(f"wrote {result.path}: {plural(result.rows, 'row')}{withheld}; marked {result.marking}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    suffix = args.file.suffix.lower()
    if suffix == ".anx":
        return _import_anx(args)
    if suffix in (".xlsx", ".xlsm", ".csv"):
        return _import_spec(args)
    raise SocmapError(
        f"{args.file}: socmap import reads i2 charts (.anx) and spreadsheets (.xlsx, .csv with "
        "--spec)"
    )


def _import_anx(args: argparse.Namespace) -> int:
    from socmap.services import anx_import

    store = open_existing(args)
    try:
        result = anx_import.import_chart(store, args.file, dry_run=args.dry_run)
    finally:
        store.close()
    plan = result.plan
    if args.json:
        print_json({"written": result.written, "sha256": result.sha256, **plan.counts(),
                    "skipped_items": plan.skipped, "problems": plan.problems})  # fmt: skip
        return 0 if result.written or not plan.problems else 7
    for line in plan.lines():
        print(line)
    if not result.written:
        print("dry run: nothing was written" + (" (the import would be refused)" if plan.problems
                                                 else ""))  # fmt: skip
        return 7 if plan.problems else 0
    print(f"imported {args.file.name} (SHA-256 {result.sha256[:12]}...)")
    return 0


def _import_spec(args: argparse.Namespace) -> int:
    from socmap.services import spec_import

    if args.spec is None:
        raise SocmapError(f"{args.file}: a spreadsheet import needs --spec SPEC.json")
    accept = spec_import.parse_accept(args.accept_match)
    store = open_existing(args)
    try:
        result = spec_import.import_file(
            store, args.file, spec_path=args.spec, dry_run=args.dry_run, accept=accept
        )
    finally:
        store.close()
    plan = result.plan
    if args.json:
        print_json(
            {
                "written": result.written,
                "sha256": result.sha256,
                "counts": plan.counts(),
                "candidates": [
                    {"row": c.row, "name": c.name, "matches": c.matches} for c in plan.candidates
                ],
                "refused": [p.text(plan.path) for p in plan.problems],
            }
        )
    else:
        for line in plan.lines():
            print(line)
        if result.written:
            print(f"imported {args.file.name} (SHA-256 {result.sha256[:12]}...)")
        else:
            print(
                "dry run: nothing was written"
                + (" (the import would be refused)" if plan.problems else "")
            )
    return 7 if (not result.written and plan.problems) else 0


# ------------------------------------------------------------------------------ parser


def _json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the stored record and what changed")


def _ocg_fields(p: argparse.ArgumentParser, *, new: bool) -> None:
    p.add_argument("--name", required=new, help="the group's working name")
    p.add_argument("--lead-area", metavar="AREA", help="the lead area, by name")
    p.add_argument("--market", metavar="M", help="the primary market (drugs, violence, fraud...)")
    p.add_argument(
        "--secondary-markets", type=_csv, metavar="M,M", help="other markets, comma-separated"
    )
    p.add_argument("--enablers", type=_csv, metavar="E,E", help="enablers, comma-separated")
    p.add_argument("--alias", action="append", help="an alias (repeat for several)")
    p.add_argument("--lro", help="the Lead Responsible Officer")
    p.add_argument("--identified-on", type=_date, metavar="DATE", help="date identified")
    p.add_argument("--marking", help="protective marking (OFFICIAL or OFFICIAL-SENSITIVE)")
    p.add_argument(
        "--reference",
        action="append",
        metavar="SYSTEM=VALUE",
        help="a reference in another system, e.g. OCGM=12345 (repeat for several)",
    )
    p.add_argument("--notes", help="free-text notes")


def add_commands(cli: Cli) -> None:
    """Register this module's commands."""
    p = cli.command(
        "init",
        "create an empty force database; the account running it becomes its administrator",
        _cmd_init,
    )
    add_db_argument(p, required=True)

    gh = "the OCG register"
    p = cli.subcommand(
        "ocg", "add", "record a new OCG (it starts as a trigger)", _cmd_ocg_add, group_help=gh
    )
    add_db_argument(p)
    _ocg_fields(p, new=True)
    _json_flag(p)

    p = cli.subcommand("ocg", "edit", "change an OCG's fields", _cmd_ocg_edit, group_help=gh)
    add_db_argument(p)
    p.add_argument("--ocg", type=ocg_ref, required=True, help="the group: OCG-0012 or 12")
    _ocg_fields(p, new=False)
    _json_flag(p)

    p = cli.subcommand(
        "ocg",
        "set-status",
        "move an OCG along its lifecycle (trigger, draft, active, archived); archiving and "
        "reactivating need a supervisor and --rationale",
        _cmd_ocg_set_status,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("--ocg", type=ocg_ref, required=True, help="the group: OCG-0012 or 12")
    p.add_argument("--status", required=True, help="trigger, draft, active or archived")
    p.add_argument("--rationale", help="why (required to archive or reactivate)")
    p.add_argument("--on", type=_date, metavar="DATE", help="date of an archive (default today)")
    _json_flag(p)

    p = cli.subcommand(
        "nominal",
        "merge",
        "merge two nominal records of the same person: everything recorded against DROP "
        "(memberships, links, at-risk entries, disruptions, reviews) moves to KEEP, DROP's name "
        "becomes an alias; one transaction, audited with both records",
        _cmd_nominal_merge,
        group_help="nominals (people)",
    )
    add_db_argument(p)
    p.add_argument(
        "keep", type=_nominal_ref, metavar="KEEP", help="the record to keep: 12 or NOM-0012"
    )
    p.add_argument("drop", type=_nominal_ref, metavar="DROP", help="the record folded into KEEP")
    _json_flag(p)

    gh = "an OCG's members"
    p = cli.subcommand(
        "member",
        "add",
        "add a person to an OCG in a role (a new nominal with --name, or --nominal ID)",
        _cmd_member_add,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("--ocg", type=ocg_ref, required=True, help="the group: OCG-0012 or 12")
    p.add_argument("--name", help='a new person as "SURNAME, Forenames"')
    p.add_argument("--nominal", type=int, metavar="ID", help="an existing nominal's id")
    p.add_argument("--role", required=True, help="principal, significant or peripheral")
    p.add_argument("--born", type=_date, metavar="YYYY-MM-DD", help="date of birth (new person)")
    p.add_argument("--alias", action="append", help="an alias of a new person (repeatable)")
    p.add_argument("--tags", type=_csv, metavar="T,T", help="membership tags, comma-separated")
    p.add_argument("--start", type=_date, metavar="DATE", help="date the membership started")
    _json_flag(p)

    p = cli.subcommand(
        "member",
        "end",
        "record that a membership ended (the record is kept)",
        _cmd_member_end,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("--membership", type=int, metavar="ID", help="the membership's id")
    p.add_argument("--ocg", type=ocg_ref, help="the group (with --nominal)")
    p.add_argument("--nominal", type=int, metavar="ID", help="the person (with --ocg)")
    p.add_argument("--on", type=_date, metavar="DATE", help="date it ended (default today)")
    _json_flag(p)

    gh = "an OCG's locations"
    p = cli.subcommand(
        "location",
        "add",
        "add an OCG location by British National Grid or WGS84 longitude/latitude; its area "
        "is found from the coordinates",
        _cmd_location_add,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("--ocg", type=ocg_ref, required=True, help="the group: OCG-0012 or 12")
    p.add_argument("--kind", required=True, help="base, stash, trading_site, business, ...")
    p.add_argument("--easting", type=float, help="BNG easting (metres)")
    p.add_argument("--northing", type=float, help="BNG northing (metres)")
    p.add_argument("--lon", type=float, help="WGS84 longitude")
    p.add_argument("--lat", type=float, help="WGS84 latitude")
    p.add_argument("--label", help="a label for the place")
    _json_flag(p)

    p = cli.subcommand(
        "location", "remove", "remove an OCG location", _cmd_location_remove, group_help=gh
    )
    add_db_argument(p)
    p.add_argument("--location", type=int, required=True, metavar="ID", help="the location's id")
    _json_flag(p)

    gh = "partner agencies"
    p = cli.subcommand("partner", "add", "add a partner agency", _cmd_partner_add, group_help=gh)
    add_db_argument(p)
    p.add_argument("--name", required=True, help="the agency's name")
    p.add_argument("--type", required=True, help="partner type key (council_community, hmrc...)")
    p.add_argument("--areas", type=_csv, metavar="A,B", help="areas it serves, by name")
    p.add_argument("--isa-reference", help="information-sharing agreement reference")
    p.add_argument("--isa-expires", type=_date, metavar="DATE", help="ISA expiry date")
    p.add_argument("--notes", help="free-text notes")
    _json_flag(p)

    p = cli.subcommand(
        "partner", "edit", "change a partner agency's fields", _cmd_partner_edit, group_help=gh
    )
    add_db_argument(p)
    p.add_argument("--partner", required=True, metavar="P", help="the agency: id or name")
    p.add_argument("--name", help="new name")
    p.add_argument("--type", help="partner type key")
    p.add_argument("--areas", type=_csv, metavar="A,B", help="areas it serves, by name")
    p.add_argument("--isa-reference", help="information-sharing agreement reference")
    p.add_argument("--isa-expires", type=_date, metavar="DATE", help="ISA expiry date")
    p.add_argument("--notes", help="free-text notes")
    _json_flag(p)

    p = cli.subcommand(
        "partner",
        "link",
        "link a partner agency to an OCG with a relation (intelligence_source, "
        "enforcement_lever, safeguarding_lead, action_owner)",
        _cmd_partner_link,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("--partner", required=True, metavar="P", help="the agency: id or name")
    p.add_argument("--ocg", type=ocg_ref, required=True, help="the group: OCG-0012 or 12")
    p.add_argument("--relation", required=True, help="the relation")
    p.add_argument("--since", type=_date, metavar="DATE", help="date the link began")
    p.add_argument("--notes", help="free-text notes")
    _json_flag(p)

    gh = "the disruption log"
    p = cli.subcommand(
        "disruptions",
        "record",
        "record a disruption claim against an OCG (pending until approved; a Major claim "
        "brings the group's re-assessment forward)",
        _cmd_disruption_record,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("--ocg", type=ocg_ref, required=True, help="the group: OCG-0012 or 12")
    p.add_argument("--strand", required=True, help="pursue, prevent, protect or prepare")
    p.add_argument("--tactic", required=True, help="tactic key (arrest_charge, drugs_seizure...)")
    p.add_argument("--level", required=True, help="major, moderate, minor, none or negative")
    p.add_argument("--rationale", help="why this level is claimed")
    p.add_argument("--partner", action="append", metavar="P", help="a partner involved (repeat)")
    p.add_argument("--lead-agency", default="Police", help="the lead agency (default Police)")
    p.add_argument("--lead-partner", metavar="P", help="the lead partner agency: id or name")
    p.add_argument("--nominal", type=int, action="append", metavar="ID", help="a person affected")
    p.add_argument("--lessons", help="lessons learned")
    p.add_argument("--on", type=_date, metavar="DATE", help="date it happened (default today)")
    _json_flag(p)

    p = cli.subcommand(
        "disruptions",
        "approve",
        "approve a disruption claim (a Major claim needs two different supervisors)",
        _cmd_disruption_approve,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("id", type=int, metavar="ID", help="the disruption's id")
    _json_flag(p)

    p = cli.subcommand(
        "disruptions",
        "reject",
        "refuse a pending disruption claim, with the reason",
        _cmd_disruption_reject,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("id", type=int, metavar="ID", help="the disruption's id")
    p.add_argument("--reason", required=True, help="why the claim is refused")
    _json_flag(p)

    section_help = "a local profile's narrative sections"
    p = cli.subcommand(
        "profile", "section", section_help, _print_section_help, group_help="local profiles"
    )
    p.set_defaults(section_parser=p)
    sub = p.add_subparsers(dest="profile_section_command", metavar="SUBCOMMAND")
    help_ = "save a section's narrative from a UTF-8 text file as a new version"
    sp = sub.add_parser("set", help=help_, description=help_)
    sp.set_defaults(handler=_cmd_profile_section_set)
    add_db_argument(sp)
    sp.add_argument("--area", required=True, help="the area, by name")
    sp.add_argument(
        "--section",
        required=True,
        help="key_judgements, threat, vulnerability, risk, partner_data, action_plan or intel_gaps",
    )
    sp.add_argument("--file", type=Path, required=True, help="the text file")
    sp.add_argument("--owner", help="the section's owner (default: as before)")
    sp.add_argument("--sources", help="the sources (default: as before)")
    _json_flag(sp)
    add_io_commands(cli)


def add_io_commands(cli: Cli) -> None:
    """``socmap export anx`` and ``socmap import``."""
    p = cli.subcommand(
        "export",
        "anx",
        "write an i2 Analyst's Notebook chart (.anx): a group's network, the links between "
        "groups, or the partner graph, as the audience may see it (marked, audited)",
        _cmd_export_anx,
        group_help="files for people and other tools",
    )
    add_db_argument(p)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--ocg", type=ocg_ref, help="a group's network: OCG-0012 or 12")
    what.add_argument("--between-groups", action="store_true", help="the links between groups")
    what.add_argument("--partners", action="store_true", help="the partner graph")
    p.add_argument(
        "--audience",
        choices=AUDIENCES,
        required=True,
        help="internal, neighbourhood or partner (the last two: references only, no names)",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE.anx",
        help="the .anx file to write",
    )

    p = cli.subcommand(
        "export",
        "layers",
        "write the map's layers (areas, OCG locations, intelligence) as a GeoPackage or KML, "
        "as the audience may see them, marked in the layer metadata",
        _cmd_export_layers,
    )
    add_db_argument(p)
    p.add_argument(
        "--format",
        choices=("gpkg", "kml"),
        help="file format (default: the output file's suffix; a contradicting suffix is refused)",
    )
    p.add_argument(
        "--audience", choices=AUDIENCES, required=True, help="internal, neighbourhood or partner"
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="the file to write")

    p = cli.subcommand(
        "export",
        "register",
        "write the OCG register as XLSX or CSV (formula injection neutralised; marked)",
        _cmd_export_register,
    )
    add_db_argument(p)
    p.add_argument(
        "--format",
        choices=("xlsx", "csv"),
        help="file format (default: the output file's suffix; a contradicting suffix is refused)",
    )
    p.add_argument(
        "--audience", choices=AUDIENCES, required=True, help="internal, neighbourhood or partner"
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="the file to write")

    for report, help_ in (
        ("due", "write the re-assessment due list (most urgent first) as XLSX or CSV"),
        ("compliance", "write re-assessment compliance per lead area as XLSX or CSV"),
        ("what-works", "write the 'what works' disruption table (per 4P strand and tactic) as "
                       "XLSX or CSV"),
    ):  # fmt: skip
        p = cli.subcommand(
            "export",
            report,
            help_ + ": marked in the sheet, its header and footer and the file's properties; "
            "groups the audience may not see are left out, names only for internal; audited",
            _cmd_export_report,
        )
        p.set_defaults(report=report)
        add_db_argument(p)
        p.add_argument(
            "--format",
            choices=("xlsx", "csv"),
            help="file format (default: the output file's suffix; a contradicting suffix is "
            "refused)",
        )
        p.add_argument(
            "--audience",
            choices=AUDIENCES,
            required=True,
            help="internal, neighbourhood or partner",
        )
        p.add_argument("-o", "--output", type=Path, required=True, help="the file to write")
        p.add_argument("--area", help="only groups whose lead area is NAME")
        if report != "what-works":
            p.add_argument(
                "--as-of",
                type=_date,
                default=None,
                help="the day to judge the schedule on (default today)",
            )

    p = cli.command(
        "import",
        "import an i2 chart (.anx) or a spreadsheet (.xlsx/.csv with --spec) into the register: "
        "all or nothing, audited with the file's SHA-256",
        _cmd_import,
    )
    p.add_argument("file", type=Path, metavar="FILE", help="the .anx, .xlsx or .csv file")
    add_db_argument(p)
    p.add_argument("--spec", type=Path, metavar="SPEC.json", help="column mappings (spreadsheets)")
    p.add_argument(
        "--dry-run", action="store_true", help="show what would be imported; write nothing"
    )
    p.add_argument(
        "--accept-match",
        action="append",
        metavar="ROW=NOMINAL_ID",
        help="accept a proposed person match (spreadsheets; ROW as 'sheet:row', repeatable)",
    )
    p.add_argument("--json", action="store_true", help="print the preview or result as JSON")


def _print_section_help(args: argparse.Namespace) -> int:
    import sys

    args.section_parser.print_help(sys.stderr)
    return 2
