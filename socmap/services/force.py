"""The force's own settings: its name, shown in briefing and profile titles.

The name lives in the database (``meta``), so every copy of the app and every export made from
that file agree. Changing it is for supervisors and administrators, one audited transaction.
"""

from __future__ import annotations

from socmap.domain.changes import Changes
from socmap.domain.errors import ValidationError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services.auth import require
from socmap.store import audit, meta
from socmap.store.db import Store, unit_of_work

#: The ``meta`` key holding the force's name.
FORCE_NAME_KEY = "force_name"
FORCE_NAME_MAX = 80


def force_name(store: Store) -> str:
    """The force's name ('' when none has been set)."""
    require(store, Permission.VIEW, action="see the force's settings")
    return meta.get_value(store, FORCE_NAME_KEY)


def check_force_name(name: str) -> str:
    """A force name: 2-80 printable characters, spaces tidied; ValidationError otherwise."""
    if not isinstance(name, str):
        raise ValidationError("force name", f"expected text, got {type(name).__name__}")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValidationError("force name", "contains control characters")
    clean = " ".join(name.split())
    if len(clean) < 2:
        raise ValidationError("force name", "give the force's name, e.g. 'West Mercia Police'")
    if len(clean) > FORCE_NAME_MAX:
        raise ValidationError(
            "force name",
            f"is {plural(len(clean), 'character')} long; the limit is {FORCE_NAME_MAX}",
        )
    return clean


@unit_of_work
def set_force_name(store: Store, name: str) -> tuple[str, Changes]:
    """Set the name used in briefing and profile titles (supervisors and admins; audited)."""
    require(store, Permission.APPROVE, action="change the force's name")
    clean = check_force_name(name)
    before = meta.get_value(store, FORCE_NAME_KEY)
    if clean == before:
        return clean, Changes()
    with store.atomic():
        meta.set_value(store, FORCE_NAME_KEY, clean)
        audit.record(
            store,
            action="update",
            entity="force",
            entity_id="name",
            summary=f"force name set to '{clean}'",
            before={"force_name": before},
            after={"force_name": clean},
        )
    return clean, Changes.of("force")
