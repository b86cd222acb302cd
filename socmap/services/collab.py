"""Working together: other people's committed changes, as the open views need to hear of them.

Two engines, one feed (:func:`watch`):

* on a PostgreSQL server every table announces its committed changes on a channel
  (``LISTEN``/``NOTIFY``, :mod:`socmap.store.pg_schema`); the feed listens on a connection of
  its own and names the tables changed and the logins that changed them;
* on a file, another process on the same workstation commits to the same database: SQLite's
  ``data_version`` (polled on a connection of the feed's own, a read of shared memory) says that
  something was committed, and the audit trail (every write is audited) says what and by whom.

Either way the app's own writes are left out (they were announced when made), and what changed
is told as a domain :class:`Changes`, so every open view refreshes as it does after a local edit.
No Qt here: the UI runs :meth:`ChangeFeed.wait` on a thread of its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from socmap.domain.changes import Changes
from socmap.store import audit
from socmap.store.db import Store, data_version

#: What a change to each table may affect, as the views' change kinds ("*": anything). Every
#: table is here (a test reads the schema): a new table must say which views it concerns.
TABLE_KINDS: dict[str, tuple[str, ...]] = {
    "_sqlite_migrations": ("*",),
    "meta": ("force",),
    "users": ("user",),
    "areas": ("area",),
    "neighbourhoods": ("area",),
    "places": ("area",),
    "basemaps": ("*",),
    "ocgs": ("ocg",),
    "ocg_refs": ("ocg",),
    "ocg_lifecycle": ("ocg", "schedule"),
    "ocg_lro": ("ocg_lro",),
    "ocg_links": ("ocg_link",),
    "locations": ("location", "ocg"),
    "memberships": ("membership", "ocg"),
    "nominals": ("nominal",),
    "associations": ("association",),
    "audit": ("audit",),
    "audit_payload": ("audit",),
    "scoring_configs": ("scoring_config",),
    "assessments": ("assessment", "ocg", "schedule"),
    "schedule_triggers": ("schedule",),
    "review_decisions": ("review",),
    "intel": ("intel",),
    "import_keys": ("intel",),
    "partners": ("partner",),
    "partner_areas": ("partner",),
    "partner_contacts": ("partner",),
    "partner_ocg_links": ("partner_link",),
    "partnership_structures": ("partnership_structure",),
    "structure_members": ("partnership_structure",),
    "disruptions": ("disruption",),
    "disruption_nominals": ("disruption",),
    "disruption_partners": ("disruption",),
    "interventions": ("intervention",),
    "at_risk": ("at_risk",),
    "at_risk_indicators": ("at_risk",),
    "at_risk_proposals": ("at_risk",),
    "exploitation": ("at_risk",),
    "profiles": ("profile",),
    "profile_actions": ("profile",),
    "profile_contributions": ("profile",),
    "profile_partner_text": ("profile",),
    "profile_partner_types": ("profile",),
    "profile_section_versions": ("profile",),
    "profile_settings": ("profile",),
}

#: The same for the records the audit trail names (its ``entity``); a test finds every entity
#: the code records. Entities not here (imports, restores, bulk assignment) mean "anything".
ENTITY_KINDS: dict[str, tuple[str, ...]] = {
    "ocg": ("ocg",),
    "ocg_lro": ("ocg_lro",),
    "ocg_link": ("ocg_link",),
    "membership": ("membership", "ocg"),
    "location": ("location", "ocg"),
    "nominal": ("nominal",),
    "association": ("association",),
    "assessment": ("assessment", "ocg", "schedule"),
    "schedule": ("schedule",),
    "scoring_config": ("scoring_config",),
    "user": ("user",),
    "force": ("force",),
    "audit": ("audit",),
    "intel": ("intel",),
    "intervention": ("intervention",),
    "disruption": ("disruption",),
    "partner": ("partner",),
    "partner_link": ("partner_link",),
    "partnership_structure": ("partnership_structure",),
    "at_risk": ("at_risk",),
    "at_risk_indicator": ("at_risk",),
    "at_risk_proposal": ("at_risk",),
    "exploitation": ("at_risk",),
    "profile_action": ("profile",),
    "profile_contribution": ("profile",),
    "profile_config": ("profile",),
    "areas": ("area",),
    "neighbourhoods": ("area",),
    "places": ("area",),
}
#: Entities whose audit rows may change anything (bulk work): every view refreshes.
EVERYTHING_ENTITIES = frozenset({"register", "import", "database", "assign", "basemap"})
#: Audit actions that record a reading, not a change: only the audit trail itself grew.
QUIET_ACTIONS = frozenset({"view", "export"})


@dataclass(frozen=True)
class RemoteChange:
    """Changes someone else committed: what they may affect, and who made them."""

    changes: Changes
    by: tuple[str, ...]
    #: The tables (server) or audited records (file) that changed, for messages and tests.
    touched: tuple[str, ...]

    @property
    def quiet(self) -> bool:
        """True when only the audit trail grew (someone read or exported a record)."""
        return self.changes.kinds <= {"audit"}

    def describe(self) -> str:
        """One line for the status bar, e.g. 'ds.jones saved changes to groups'."""
        kinds = sorted(k for k in self.changes.kinds if k not in {"audit", "*"})
        who = ", ".join(self.by) or "someone"
        what = ", ".join(_KIND_WORDS.get(k, k.replace("_", " ")) for k in kinds)
        return f"changes saved by {who}" + (f" to {what}" if what else "")


_KIND_WORDS = {
    "ocg": "groups",
    "nominal": "people",
    "membership": "memberships",
    "location": "locations",
    "area": "areas",
    "assessment": "assessments",
}


def changes_of_tables(tables: set[str] | frozenset[str]) -> Changes:
    """The views' change kinds for changed tables (unknown tables: anything)."""
    changes = Changes()
    for table in tables:
        for kind in TABLE_KINDS.get(table, ("*",)):
            changes = changes | Changes.of(kind)
    return changes


