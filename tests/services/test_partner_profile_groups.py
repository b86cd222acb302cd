"""A partner profile lists no group the handling policy withholds (QA: every demo group is
OFFICIAL-SENSITIVE, yet "Groups exploiting people in the area" and the 4P actions listed them).
Discovers every live section provider and every area."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from socmap.domain.profiles import Audience
from socmap.services import handling
from socmap.services.profile_data import PROVIDERS

REF = re.compile(r"OCG-\d{4}")
TODAY = dt.date(2026, 11, 1)


def test_partner_profile_sections_list_only_shareable_groups(demo_store: Any) -> None:
    marks = dict(demo_store.conn.execute("SELECT id, marking FROM ocgs").fetchall())
    shareable = {
        f"OCG-{i:04d}"
        for i, m in marks.items()
        if handling.may_share(audience="partner", marking=m, is_intelligence=False).allowed
    }
    areas = [r[0] for r in demo_store.conn.execute("SELECT id FROM areas").fetchall()]
    listed_internally = False
    leaks: list[tuple[str, int, str]] = []
    for area_id in areas:
        for p in PROVIDERS:
            for audience in (Audience.INTERNAL, Audience.PARTNER):
                sec = p.fn(demo_store, area_id, audience=audience, today=TODAY)
                texts = [*sec.paragraphs]
                for t in sec.tables:
                    texts += [str(c) for row in t.rows for c in row]
                refs = {r for text in texts for r in REF.findall(text)}
                if audience is Audience.INTERNAL:
                    listed_internally |= bool(refs) and p.key in ("people_at_risk", "actions")
                else:
                    leaks += [(p.key, area_id, r) for r in refs - shareable]
    assert listed_internally  # the demo does list groups in these sections internally
    assert leaks == []


def test_partner_graph_figure_draws_only_shareable_groups(
    demo_store: Any, monkeypatch: Any
) -> None:
    from socmap.export import profile as profile_export
    from socmap.render import partner_graph as render_partner_graph

    drawn: dict[str, set[int]] = {}
    real = render_partner_graph.scene_for

    def spy(g: Any, *args: Any, **kwargs: Any) -> Any:
        drawn.setdefault(current, set()).update(
            int(d["record_id"]) for _n, d in g.nodes(data=True) if d.get("kind") == "ocg"
        )
        return real(g, *args, **kwargs)

    monkeypatch.setattr(render_partner_graph, "scene_for", spy)
    marks = dict(demo_store.conn.execute("SELECT id, marking FROM ocgs").fetchall())
    areas = [r[0] for r in demo_store.conn.execute("SELECT id FROM areas").fetchall()]
    for audience in (Audience.INTERNAL, Audience.PARTNER):
        current = audience.value
        for area_id in areas:
            profile_export.partner_graph_figure(demo_store, area_id, audience)
    assert drawn.get("internal")  # the demo links partners to groups
    assert all(
        handling.may_share(audience="partner", marking=marks[o], is_intelligence=False).allowed
        for o in drawn.get("partner", set())
    )
