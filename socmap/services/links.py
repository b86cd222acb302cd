"""Writes for person <-> person associations and OCG <-> OCG links; one audited transaction each."""

from __future__ import annotations

from socmap.domain.changes import Changes
from socmap.domain.errors import ValidationError
from socmap.domain.ids import format_ocg_ref
from socmap.domain.network import Association, OcgLink, validate_association, validate_ocg_link
from socmap.domain.roles import Permission
from socmap.services.auth import require
from socmap.services.register import as_record
from socmap.store import audit, groups
from socmap.store import network as net
from socmap.store.db import Store, unit_of_work


def _check_person(store: Store, nominal_id: int, field: str) -> None:
    if not groups.nominal_exists(store, nominal_id):
        raise ValidationError(field, f"there is no person with id {nominal_id}")


@unit_of_work
def add_association(store: Store, association: Association) -> tuple[Association, Changes]:
    """Record a typed, dated, graded link between two people.

    Raises:
        ValidationError: a missing person, an unknown kind or grading, a range ending before it starts.
    """
    require(store, Permission.EDIT, action="record associations")
    a = validate_association(association)
    _check_person(store, a.nominal_a, "nominal_a")
    _check_person(store, a.nominal_b, "nominal_b")
    if a.kind == "exploited_by":
        raise ValidationError(
            "kind", "record exploitation on the person-at-risk record ('exploited by'), not here"
        )
    with store.atomic():
        stored = net.insert_association(store, a)
        audit.record(
            store,
            action="create",
            entity="association",
            entity_id=stored.id or "",
            summary=f"{stored.kind} link recorded between two nominals",
            after=as_record(stored),
        )
    return stored, Changes.of("association", stored.id or 0) | Changes.of(
        "nominal", a.nominal_a, a.nominal_b
    )


@unit_of_work
def remove_association(store: Store, association_id: int) -> tuple[Association, Changes]:
    """Remove a person link (a correction or an undo)."""
    require(store, Permission.EDIT, action="remove associations")
    with store.atomic():
        before = net.get_association(store, association_id)
        net.delete_association(store, association_id)
        audit.record(
            store,
            action="delete",
            entity="association",
            entity_id=association_id,
            summary=f"{before.kind} link removed",
            before=as_record(before),
        )
    return before, Changes.of("association", association_id)


@unit_of_work
def add_ocg_link(store: Store, link: OcgLink) -> tuple[OcgLink, Changes]:
    """Record a link between two groups (supplier, rival, merged, split, works with)."""
    require(store, Permission.EDIT, action="record links between groups")
    link = validate_ocg_link(link)
    for field, oid in (("ocg_a", link.ocg_a), ("ocg_b", link.ocg_b)):
        if not groups.ocg_exists(store, oid):
            raise ValidationError(field, f"there is no group {format_ocg_ref(oid)}")
    with store.atomic():
        stored = net.insert_ocg_link(store, link)
        audit.record(
            store,
            action="create",
            entity="ocg_link",
            entity_id=stored.id or "",
            summary=f"OCG-{link.ocg_a:04d} {link.kind} OCG-{link.ocg_b:04d}",
            after=as_record(stored),
        )
    return stored, Changes.of("ocg_link", stored.id or 0) | Changes.of(
        "ocg", link.ocg_a, link.ocg_b
    )


@unit_of_work
def remove_ocg_link(store: Store, link_id: int) -> tuple[OcgLink, Changes]:
    """Remove a group link."""
    require(store, Permission.EDIT, action="remove links between groups")
    with store.atomic():
        before = net.get_ocg_link(store, link_id)
        net.delete_ocg_link(store, link_id)
        audit.record(
            store,
            action="delete",
            entity="ocg_link",
            entity_id=link_id,
            summary=f"OCG-{before.ocg_a:04d} {before.kind} OCG-{before.ocg_b:04d} removed",
            before=as_record(before),
        )
    return before, Changes.of("ocg_link", link_id) | Changes.of("ocg", before.ocg_a, before.ocg_b)
