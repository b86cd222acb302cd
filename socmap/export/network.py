"""Export a group's member network as PNG or SVG through the app's one graph renderer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from socmap.domain.roles import Permission
from socmap.graph import network as gn
from socmap.render.graph import save_png, save_svg
from socmap.render.network_scene import network_scene
from socmap.services import network as sn
from socmap.services.auth import require
from socmap.services.handling import export_marking
from socmap.services.output import check_target, format_for, write_file
from socmap.store.db import Store


def export_network_image(
    store: Store,
    ocg_id: int,
    path: Path,
    *,
    fmt: str | None = None,
    steps: int = 1,
    as_of: dt.date | None = None,
    flt: gn.NetworkFilter | None = None,
    marking: str | None = None,
    marking_reason: str = "",
) -> int:
    """Draw the group's network (key players ringed) to ``path``; audited; returns the node count.

    The marking is drawn centred top and bottom and stored in the file's metadata.
    """
    require(store, Permission.EXPORT, action="export networks")
    mark = export_marking([], requested=marking, lowering_reason=marking_reason).value
    path = check_target(store, path)
    fmt = format_for(path, fmt, ("png", "svg"), default="png")
    as_of = as_of or dt.date.today()
    data = sn.load(store)
    g = sn.ocg_network(store, ocg_id, steps=steps, as_of=as_of, flt=flt, data=data)
    players = sn.key_players(store, ocg_id, as_of=as_of, data=data)
    top = [k.person_id for k in players[:3] if k.articulation or k.betweenness > 0]
    scene = network_scene(g, sn.positions(g), title=sn.title_for(g, as_of), highlight=top)
    write_file(
        store,
        path,
        lambda tmp: (save_png if fmt == "png" else save_svg)(scene, tmp, marking=mark),
        lambda w: sn.record_export(
            store,
            ocg_id,
            w.path,
            fmt,
            g.number_of_nodes(),
            mark,
            marking_reason,
            sha256=w.sha256,
        ),
    )
    return g.number_of_nodes()
