"""The schema's versions: named, append-only migration steps applied by ``open_store``.

Never edit or reorder a step that has shipped; add a new one at the end.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING

import sqlite_utils
from sqlite_utils import Migrations

if TYPE_CHECKING:
    from socmap.store.db import Store

migrations = Migrations("socmap")


@migrations(name="0001_foundation")
def _foundation(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta (key, value) VALUES ('app', 'socmap');

        CREATE TABLE users (
            account TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'supervisor', 'admin')),
            added_on TEXT NOT NULL
        );

        CREATE TABLE areas (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            code TEXT NOT NULL DEFAULT '',
            geom_wkb BLOB NOT NULL,          -- polygonal geometry, EPSG:27700
            minx REAL, miny REAL, maxx REAL, maxy REAL,
            area_km2 REAL NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            attribution TEXT NOT NULL DEFAULT ''
        );

        CREATE TABLE ocgs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            aliases TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL CHECK (status IN ('trigger', 'draft', 'active', 'archived')),
            primary_market TEXT,
            secondary_markets TEXT NOT NULL DEFAULT '[]',
            enablers TEXT NOT NULL DEFAULT '[]',
            lead_area_id INTEGER REFERENCES areas(id) ON DELETE SET NULL,
            lro TEXT NOT NULL DEFAULT '',
            identified_on TEXT,
            archived_on TEXT,
            marking TEXT NOT NULL DEFAULT 'OFFICIAL-SENSITIVE',
            notes TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX ocgs_status ON ocgs(status);
        CREATE INDEX ocgs_lead_area ON ocgs(lead_area_id);

        CREATE TABLE ocg_refs (
            id INTEGER PRIMARY KEY,
            ocg_id INTEGER NOT NULL REFERENCES ocgs(id) ON DELETE CASCADE,
            system TEXT NOT NULL,
            value TEXT NOT NULL,
            UNIQUE (ocg_id, system, value)
        );

        CREATE TABLE nominals (
            id INTEGER PRIMARY KEY,
            surname TEXT NOT NULL,
            forenames TEXT NOT NULL DEFAULT '',
            aliases TEXT NOT NULL DEFAULT '[]',
            date_of_birth TEXT,
            flags TEXT NOT NULL DEFAULT '[]',
            marking TEXT NOT NULL DEFAULT 'OFFICIAL-SENSITIVE',
            notes TEXT NOT NULL DEFAULT '',
            address_label TEXT NOT NULL DEFAULT '',
            address_x REAL, address_y REAL,   -- EPSG:27700
            area_id INTEGER REFERENCES areas(id) ON DELETE SET NULL,
            version INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX nominals_area ON nominals(area_id);

        CREATE TABLE memberships (
            id INTEGER PRIMARY KEY,
            ocg_id INTEGER NOT NULL REFERENCES ocgs(id) ON DELETE CASCADE,
            nominal_id INTEGER NOT NULL REFERENCES nominals(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('principal', 'significant', 'peripheral')),
            tags TEXT NOT NULL DEFAULT '[]',
            start TEXT,
            "end" TEXT
        );
        CREATE INDEX memberships_ocg ON memberships(ocg_id);
        CREATE INDEX memberships_nominal ON memberships(nominal_id);

        CREATE TABLE locations (
            id INTEGER PRIMARY KEY,
            ocg_id INTEGER NOT NULL REFERENCES ocgs(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            easting REAL NOT NULL,
            northing REAL NOT NULL,
            source_x REAL, source_y REAL,
            source_crs TEXT NOT NULL DEFAULT 'EPSG:27700',
            area_id INTEGER REFERENCES areas(id) ON DELETE SET NULL
        );
        CREATE INDEX locations_ocg ON locations(ocg_id);
        CREATE INDEX locations_area ON locations(area_id);

        -- person <-> person links (family, associate, co-offender, ...), graded as recorded
        CREATE TABLE associations (
            id INTEGER PRIMARY KEY,
            nominal_a INTEGER NOT NULL REFERENCES nominals(id) ON DELETE CASCADE,
            nominal_b INTEGER NOT NULL REFERENCES nominals(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            start TEXT,
            "end" TEXT,
            source TEXT NOT NULL DEFAULT '',
            grading_scheme TEXT,
            grade TEXT,
            handling TEXT,
            CHECK (nominal_a <> nominal_b)
        );
        CREATE INDEX associations_a ON associations(nominal_a);
        CREATE INDEX associations_b ON associations(nominal_b);

        CREATE TABLE intel (
            id INTEGER PRIMARY KEY,
            reported_on TEXT,
            category TEXT NOT NULL DEFAULT '',
            grading_scheme TEXT,             -- '3x5x2' or '5x5x5', stored as recorded
            grade TEXT,
            handling TEXT,
            handling_conditions TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            easting REAL, northing REAL,      -- EPSG:27700
            source_x REAL, source_y REAL,
            source_crs TEXT NOT NULL DEFAULT 'EPSG:27700',
            area_id INTEGER REFERENCES areas(id) ON DELETE SET NULL,
            ocg_id INTEGER REFERENCES ocgs(id) ON DELETE SET NULL,
            marking TEXT NOT NULL DEFAULT 'OFFICIAL-SENSITIVE',
            batch TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX intel_area ON intel(area_id);
        CREATE INDEX intel_ocg ON intel(ocg_id);

        -- The audit trail: append-only, hash-chained. The payload (before/after values, which
        -- may hold personal data) sits apart so that disposal can erase it while the chain,
        -- which covers only its digest, still verifies.
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL DEFAULT '',
            summary TEXT NOT NULL DEFAULT '',
            payload_digest TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            row_hash TEXT NOT NULL
        );
        CREATE INDEX audit_entity ON audit(entity, entity_id);
        CREATE TABLE audit_payload (
            audit_id INTEGER PRIMARY KEY REFERENCES audit(id),
            payload TEXT NOT NULL
        );
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        """
    )


