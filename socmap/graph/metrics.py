"""Key players and what-ifs on a group's member network, each explained in plain words.

Works on the small per-group graphs from :func:`socmap.graph.network.member_graph` (nodes carry
``name`` and ``role``). Wide, national-scale graphs go through :mod:`socmap.graph.engine`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from socmap.domain.text import more, plural
from socmap.graph.network import ROLE_RANK


@dataclass(frozen=True)
class KeyPlayer:
    """One member's place in the group's network."""

    person_id: int
    name: str
    role: str
    degree: int
    betweenness: float
    eigenvector: float
    articulation: bool
    parts_before: int
    parts_after: int
    cut_off: int
    explanation: str


@dataclass(frozen=True)
class WhatIf:
    """The group's network before and after removing people or links."""

    removed_people: tuple[int, ...]
    removed_links: tuple[tuple[int, int], ...]
    before: tuple[frozenset[int], ...]
    after: tuple[frozenset[int], ...]
    sentence: str

    @property
    def parts_before(self) -> int:
        """Connected parts before the removal."""
        return len(self.before)

    @property
    def parts_after(self) -> int:
        """Connected parts after the removal."""
        return len(self.after)


def _parts(g: nx.Graph) -> tuple[frozenset[int], ...]:
    comps = [frozenset(c) for c in nx.connected_components(g)]
    return tuple(sorted(comps, key=lambda c: (-len(c), min(c))))


