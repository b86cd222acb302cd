"""Unrated factors through the services, the CLI and the schema (issue 13 point 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from socmap import cli
from socmap.domain.errors import ValidationError
from socmap.services import scoring
from tests.conftest import act_as
from tests.services.test_scoring import counts, new_group, rated


def test_a_sparse_assessment_cannot_be_submitted_but_can_be_a_draft(store: Any) -> None:
    oid = new_group(store)
    act_as(store, "analyst.one", "analyst")
    before = counts(store)
    with pytest.raises(ValidationError, match="not known"):
        scoring.create_assessment(
            store, ocg_id=oid, scheme="ocgm", ratings={"markets.drugs": 3}, submit=True
        )
    assert counts(store) == before
    draft, _ = scoring.create_assessment(
        store, ocg_id=oid, scheme="ocgm", ratings={"markets.drugs": 3}
    )
    assert draft.status == "draft" and len(draft.breakdown.not_known) == 19
    before = counts(store)
    with pytest.raises(ValidationError) as err:
        scoring.submit_assessment(store, draft.id)
    assert err.value.field == "markets.violence"
    assert counts(store) == before
    assert scoring.get_assessment(store, draft.id).status == "draft"
    ok, _ = scoring.create_assessment(
        store, ocg_id=oid, scheme="ocgm", ratings=rated(markets__drugs=3), submit=True
    )
    assert ok.status == "submitted" and not ok.breakdown.not_known


def test_saving_a_configuration_that_counts_a_factor_twice_writes_nothing(store: Any) -> None:
    _v, body = scoring.config_document(store, "ocgm")
    flags = next(s for s in body["sections"] if s["key"] == "flags")
    flags["factors"]["infiltration"] = {"label": "Infiltration", "weight": 4}
    act_as(store, "admin.one", "admin")
    before = counts(store)
    with pytest.raises(ValidationError) as err:
        scoring.save_config(store, kind="ocgm", body=body)
    assert err.value.field == "flags.infiltration"
    assert counts(store) == before


@pytest.mark.sqlite_only  # a schema step run on an existing file (a server starts at the last)
def test_an_existing_database_gets_infiltration_counted_once(store: Any) -> None:
    from socmap.store.migrations import _score_infiltration_counted_once

    _v, body = scoring.config_document(store, "ocgm")
    flags = next(s for s in body["sections"] if s["key"] == "flags")
    flags["factors"]["infiltration"] = {"label": "Infiltration", "weight": 4}
    with store.atomic():  # as shipped before: infiltration rated and flagged
        store.conn.execute(
            "INSERT INTO scoring_configs (kind, version, body, created_by, created_at, note) "
            "VALUES ('ocgm', 2, ?, 'socmap', '2026-01-01T00:00:00+00:00', 'old defaults')",
            [json.dumps(body)],
        )
    oid = new_group(store)
    act_as(store, "analyst.one", "analyst")
    old, _ = scoring.create_assessment(
        store,
        ocg_id=oid,
        scheme="ocgm",
        ratings={**rated(capability__infiltration=2), "flags.infiltration": True},
        submit=True,
    )
    assert old.config_version == 2
    act_as(store, "ds.two", "supervisor")
    scoring.approve_assessment(store, old.id)
    _score_infiltration_counted_once(store.db)
    version, fixed = scoring.config_document(store, "ocgm")
    assert version == 3
    flags = next(s for s in fixed["sections"] if s["key"] == "flags")
    assert "infiltration" not in flags["factors"]
    policy, _ = scoring.load_policy(store, "ocgm")
    assert policy.factor("capability.infiltration")
    # old ratings re-score under the corrected version: the flag's 4 points go, nothing fails
    act_as(store, "analyst.one", "analyst")
    summary = scoring.rescore_all(store)
    assert summary.created == 1 and not summary.failed
    (draft,) = scoring.drafts(store)
    assert draft.total == old.total - 4 and draft.config_version == 3
    # the past assessment stays explained by the version it was scored under
    assert scoring.load_policy(store, "ocgm", config_id=old.config_id)[0].version == 2


def test_cli_accepts_unknown_and_shows_what_is_not_known(
    capsys: pytest.CaptureFixture[str], demo_path: Path
) -> None:
    db = str(demo_path)
    code = cli.main(
        [
            "assess", "create", "--db", db, "--ocg", "5",
            "--rating", "markets.drugs=high", "--rating", "markets.violence=unknown",
        ]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "19 factors not known" in out and "lower bound" in out
    code = cli.main(
        ["assess", "create", "--db", db, "--ocg", "5", "--rating", "markets.drugs=high", "--submit"]
    )
    out, err = capsys.readouterr()
    assert code != 0 and "not known" in err and len(err.strip().splitlines()) == 1