# Feature steps follow, each feature below its own marker (file order is the order applied).
# --- geography (issue 3) ---


# --- scoring and schedule (issue 4) ---


@migrations(name="0200_scoring")
def _scoring(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        -- Scoring schemes and the schedule as versioned configuration: an edit adds a version,
        -- never rewrites one, so every past score can be explained by the config it used.
        CREATE TABLE scoring_configs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('ocgm', 'morile', 'schedule')),
            version INTEGER NOT NULL,
            body TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            UNIQUE (kind, version)
        );
        CREATE TRIGGER scoring_configs_no_update BEFORE UPDATE ON scoring_configs
        BEGIN SELECT RAISE(ABORT, 'configuration versions are immutable; add a new one'); END;

        CREATE TABLE assessments (
            id INTEGER PRIMARY KEY,
            ocg_id INTEGER NOT NULL REFERENCES ocgs(id) ON DELETE CASCADE,
            scheme TEXT NOT NULL,
            config_id INTEGER NOT NULL REFERENCES scoring_configs(id),
            config_version INTEGER NOT NULL,
            breakdown TEXT NOT NULL,       -- ratings, rationale, points, scores (JSON)
            total REAL NOT NULL,
            band TEXT NOT NULL,
            assessor TEXT NOT NULL,
            assessed_on TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT 'manual',   -- manual | rescore
            based_on INTEGER REFERENCES assessments(id),
            status TEXT NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
            approver TEXT,
            decided_on TEXT,
            return_reason TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX assessments_ocg ON assessments(ocg_id, status, assessed_on);
        CREATE INDEX assessments_status ON assessments(status);
        -- the score itself never changes; only the workflow columns move on
        CREATE TRIGGER assessments_immutable BEFORE UPDATE OF
            ocg_id, scheme, config_id, config_version, breakdown, total, band, assessor,
            assessed_on, source, based_on ON assessments
        BEGIN SELECT RAISE(ABORT, 'assessments are immutable; record a new one'); END;
        CREATE TRIGGER assessments_no_delete BEFORE DELETE ON assessments
        BEGIN SELECT RAISE(ABORT, 'assessments are never deleted'); END;

        CREATE TABLE schedule_triggers (
            id INTEGER PRIMARY KEY,
            ocg_id INTEGER NOT NULL REFERENCES ocgs(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            on_date TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            recorded_by TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX schedule_triggers_ocg ON schedule_triggers(ocg_id, on_date);

        CREATE TABLE ocg_lifecycle (
            id INTEGER PRIMARY KEY,
            ocg_id INTEGER NOT NULL REFERENCES ocgs(id) ON DELETE CASCADE,
            action TEXT NOT NULL CHECK (action IN ('archive', 'reactivate')),
            on_date TEXT NOT NULL,
            rationale TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX ocg_lifecycle_ocg ON ocg_lifecycle(ocg_id);
        """
    )
    import datetime as _dt
    import json as _json

    from socmap.paths import resources_dir

    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    for kind in ("ocgm", "morile", "schedule"):
        body = _json.loads((resources_dir() / "scoring" / f"{kind}.json").read_text("utf-8"))
        db.execute(
            "INSERT INTO scoring_configs (kind, version, body, created_by, created_at, note) "
            "VALUES (?, 1, ?, 'socmap', ?, 'shipped defaults')",
            [kind, _json.dumps(body), now],
        )


# --- partners and disruptions (issue 5) ---


@migrations(name="0300_partners_disruptions")
def _partners_disruptions(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE partners (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            partner_type TEXT NOT NULL,
            isa_reference TEXT NOT NULL DEFAULT '',
            isa_expires TEXT,
            notes TEXT NOT NULL DEFAULT '',
            marking TEXT NOT NULL DEFAULT 'OFFICIAL-SENSITIVE',
            version INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE partner_contacts (
            id INTEGER PRIMARY KEY,
            partner_id INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            name TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX partner_contacts_partner ON partner_contacts(partner_id);
        CREATE TABLE partner_areas (
            partner_id INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
            area_id INTEGER NOT NULL REFERENCES areas(id) ON DELETE CASCADE,
            PRIMARY KEY (partner_id, area_id)
        );
        CREATE INDEX partner_areas_area ON partner_areas(area_id);
        CREATE TABLE partnership_structures (
            id INTEGER PRIMARY KEY,
            area_id INTEGER NOT NULL REFERENCES areas(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            chair TEXT NOT NULL DEFAULT '',
            cadence TEXT NOT NULL,
            last_meeting TEXT,
            notes TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX partnership_structures_area ON partnership_structures(area_id);
        CREATE TABLE structure_members (
            structure_id INTEGER NOT NULL REFERENCES partnership_structures(id) ON DELETE CASCADE,
            partner_id INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
            PRIMARY KEY (structure_id, partner_id)
        );
        CREATE TABLE partner_ocg_links (
            id INTEGER PRIMARY KEY,
            partner_id INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
            ocg_id INTEGER NOT NULL REFERENCES ocgs(id) ON DELETE CASCADE,
            relation TEXT NOT NULL,
            since TEXT,
            notes TEXT NOT NULL DEFAULT '',
            UNIQUE (partner_id, ocg_id, relation)
        );
        CREATE INDEX partner_ocg_links_ocg ON partner_ocg_links(ocg_id);
        CREATE TABLE ocg_lro (
            ocg_id INTEGER PRIMARY KEY REFERENCES ocgs(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('police', 'partner')),
            name TEXT NOT NULL,
            partner_id INTEGER REFERENCES partners(id) ON DELETE SET NULL
        );
        CREATE TABLE disruptions (
            id INTEGER PRIMARY KEY,
            ocg_id INTEGER NOT NULL REFERENCES ocgs(id) ON DELETE CASCADE,
            occurred_on TEXT NOT NULL,
            strand TEXT NOT NULL,
            tactic_area TEXT NOT NULL,
            tactic TEXT NOT NULL,
            level TEXT NOT NULL
                CHECK (level IN ('major', 'moderate', 'minor', 'none', 'negative')),
            rationale TEXT NOT NULL,
            lead_agency TEXT NOT NULL,
            lead_partner_id INTEGER REFERENCES partners(id) ON DELETE SET NULL,
            lessons TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
            recorded_by TEXT NOT NULL DEFAULT '',
            approver TEXT NOT NULL DEFAULT '',
            approved_on TEXT,
            second_approver TEXT NOT NULL DEFAULT '',
            second_approved_on TEXT,
            marking TEXT NOT NULL DEFAULT 'OFFICIAL-SENSITIVE'
        );
        CREATE INDEX disruptions_ocg ON disruptions(ocg_id, occurred_on);
        CREATE TABLE disruption_partners (
            disruption_id INTEGER NOT NULL REFERENCES disruptions(id) ON DELETE CASCADE,
            partner_id INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
            PRIMARY KEY (disruption_id, partner_id)
        );
        CREATE TABLE disruption_nominals (
            disruption_id INTEGER NOT NULL REFERENCES disruptions(id) ON DELETE CASCADE,
            nominal_id INTEGER NOT NULL REFERENCES nominals(id) ON DELETE CASCADE,
            PRIMARY KEY (disruption_id, nominal_id)
        );
        """
    )


# --- local profiles (issue 6) ---
@migrations(name="0400_profiles")
def _profiles(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        -- one SOC local profile per area: its handling block (section 1)
        CREATE TABLE profiles (
            area_id INTEGER PRIMARY KEY REFERENCES areas(id) ON DELETE CASCADE,
            marking TEXT NOT NULL DEFAULT 'OFFICIAL-SENSITIVE',
            owner TEXT NOT NULL DEFAULT '',
            partners_consulted TEXT NOT NULL DEFAULT '[]',
            data_from TEXT,
            data_to TEXT,
            review_date TEXT,
            version INTEGER NOT NULL DEFAULT 1,
            updated_by TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL DEFAULT ''
        );
        -- narrative sections: every saved version is kept
        CREATE TABLE profile_section_versions (
            id INTEGER PRIMARY KEY,
            area_id INTEGER NOT NULL REFERENCES areas(id) ON DELETE CASCADE,
            section TEXT NOT NULL,
            version INTEGER NOT NULL,
            html TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            owner TEXT NOT NULL DEFAULT '',
            sources TEXT NOT NULL DEFAULT '',
            author TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            based_on INTEGER NOT NULL DEFAULT 0,
            conflict_with INTEGER NOT NULL DEFAULT 0,
            UNIQUE (area_id, section, version)
        );
        CREATE TABLE profile_contributions (
            id INTEGER PRIMARY KEY,
            area_id INTEGER NOT NULL REFERENCES areas(id) ON DELETE CASCADE,
            partner_name TEXT NOT NULL,
            partner_type TEXT NOT NULL,
            partner_id INTEGER,              -- the partner register's id, once linked
            data_supplied TEXT NOT NULL,
            supplied_on TEXT NOT NULL,
            isa_ref TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX profile_contributions_area ON profile_contributions(area_id);
        CREATE TABLE profile_actions (
            id INTEGER PRIMARY KEY,
            area_id INTEGER NOT NULL REFERENCES areas(id) ON DELETE CASCADE,
            strand TEXT NOT NULL CHECK (strand IN ('pursue', 'prevent', 'protect', 'prepare')),
            action TEXT NOT NULL,
            owner TEXT NOT NULL DEFAULT '',
            partner TEXT NOT NULL DEFAULT '',
            due TEXT,
            measure TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'planned',
            linked_ocgs TEXT NOT NULL DEFAULT '[]',
            version INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX profile_actions_area ON profile_actions(area_id);
        -- completeness rules: the expected partner types and the ages, as data admins change
        CREATE TABLE profile_partner_types (
            key TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            position INTEGER NOT NULL
        );
        INSERT INTO profile_partner_types (key, label, position) VALUES
            ('council_csp_housing', 'Council community safety and housing', 1),
            ('social_care', 'Children''s and adult social care', 2),
            ('health', 'Health', 3),
            ('probation', 'Probation', 4),
            ('fire_rescue', 'Fire and rescue', 5),
            ('trading_standards', 'Trading standards / licensing', 6),
            ('dwp_hmrc', 'DWP or HMRC', 7),
            ('rocu', 'Regional organised crime unit', 8);
        CREATE TABLE profile_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO profile_settings (key, value) VALUES
            ('section_max_age_days', '365'), ('review_days', '365');
        """
    )


# --- trust: roles, grading, review (issue 7) ---


@migrations(name="0500_trust")
def _trust(db: sqlite_utils.Database) -> None:
    # MoPI review (brief 6.3): a review date, the recorded rationale for holding the record and
    # its review group (1 public protection, 2 serious, 3 other) on nominals and intelligence;
    # every review decision in its own table. Links carry 3x5x2 handling conditions like intel.
    # audit_payload may only be erased to the tombstone (disposal), never edited or deleted.
    db.executescript(
        """
        ALTER TABLE nominals ADD COLUMN review_due TEXT;
        ALTER TABLE nominals ADD COLUMN retention_rationale TEXT NOT NULL DEFAULT '';
        ALTER TABLE nominals ADD COLUMN review_group INTEGER NOT NULL DEFAULT 3
            CHECK (review_group IN (1, 2, 3));
        ALTER TABLE intel ADD COLUMN review_due TEXT;
        ALTER TABLE intel ADD COLUMN retention_rationale TEXT NOT NULL DEFAULT '';
        ALTER TABLE intel ADD COLUMN review_group INTEGER NOT NULL DEFAULT 3
            CHECK (review_group IN (1, 2, 3));
        ALTER TABLE associations ADD COLUMN handling_conditions TEXT NOT NULL DEFAULT '';
        CREATE INDEX nominals_review_due ON nominals(review_due);
        CREATE INDEX intel_review_due ON intel(review_due);

        CREATE TABLE review_decisions (
            id INTEGER PRIMARY KEY,
            entity TEXT NOT NULL CHECK (entity IN ('nominal', 'intel')),
            entity_id INTEGER NOT NULL,
            decided_on TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('retain', 'dispose')),
            review_group INTEGER NOT NULL CHECK (review_group IN (1, 2, 3)),
            next_review TEXT,
            rationale TEXT NOT NULL
        );
        CREATE INDEX review_decisions_entity ON review_decisions(entity, entity_id);

        CREATE TRIGGER audit_payload_erase_only BEFORE UPDATE ON audit_payload
        WHEN NEW.payload <> '{"erased": true}' OR NEW.audit_id <> OLD.audit_id
        BEGIN SELECT RAISE(ABORT, 'audit payloads may only be erased by disposal'); END;
        CREATE TRIGGER audit_payload_no_delete BEFORE DELETE ON audit_payload
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        """
    )


# --- member network and people at risk (issue 8) ---


@migrations(name="0600_network")
def _network(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE INDEX associations_kind ON associations(kind);

        -- OCG <-> OCG links (supplier, rival, merged, split, ...), graded as recorded
        CREATE TABLE ocg_links (
            id INTEGER PRIMARY KEY,
            ocg_a INTEGER NOT NULL REFERENCES ocgs(id) ON DELETE CASCADE,
            ocg_b INTEGER NOT NULL REFERENCES ocgs(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            start TEXT,
            "end" TEXT,
            source TEXT NOT NULL DEFAULT '',
            grading_scheme TEXT,
            grade TEXT,
            handling TEXT,
            handling_conditions TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            CHECK (ocg_a <> ocg_b)
        );
        CREATE INDEX ocg_links_a ON ocg_links(ocg_a);
        CREATE INDEX ocg_links_b ON ocg_links(ocg_b);

        -- people at risk of being drawn into SOC: potential victims, never members
        CREATE TABLE at_risk (
            id INTEGER PRIMARY KEY,
            nominal_id INTEGER NOT NULL UNIQUE REFERENCES nominals(id) ON DELETE CASCADE,
            risk_level TEXT NOT NULL CHECK (risk_level IN ('low', 'medium', 'high')),
            rationale TEXT NOT NULL,
            vulnerability_factors TEXT NOT NULL DEFAULT '[]',
            owner TEXT NOT NULL DEFAULT '',
            opened_on TEXT,
            review_date TEXT NOT NULL,
            closed_on TEXT,
            version INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE at_risk_indicators (
            id INTEGER PRIMARY KEY,
            nominal_id INTEGER NOT NULL REFERENCES nominals(id) ON DELETE CASCADE,
            indicator TEXT NOT NULL,
            observed_on TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX at_risk_indicators_nominal ON at_risk_indicators(nominal_id);
        CREATE TABLE exploitation (
            id INTEGER PRIMARY KEY,
            at_risk_nominal_id INTEGER NOT NULL REFERENCES nominals(id) ON DELETE CASCADE,
            exploiter_nominal_id INTEGER NOT NULL REFERENCES nominals(id) ON DELETE CASCADE,
            start TEXT,
            "end" TEXT,
            source TEXT NOT NULL DEFAULT '',
            grading_scheme TEXT,
            grade TEXT,
            handling TEXT,
            handling_conditions TEXT NOT NULL DEFAULT '',
            CHECK (at_risk_nominal_id <> exploiter_nominal_id)
        );
        CREATE INDEX exploitation_victim ON exploitation(at_risk_nominal_id);
        CREATE INDEX exploitation_exploiter ON exploitation(exploiter_nominal_id);
        CREATE TABLE interventions (
            id INTEGER PRIMARY KEY,
            nominal_id INTEGER NOT NULL REFERENCES nominals(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            lead_partner TEXT NOT NULL,
            start TEXT NOT NULL,
            "end" TEXT,
            outcome TEXT NOT NULL DEFAULT '',
            review_date TEXT,
            notes TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX interventions_nominal ON interventions(nominal_id);
        CREATE TABLE at_risk_proposals (
            id INTEGER PRIMARY KEY,
            nominal_id INTEGER NOT NULL REFERENCES nominals(id) ON DELETE CASCADE,
            proposed_on TEXT NOT NULL,
            reason TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('accepted', 'declined')),
            decided_by TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX at_risk_proposals_nominal ON at_risk_proposals(nominal_id);

        -- The rule that matters most, kept by the database too: a person at risk is never a
        -- member, and a member is never recorded as a person at risk.
        CREATE TRIGGER memberships_not_at_risk BEFORE INSERT ON memberships
        WHEN EXISTS (SELECT 1 FROM at_risk WHERE nominal_id = NEW.nominal_id)
        BEGIN SELECT RAISE(ABORT, 'a person at risk cannot be recorded as a member'); END;
        CREATE TRIGGER memberships_not_at_risk_update BEFORE UPDATE OF nominal_id ON memberships
        WHEN EXISTS (SELECT 1 FROM at_risk WHERE nominal_id = NEW.nominal_id)
        BEGIN SELECT RAISE(ABORT, 'a person at risk cannot be recorded as a member'); END;
        CREATE TRIGGER at_risk_not_member BEFORE INSERT ON at_risk
        WHEN EXISTS (SELECT 1 FROM memberships WHERE nominal_id = NEW.nominal_id)
        BEGIN SELECT RAISE(ABORT, 'a member cannot be recorded as a person at risk'); END;
        """
    )


# --- store safety (issue 11) ---


@migrations(name="store_intel_source_ref")
def _store_intel_source_ref(db: sqlite_utils.Database) -> None:
    # Where an imported row came from, when the source names it (``police.uk:<Crime ID>``):
    # a crime already imported is recognised by its Crime ID, whatever file it arrives in.
    # Rows imported before this step carry the Crime ID in their text; it is copied out.
    db.executescript(
        """
        ALTER TABLE intel ADD COLUMN source_ref TEXT;
        UPDATE intel SET source_ref = 'police.uk:' || (
            SELECT CASE WHEN instr(rest, ';') > 0 THEN substr(rest, 1, instr(rest, ';') - 1)
                        ELSE rest END
            FROM (SELECT substr(text, instr(text, 'police.uk crime ') + 16) AS rest)
        )
        WHERE instr(text, 'police.uk crime ') > 0;
        CREATE INDEX intel_source_ref ON intel(source_ref) WHERE source_ref IS NOT NULL;
        """
    )


# --- score: what the schedule and scoring tell the analyst (issue 13) ---


@migrations(name="score_review_and_decided_at")
def _score_review_and_decided_at(db: sqlite_utils.Database) -> None:
    """When an assessment was decided (to the microsecond: a trigger recorded after an approval
    must count whatever its event date) and whether it was a full review or a re-calculation of
    old ratings under a new configuration (only full reviews restart the re-assessment clock)."""
    db.executescript(
        """
        ALTER TABLE assessments ADD COLUMN decided_at TEXT;
        ALTER TABLE assessments ADD COLUMN review TEXT NOT NULL DEFAULT 'full'
            CHECK (review IN ('full', 'recalculation'));
        UPDATE assessments SET review = 'recalculation' WHERE source = 'rescore';
        -- the moment of each past decision, from the audit trail where it holds one, else the
        -- start of the decision day (so a trigger recorded that day counts: the safe side)
        UPDATE assessments SET decided_at = COALESCE(
            (SELECT MAX(au.ts) FROM audit au
             WHERE au.entity = 'assessment' AND au.entity_id = CAST(assessments.id AS TEXT)
               AND au.action IN ('approve', 'return')),
            decided_on || 'T00:00:00+00:00')
        WHERE decided_on IS NOT NULL;
        """
    )


# --- boundary re-import keeps everyone's work (issue 11) ---

#: Tables that hold reference data other people's work points at: deleting a row of one of these
#: must never delete that work. Their foreign keys may restrict or set NULL, never cascade.
REFERENCE_TABLES = ("areas", "users", "partners", "scoring_configs")


@migrations(name="areas_retired")
def _areas_retired(db: sqlite_utils.Database) -> None:
    # An area a new boundary file no longer holds is retired, never deleted: it keeps its id,
    # geometry and everything attached to it, and drops out of current lists and assignment.
    db.executescript(
        """
        ALTER TABLE areas ADD COLUMN retired_on TEXT;
        ALTER TABLE areas ADD COLUMN retired_by TEXT NOT NULL DEFAULT '';
        CREATE INDEX areas_retired ON areas(retired_on);
        """
    )


_CASCADE_FROM_REFERENCE = re.compile(
    r"(REFERENCES\s+[\"`\[]?(?:" + "|".join(REFERENCE_TABLES) + r")[\"`\]]?\s*"
    r"(?:\([^)]*\))?\s*(?:ON\s+UPDATE\s+(?:SET\s+NULL|SET\s+DEFAULT|CASCADE|RESTRICT|"
    r"NO\s+ACTION)\s*)?ON\s+DELETE\s+)CASCADE\b",
    re.IGNORECASE,
)


def _cascading_from_reference(conn: sqlite3.Connection) -> list[str]:
    """Tables with an ON DELETE CASCADE foreign key whose parent is a reference table."""
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    return [
        t
        for t in tables
        if any(
            fk[2] in REFERENCE_TABLES and str(fk[6]).upper() == "CASCADE"
            for fk in conn.execute(f'PRAGMA foreign_key_list("{t}")')
        )
    ]


def _rebuild_table(conn: sqlite3.Connection, table: str, create_sql: str) -> None:
    """Steps 4-8 of SQLite's 12-step table change: new table, copy, drop, rename, re-index."""
    extras = conn.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger')"
        " AND sql IS NOT NULL ORDER BY type, name",
        [table],
    ).fetchall()
    temp = f"_areas_rebuild_{table}"
    head = re.match(
        r"\s*CREATE\s+TABLE\s+(?:[\"`\[]?" + re.escape(table) + r"[\"`\]]?)",
        create_sql,
        re.IGNORECASE,
    )
    if head is None:
        raise RuntimeError(f"cannot rebuild {table}: unexpected CREATE statement")
    conn.execute(f'CREATE TABLE "{temp}"' + create_sql[head.end() :])
    conn.execute(f'INSERT INTO "{temp}" SELECT * FROM "{table}"')
    conn.execute(f'DROP TABLE "{table}"')
    conn.execute(f'ALTER TABLE "{temp}" RENAME TO "{table}"')
    for (sql,) in extras:
        conn.execute(sql)


@contextlib.contextmanager
def _table_rebuild(conn: sqlite3.Connection, *, legacy_alter: bool = False) -> Iterator[None]:
    """SQLite's 12-step table change around the body: foreign keys off, one transaction,
    ``foreign_key_check`` before it commits, everything rolled back on any error.

    ``legacy_alter``: triggers on other tables name the rebuilt table, so the rename must not
    re-check them (SQLite's legacy rename, as its 12-step procedure says).
    """
    if conn.in_transaction:
        conn.execute("COMMIT")
    conn.execute("PRAGMA foreign_keys=OFF")
    if legacy_alter:
        conn.execute("PRAGMA legacy_alter_table=ON")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"foreign key check failed after rebuild: {broken[:5]}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        if legacy_alter:
            conn.execute("PRAGMA legacy_alter_table=OFF")
        conn.execute("PRAGMA foreign_keys=ON")


@migrations(name="areas_no_cascade_from_reference_tables", transactional=False)
def _areas_no_cascade(db: sqlite_utils.Database) -> None:
    # Re-importing boundaries used to delete every profile, section version, contribution, 4P
    # action, partner-area link and partnership structure through ON DELETE CASCADE from areas.
    # Foreign keys from reference tables now RESTRICT: a delete that would orphan work fails.
    # SQLite cannot alter a foreign key, so each such table is rebuilt from its own stored
    # CREATE statement (whatever columns earlier steps added are kept), with foreign keys off
    # and one transaction around all of it; foreign_key_check must pass before it commits.
    conn = db.conn
    with _table_rebuild(conn):
        for table in _cascading_from_reference(conn):
            (sql,) = conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
            ).fetchone()
            _rebuild_table(conn, table, _CASCADE_FROM_REFERENCE.sub(r"\1RESTRICT", sql))
        left = _cascading_from_reference(conn)
        if left:
            raise RuntimeError(f"tables still cascade from reference tables: {left}")


@migrations(name="privacy_accounts_case_insensitive")
def _privacy_accounts_case_insensitive(db: sqlite_utils.Database) -> None:
    # Account names are compared case-insensitively: keep them in canonical lower case. A name
    # that clashes with an existing lower-case row keeps its own spelling (still matched).
    db.execute(
        "UPDATE OR IGNORE users SET account = lower(account) WHERE account <> lower(account)"
    )


@migrations(name="score_infiltration_counted_once")
def _score_infiltration_counted_once(db: sqlite_utils.Database) -> None:
    """The shipped OCGM-style defaults rated infiltration as a capability factor *and* flagged it
    (one thing added to the score twice). Where the current configuration still does, add a new
    version without the flag; past versions stay as they were, so old scores remain explained."""
    import datetime as _dt
    import json as _json

    row = db.execute(
        "SELECT version, body FROM scoring_configs WHERE kind = 'ocgm' "
        "ORDER BY version DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return
    body = _json.loads(row[1])
    sections = {s.get("key"): s for s in body.get("sections", []) if isinstance(s, dict)}
    flags = sections.get("flags", {}).get("factors", {})
    if "infiltration" not in flags or "infiltration" not in sections.get("capability", {}).get(
        "factors", {}
    ):
        return
    del flags["infiltration"]
    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")
    db.execute(
        "INSERT INTO scoring_configs (kind, version, body, created_by, created_at, note) "
        "VALUES ('ocgm', ?, ?, 'socmap', ?, ?)",
        [
            row[0] + 1,
            _json.dumps(body),
            now,
            "infiltration counted once: the flag duplicated the capability factor",
        ],
    )


# --- cli: lists that say when they are cut (issue 13) ---


@migrations(name="cli_intel_open_data")
def _cli_intel_open_data(db: sqlite_utils.Database) -> None:
    # Public open data (police.uk crimes) is not police information: it is never queued for
    # MoPI review. Rows imported before this step are recognised by their police.uk crime text.
    db.executescript(
        """
        ALTER TABLE intel ADD COLUMN open_data INTEGER NOT NULL DEFAULT 0
            CHECK (open_data IN (0, 1));
        UPDATE intel SET open_data = 1
        WHERE grading_scheme IS NULL AND text LIKE '%police.uk crime %';
        """
    )


@migrations(name="records_import_keys")
def _records_import_keys(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        -- issue 15: the stable key a force's spreadsheet gives each record (per source system),
        -- so re-importing an updated spreadsheet updates the record instead of duplicating it
        CREATE TABLE import_keys (
            system TEXT NOT NULL,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            record_id INTEGER NOT NULL,
            PRIMARY KEY (system, kind, key)
        );
        CREATE INDEX import_keys_record ON import_keys(kind, record_id);
        """
    )


@migrations(name="nbhd_neighbourhoods_places")
def _nbhd_neighbourhoods_places(db: sqlite_utils.Database) -> None:
    """Neighbourhoods inside areas, each row's neighbourhood, and place names (issue 16).

    A row's neighbourhood is derived from its point, like its area. Deleting a neighbourhood only
    clears the reference (never a cascade into analysts' work); moving a row or changing its area
    clears it too, and the neighbourhood service fills it in again.
    """
    db.executescript(
        """
        CREATE TABLE neighbourhoods (
            id INTEGER PRIMARY KEY,
            area_id INTEGER REFERENCES areas(id) ON DELETE SET NULL,
            name TEXT NOT NULL,
            code TEXT NOT NULL DEFAULT '',
            geom_wkb BLOB NOT NULL,          -- polygonal geometry, EPSG:27700
            minx REAL, miny REAL, maxx REAL, maxy REAL,
            area_km2 REAL NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            attribution TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX neighbourhoods_area ON neighbourhoods(area_id, name);

        ALTER TABLE locations ADD COLUMN
            neighbourhood_id INTEGER REFERENCES neighbourhoods(id) ON DELETE SET NULL;
        ALTER TABLE nominals ADD COLUMN
            neighbourhood_id INTEGER REFERENCES neighbourhoods(id) ON DELETE SET NULL;
        ALTER TABLE intel ADD COLUMN
            neighbourhood_id INTEGER REFERENCES neighbourhoods(id) ON DELETE SET NULL;
        CREATE INDEX locations_neighbourhood ON locations(neighbourhood_id);
        CREATE INDEX nominals_neighbourhood ON nominals(neighbourhood_id);
        CREATE INDEX intel_neighbourhood ON intel(neighbourhood_id);

        CREATE TRIGGER locations_nbhd_stale AFTER UPDATE OF easting, northing, area_id
        ON locations WHEN NEW.neighbourhood_id IS NOT NULL AND (OLD.easting IS NOT NEW.easting
            OR OLD.northing IS NOT NEW.northing OR OLD.area_id IS NOT NEW.area_id)
        BEGIN UPDATE locations SET neighbourhood_id = NULL WHERE id = NEW.id; END;
        CREATE TRIGGER nominals_nbhd_stale AFTER UPDATE OF address_x, address_y, area_id
        ON nominals WHEN NEW.neighbourhood_id IS NOT NULL AND (OLD.address_x IS NOT NEW.address_x
            OR OLD.address_y IS NOT NEW.address_y OR OLD.area_id IS NOT NEW.area_id)
        BEGIN UPDATE nominals SET neighbourhood_id = NULL WHERE id = NEW.id; END;
        CREATE TRIGGER intel_nbhd_stale AFTER UPDATE OF easting, northing, area_id
        ON intel WHEN NEW.neighbourhood_id IS NOT NULL AND (OLD.easting IS NOT NEW.easting
            OR OLD.northing IS NOT NEW.northing OR OLD.area_id IS NOT NEW.area_id)
        BEGIN UPDATE intel SET neighbourhood_id = NULL WHERE id = NEW.id; END;

        CREATE TABLE places (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT '',
            population INTEGER,
            x REAL NOT NULL, y REAL NOT NULL,   -- EPSG:27700
            source TEXT NOT NULL DEFAULT '',
            attribution TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX places_xy ON places(x, y);
        """
    )


@migrations(name="nbhd_basemaps")
def _nbhd_basemaps(db: sqlite_utils.Database) -> None:
    """Basemap layers drawn under the threat layers (issue 16), bottom first by position."""
    db.executescript(
        """
        CREATE TABLE basemaps (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('vector', 'xyz', 'wmts', 'mbtiles')),
            source TEXT NOT NULL,            -- a file path or a URL (template)
            layer TEXT NOT NULL DEFAULT '',
            style TEXT NOT NULL DEFAULT '',  -- vector: roads|water|builtup|woodland|rail|auto
            class_field TEXT NOT NULL DEFAULT '',
            attribution TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL DEFAULT 0
        );
        """
    )


@migrations(name="privacy_partner_safe_narratives")
def _privacy_partner_safe_narratives(db: sqlite_utils.Database) -> None:
    # A person writes or approves a partner-safe version of a narrative section; partner
    # documents carry it (for the section version it was cleared for) and nothing else.
    db.executescript(
        """
        CREATE TABLE profile_partner_text (
            id INTEGER PRIMARY KEY,
            area_id INTEGER NOT NULL REFERENCES areas(id) ON DELETE RESTRICT,
            section TEXT NOT NULL,
            for_version INTEGER NOT NULL,
            text TEXT NOT NULL,
            approved_by TEXT NOT NULL,
            approved_at TEXT NOT NULL,
            UNIQUE (area_id, section, for_version)
        );
        """
    )


#: Tables whose records disposal deletes (socmap.store.review.REVIEWED), with their entity.
_DISPOSED_TABLES = {"nominals": "nominal", "intel": "intel"}
_ID_PRIMARY_KEY = re.compile(
    r"(\bid\s+INTEGER\s+PRIMARY\s+KEY)(?!\s+AUTOINCREMENT)(?=\s*[,)]|\s+NOT\b)", re.IGNORECASE
)


def _deleted_by_disposal(conn: sqlite3.Connection) -> list[str]:
    """The disposed tables and every table whose rows go with them (ON DELETE CASCADE, at any
    depth), read from the schema."""
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    found = [t for t in _DISPOSED_TABLES if t in tables]
    changed = True
    while changed:
        changed = False
        for t in tables:
            if t in found:
                continue
            if any(
                fk[2] in found and str(fk[6]).upper() == "CASCADE"
                for fk in conn.execute(f'PRAGMA foreign_key_list("{t}")')
            ):
                found.append(t)
                changed = True
    return found


@migrations(name="fixdata_ids_never_reused", transactional=False)
def _fixdata_ids_never_reused(db: sqlite_utils.Database) -> None:
    # A record id must never be given again after disposal: a new person given a disposed
    # nominal's id would inherit its review and audit history. Each table disposal deletes from
    # gets AUTOINCREMENT (SQLite's 12-step rebuild, as in areas_no_cascade_from_reference_tables),
    # and its sequence starts at the highest id it holds or that the trail shows was disposed.
    conn = db.conn
    with _table_rebuild(conn, legacy_alter=True):
        for table in _deleted_by_disposal(conn):
            (sql,) = conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
            ).fetchone()
            if not _ID_PRIMARY_KEY.search(sql):
                continue  # already AUTOINCREMENT, or no integer id
            _rebuild_table(conn, table, _ID_PRIMARY_KEY.sub(r"\1 AUTOINCREMENT", sql, count=1))
            highest = int(conn.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"').fetchone()[0])
            entity = _DISPOSED_TABLES.get(table)
            if entity is not None:
                disposed = conn.execute(
                    "SELECT MAX(CAST(entity_id AS INTEGER)) FROM audit"
                    " WHERE action = 'dispose' AND entity = ?",
                    [entity],
                ).fetchone()[0]
                highest = max(highest, int(disposed or 0))
            conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", [table])
            conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", [table, highest])


@migrations(name="nbhd_basemap_briefings_and_grids")
def _nbhd_basemap_briefings_and_grids(db: sqlite_utils.Database) -> None:
    """Basemaps (issue 16): which layers briefings draw by default, and the tile grid of a tile
    service ('' = Web Mercator, 'EPSG:27700' = British National Grid) with its WMTS set name."""
    db.executescript(
        """
        ALTER TABLE basemaps ADD COLUMN in_briefings INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE basemaps ADD COLUMN grid TEXT NOT NULL DEFAULT '';
        ALTER TABLE basemaps ADD COLUMN matrix_set TEXT NOT NULL DEFAULT '';
        """
    )


@migrations(name="load_latest_assessment_index")
def _load_latest_assessment_index(db: sqlite_utils.Database) -> None:
    # "Each group's latest approved assessment" (the register, the schedule) walks this index
    # backwards per group, ordered by date then id. SQLite's index entries end with the rowid
    # (the id) already; the server's did not, so PostgreSQL sorted each group's rows again
    # (28,681 times on the national demo): id is now the index's last column on both engines.
    db.executescript(
        """
        DROP INDEX IF EXISTS assessments_ocg;
        CREATE INDEX assessments_ocg ON assessments(ocg_id, status, assessed_on, id);
        """
    )


# --- end of feature steps ---


def known_migration_names() -> list[str]:
    """Names of every schema step this version of socmap knows, in order."""
    return [m.name for m in migrations._migrations]


def schema_version(store: Store) -> str:
    """The last applied schema step's name (e.g. ``0001_foundation``)."""
    if store.on_server:  # the same ledger, written by 'socmap server init'
        row = store.conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'socmap'"
            " ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return str(row[0]) if row else "none"
    assert store.db is not None
    applied = migrations.applied(store.db)
    return applied[-1].name if applied else "none"


def apply_migrations(store: Store) -> None:
    """Apply pending steps; on a new database, make its creator the admin."""
    if store.db is None:
        raise RuntimeError("a server's schema is created by 'socmap server init'")
    if migrations.pending(store.db):
        migrations.apply(store.db)
    from socmap.store import users

    if not users.any_user(store):
        users.bootstrap_admin(store)
