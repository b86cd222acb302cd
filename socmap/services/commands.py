"""Undoable edits: ``do(store)`` and ``undo(store)`` each run one short transaction.

The UI wraps these in QUndoCommands (ui/undo.py); they are tested here without Qt. Every do and
undo goes through the audited services, so undoing an edit is itself on record.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from socmap.domain.changes import Changes
from socmap.domain.groups import Location, Membership, Nominal, Ocg
from socmap.services import register
from socmap.store import groups
from socmap.store.db import Store, unit_of_work


class Command(Protocol):
    """An edit that can be done, undone and redone."""

    label: str

    def do(self, store: Store) -> Changes:
        """Apply the edit."""

    def undo(self, store: Store) -> Changes:
        """Revert the edit."""


class CreateOcg:
    """Add an OCG; undo removes it again."""

    def __init__(self, ocg: Ocg) -> None:
        self.ocg = ocg
        self.created: Ocg | None = None
        self.label = f"Add OCG '{ocg.name}'"

    def do(self, store: Store) -> Changes:
        """Create (or, on redo, re-create with the same id)."""
        if self.created is None:
            self.created, changes = register.create_ocg(store, self.ocg)
            return changes
        return register.restore_ocg(store, self.created, action="redo create")

    def undo(self, store: Store) -> Changes:
        """Remove the OCG that was created."""
        assert self.created is not None and self.created.id is not None
        return register.delete_ocg(store, self.created.id, action="undo create")


class EditOcg:
    """Change an OCG's fields; undo writes the old values back (as a new, audited version)."""

    def __init__(self, before: Ocg, after: Ocg) -> None:
        self.before = before
        self.after = after
        self.label = f"Edit {before.display_id}"
        self._version = before.version

    def do(self, store: Store) -> Changes:
        """Save ``after`` over the version the editor started from."""
        stored, changes = register.update_ocg(
            store, dataclasses.replace(self.after, version=self._version), action="update"
        )
        self._version = stored.version
        return changes

    def undo(self, store: Store) -> Changes:
        """Save ``before`` back."""
        stored, changes = register.update_ocg(
            store, dataclasses.replace(self.before, version=self._version), action="undo update"
        )
        self._version = stored.version
        return changes


class AddMember:
    """Add a nominal (optionally a new one) to an OCG; undo removes what was added."""

    def __init__(self, membership: Membership, new_nominal: Nominal | None = None) -> None:
        self.membership = membership
        self.new_nominal = new_nominal
        self.stored: Membership | None = None
        self.created: Nominal | None = None
        self.label = f"Add member to OCG-{membership.ocg_id:04d}"

    @unit_of_work
    def do(self, store: Store) -> Changes:
        """Add (redo re-adds with the same ids)."""
        if self.stored is None:
            self.stored, self.created, changes = register.add_member(
                store, self.membership, new_nominal=self.new_nominal
            )
            return changes
        # the command's state changes only once the unit committed (a retried unit starts over)
        with store.atomic():
            changes = Changes()
            created = self.created
            if created is not None:
                created, changes = register.create_nominal(store, created)
            stored, more = register.add_membership(store, self.stored)
        self.created, self.stored = created, stored
        return changes | more

    @unit_of_work
    def undo(self, store: Store) -> Changes:
        """Remove the membership (and the nominal, when this command recorded it)."""
        assert self.stored is not None
        assert self.stored.id is not None
        with store.atomic():
            changes = register.remove_membership(store, self.stored.id)[1]
            if self.created is not None and self.created.id is not None:
                changes = changes | register.delete_nominal(
                    store, self.created.id, action="undo create"
                )
        return changes


class RemoveMember:
    """Remove a membership; undo puts it back with its id."""

    def __init__(self, membership_id: int, store: Store) -> None:
        self.membership = groups.get_membership(store, membership_id)
        self.label = f"Remove member from OCG-{self.membership.ocg_id:04d}"

    def do(self, store: Store) -> Changes:
        """Remove."""
        assert self.membership.id is not None
        return register.remove_membership(store, self.membership.id)[1]

    def undo(self, store: Store) -> Changes:
        """Put it back."""
        return register.add_membership(store, self.membership)[1]


class AddLocation:
    """Add an OCG location; undo removes it."""

    def __init__(self, location: Location) -> None:
        self.location = location
        self.stored: Location | None = None
        self.label = f"Add location to OCG-{location.ocg_id:04d}"

    def do(self, store: Store) -> Changes:
        """Add (redo re-adds with the same id)."""
        self.stored, changes = register.add_location(store, self.stored or self.location)
        return changes

    def undo(self, store: Store) -> Changes:
        """Remove it."""
        assert self.stored is not None and self.stored.id is not None
        return register.remove_location(store, self.stored.id)[1]


class RemoveLocation:
    """Remove an OCG location; undo puts it back with its id."""

    def __init__(self, location_id: int, store: Store) -> None:
        self.location = groups.get_location(store, location_id)
        self.label = f"Remove location from OCG-{self.location.ocg_id:04d}"

    def do(self, store: Store) -> Changes:
        """Remove."""
        assert self.location.id is not None
        return register.remove_location(store, self.location.id)[1]

    def undo(self, store: Store) -> Changes:
        """Put it back."""
        return register.add_location(store, self.location)[1]
