"""The schema's versions: named, append-only migration steps applied by ``open_store``.

Never edit or reorder a step that has shipped; add a new one at the end.
"""

from __future__ import annotations

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


@migrations(name="privacy_accounts_case_insensitive")
def _privacy_accounts_case_insensitive(db: sqlite_utils.Database) -> None:
    # Account names are compared case-insensitively: keep them in canonical lower case. A name
    # that clashes with an existing lower-case row keeps its own spelling (still matched).
    db.execute(
        "UPDATE OR IGNORE users SET account = lower(account) WHERE account <> lower(account)"
    )


@migrations(name="privacy_partner_safe_narratives")
def _privacy_partner_safe_narratives(db: sqlite_utils.Database) -> None:
    # A person writes or approves a partner-safe version of a narrative section; partner
    # documents carry it (for the section version it was cleared for) and nothing else.
    db.executescript(
        """
        CREATE TABLE profile_partner_text (
            id INTEGER PRIMARY KEY,
            area_id INTEGER NOT NULL REFERENCES areas(id) ON DELETE CASCADE,
            section TEXT NOT NULL,
            for_version INTEGER NOT NULL,
            text TEXT NOT NULL,
            approved_by TEXT NOT NULL,
            approved_at TEXT NOT NULL,
            UNIQUE (area_id, section, for_version)
        );
        """
    )


# --- end of feature steps ---


def known_migration_names() -> list[str]:
    """Names of every schema step this version of socmap knows, in order."""
    return [m.name for m in migrations._migrations]


def schema_version(store: Store) -> str:
    """The last applied schema step's name (e.g. ``0001_foundation``)."""
    applied = migrations.applied(store.db)
    return applied[-1].name if applied else "none"


def apply_migrations(store: Store) -> None:
    """Apply pending steps; on a new database, make its creator the admin."""
    if migrations.pending(store.db):
        migrations.apply(store.db)
    from socmap.store import users

    if not users.any_user(store):
        users.bootstrap_admin(store)