def _connected_pairs(parts: Iterable[frozenset[int]]) -> int:
    return sum(len(p) * (len(p) - 1) // 2 for p in parts)


def eigenvector(g: nx.Graph) -> dict[int, float]:
    """Eigenvector centrality that copes with tiny or disconnected graphs (0 where undefined)."""
    if g.number_of_edges() == 0:
        return dict.fromkeys(g, 0.0)
    try:
        return dict(nx.eigenvector_centrality(g, max_iter=2000, tol=1e-8))
    except (nx.PowerIterationFailedConvergence, nx.NetworkXException):
        try:
            return dict(nx.eigenvector_centrality_numpy(g))
        except Exception:
            return dict.fromkeys(g, 0.0)


def _name(g: nx.Graph, n: int) -> str:
    return str(g.nodes[n].get("name") or f"person {n}")


def _role(g: nx.Graph, n: int) -> str:
    return str(g.nodes[n].get("role") or "")


def describe_part(g: nx.Graph, part: frozenset[int]) -> str:
    """ "3 people: the principal A, and 2 peripheral members" style description of a part."""
    by_role: dict[str, list[int]] = {}
    for n in part:
        by_role.setdefault(_role(g, n) or "other", []).append(n)
    bits = []
    for role in sorted(by_role, key=lambda r: ROLE_RANK.get(r, 9)):
        people = sorted(by_role[role], key=lambda n: _name(g, n))
        names = more([_name(g, n) for n in people], 3)
        label = role if role != "other" else "other"
        bits.append(f"{plural(len(people), label + ' member')} ({names})")
    return "; ".join(bits)


def _is_leadership(g: nx.Graph, part: frozenset[int]) -> bool:
    return any(_role(g, n) in ("principal", "significant") for n in part)


def _names(g: nx.Graph, people: Iterable[int], limit: int = 5) -> str:
    names = sorted(_name(g, n) for n in people)
    more = len(names) - limit
    return "; ".join(names[:limit]) + (f" and {more} more" if more > 0 else "")


def _split_sentence(
    g: nx.Graph, who: str, short: str, before: int, new_parts: list[frozenset[int]]
) -> str:
    after = before - 1 + len(new_parts)
    parts = sorted(new_parts, key=lambda p: (-len(p), min(p)))
    main, rest = parts[0], parts[1:]
    cut = [n for p in rest for n in p]
    text = (
        f"Removing {who} would split the group's network from "
        f"{plural(before, 'connected part')} into {after}. The largest part keeps {len(main)} "
        f"of the others; cut off: {_names(g, cut)}."
    )
    leaders = [p for p in new_parts if _is_leadership(g, p)]
    street = [p for p in new_parts if not _is_leadership(g, p)]
    if leaders and street:
        n_street = sum(len(p) for p in street)
        text += (
            f" {short} is the only link between the principal/significant members and "
            f"{plural(n_street, 'peripheral (street-level) member')}."
        )
    elif len(leaders) > 1:
        text += f" {short} is the only link between parts of the group's leadership."
    return text


def key_players(g: nx.Graph) -> list[KeyPlayer]:
    """Every node ranked by how much the network depends on them, with a sentence each.

    Rank: people whose removal cuts most pairs of members apart, then betweenness, degree and
    eigenvector centrality.
    """
    if g.number_of_nodes() == 0:
        return []
    between = nx.betweenness_centrality(g, normalized=True)
    eig = eigenvector(g)
    cut_points = set(nx.articulation_points(g)) if g.number_of_edges() else set()
    base_parts = _parts(g)
    base_pairs = _connected_pairs(base_parts)
    n_members = g.number_of_nodes()
    top_eig = max(eig.values(), default=0.0)
    out = []
    for n in g:
        h = g.copy()
        h.remove_node(n)
        after = _parts(h)
        # pairs of the *other* people that could reach each other before and cannot now
        home = next(p for p in base_parts if n in p)
        pairs_before_without_n = base_pairs - (len(home) - 1)
        cut = pairs_before_without_n - _connected_pairs(after)
        who = f"{_name(g, n)}" + (f" ({_role(g, n)})" if _role(g, n) else "")
        deg = g.degree(n)
        if n in cut_points:
            new_parts = [p for p in after if p <= home]
            sentence = _split_sentence(g, who, _name(g, n), len(base_parts), new_parts)
        elif deg == 0:
            sentence = (
                f"{who} has no recorded links to other members of the group; removing them "
                f"changes nothing, but check whether associations are missing."
            )
        else:
            sentence = (
                f"Removing {who} would not split the group's network (it stays in "
                f"{plural(len(base_parts), 'part')})."
            )
        sentence += f" Directly linked to {deg} of the other {plural(n_members - 1, 'member')}"
        if between[n] > 0:
            sentence += f"; on {between[n]:.0%} of the shortest routes between other members"
        if top_eig > 0 and eig.get(n, 0.0) >= 0.75 * top_eig:
            sentence += f"; tied to the group's best-connected members (eigenvector {eig[n]:.2f})"
        sentence += "."
        out.append(
            KeyPlayer(
                person_id=int(n),
                name=_name(g, n),
                role=_role(g, n),
                degree=int(deg),
                betweenness=round(float(between[n]), 4),
                eigenvector=round(float(eig.get(n, 0.0)), 4),
                articulation=n in cut_points,
                parts_before=len(base_parts),
                parts_after=len(after) if n in cut_points else len(base_parts),
                cut_off=int(cut),
                explanation=sentence,
            )
        )
    out.sort(key=lambda k: (-k.cut_off, -k.betweenness, -k.degree, -k.eigenvector, k.person_id))
    return out


def what_if(
    g: nx.Graph,
    *,
    remove_people: Iterable[int] = (),
    remove_links: Iterable[tuple[int, int]] = (),
) -> WhatIf:
    """Components before and after removing people and/or links, with a sentence."""
    people = tuple(p for p in remove_people if p in g)
    links = tuple((a, b) for a, b in remove_links if g.has_edge(a, b))
    h = g.copy()
    h.remove_edges_from(links)
    h.remove_nodes_from(people)
    before, after = _parts(g), _parts(h)
    what = []
    if people:
        what.append(", ".join(_name(g, p) for p in people))
    if links:
        what.append(", ".join(f"the link {_name(g, a)} - {_name(g, b)}" for a, b in links))
    removed = " and ".join(what) or "nothing"
    if len(after) > len(before):
        sentence = (
            f"Without {removed}, the network falls from {plural(len(before), 'connected part')}"
            f" into {len(after)}; the largest part keeps "
            f"{len(after[0]) if after else 0} of {plural(h.number_of_nodes(), 'person')}."
        )
    else:
        sentence = (
            f"Without {removed}, the network stays in {plural(len(after), 'connected part')}."
        )
    return WhatIf(people, links, before, after, sentence)