def changes_of_audit(rows: list[audit.AuditRow]) -> Changes:
    """The views' change kinds for the records that audit ``rows`` name."""
    changes = Changes()
    for row in rows:
        changes = changes | Changes.of("audit")
        if row.action in QUIET_ACTIONS:
            continue
        if row.entity in EVERYTHING_ENTITIES or row.entity not in ENTITY_KINDS:
            changes = changes | Changes.everything()
            continue
        for kind in ENTITY_KINDS[row.entity]:
            changes = changes | Changes.of(kind)
    return changes


class ChangeFeed(Protocol):
    """Other people's committed changes, one batch at a time (used from one thread)."""

    def wait(self, timeout: float) -> list[RemoteChange]:
        """What others committed, waiting up to ``timeout`` seconds for something."""

    def close(self) -> None:
        """Release the feed's connection."""


class ServerFeed:
    """The server's announcements (LISTEN on a connection of its own)."""

    def __init__(self, store: Store) -> None:
        from socmap.store.server import listen

        self._listener = listen(store)

    def wait(self, timeout: float) -> list[RemoteChange]:
        """Transactions others committed, one RemoteChange each."""
        return [
            RemoteChange(
                changes=changes_of_tables(c.tables),
                by=tuple(sorted(c.logins)),
                touched=tuple(sorted(c.tables)),
            )
            for c in self._listener.wait(timeout)
        ]

    def close(self) -> None:
        """Stop listening."""
        self._listener.close()


class FileFeed:
    """Commits by other connections to a database file, found by polling ``data_version``."""

    def __init__(self, store: Store, *, interval: float = 0.2) -> None:
        self._origin = store
        self._own = store.reopen()
        self._interval = interval
        self._version = data_version(self._own)
        self._last = audit.head(self._own)[0]

    def wait(self, timeout: float) -> list[RemoteChange]:
        """What others committed since the last call (polling every ``interval`` s)."""
        deadline = time.monotonic() + timeout
        while True:
            version = data_version(self._own)
            if version != self._version:
                self._version = version
                rows = self._new_rows()
                if rows:
                    return [
                        RemoteChange(
                            changes=changes_of_audit(rows),
                            by=tuple(sorted({r.actor for r in rows})),
                            touched=tuple(sorted({r.entity for r in rows})),
                        )
                    ]
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            time.sleep(min(self._interval, left))

    def _new_rows(self) -> list[audit.AuditRow]:
        found: list[audit.AuditRow] = []
        while True:
            batch = audit.rows_after(self._own, self._last)
            if not batch:
                break
            self._last = batch[-1].id
            found.extend(r for r in batch if not self._origin.is_own_audit_row(r.id))
        return found

    def close(self) -> None:
        """Close the feed's connection."""
        self._own.close()


class NoFeed:
    """An in-memory database: nobody else can change it."""

    def wait(self, timeout: float) -> list[RemoteChange]:
        """Nothing, after ``timeout``."""
        time.sleep(timeout)
        return []

    def close(self) -> None:
        """Nothing to release."""


def watch(store: Store) -> ChangeFeed:
    """A feed of the changes others commit to ``store``'s database (not ``store``'s own).

    It opens a connection of its own: call it on the thread that will wait on the feed.
    """
    if store.on_server:
        return ServerFeed(store)
    if store.path is None:
        return NoFeed()
    return FileFeed(store)
