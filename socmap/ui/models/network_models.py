"""Table models for the Network and At risk tabs: thin adapters over service read models."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from socmap.domain.network import INDICATORS, INTERVENTION_KINDS
from socmap.graph.metrics import KeyPlayer
from socmap.services.atrisk import AtRiskRow, Proposal
from socmap.ui.models.rows_model import Column, RowsTableModel

KEY_PLAYER_COLUMNS: tuple[Column[KeyPlayer], ...] = (
    Column("Name", lambda k: k.name),
    Column("Role", lambda k: k.role.capitalize()),
    Column("Links", lambda k: k.degree, lambda k: k.degree),
    Column("Betweenness", lambda k: f"{k.betweenness:.2f}", lambda k: k.betweenness),
    Column("Eigenvector", lambda k: f"{k.eigenvector:.2f}", lambda k: k.eigenvector),
    Column("Splits group", lambda k: "yes" if k.articulation else "", lambda k: k.cut_off),
)


class KeyPlayersModel(RowsTableModel[KeyPlayer]):
    """Key players, ranked."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(KEY_PLAYER_COLUMNS, parent=parent, row_tooltip=lambda k: k.explanation)


RISK_COLOURS = {"high": QColor("#b2182b"), "medium": QColor("#b45309"), "low": QColor("#4b5563")}


AT_RISK_COLUMNS: tuple[Column[AtRiskRow], ...] = (
    Column("Name", lambda r: r.name),
    Column("Area", lambda r: r.area),
    Column("Risk", lambda r: r.risk_level.capitalize(), lambda r: r.risk_level),
    Column(
        "Indicators",
        lambda r: ", ".join(sorted({INDICATORS.get(k, k) for k, _d in r.indicators})),
        lambda r: len(r.indicators),
    ),
    Column(
        "Interventions",
        lambda r: (
            ", ".join(INTERVENTION_KINDS.get(i.kind, i.kind) for i in r.interventions) or "none"
        ),
        lambda r: len(r.interventions),
    ),
    Column(
        "Review",
        lambda r: r.review_date.isoformat() + (" (overdue)" if r.review_overdue else ""),
        lambda r: r.review_date.isoformat(),
    ),
)


class AtRiskModel(RowsTableModel[AtRiskRow]):
    """People at risk (never members), highest risk first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            AT_RISK_COLUMNS,
            lambda r: r.person_id,
            parent,
            row_tooltip=lambda r: r.reason,
            row_colour=lambda r: RISK_COLOURS.get(r.risk_level),
        )


PROPOSAL_COLUMNS: tuple[Column[Proposal], ...] = (
    Column("Name", lambda p: p.name),
    Column("Area", lambda p: p.area),
    Column("Indicators", lambda p: len(p.indicators), lambda p: len(p.indicators)),
    Column("Steps", lambda p: p.steps, lambda p: p.steps),
    Column("Near", lambda p: f"{p.near_member_name} ({p.near_member_role}, OCG-{p.near_ocg:04d})"),
)


class ProposalsModel(RowsTableModel[Proposal]):
    """People proposed for review as at risk."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            PROPOSAL_COLUMNS, lambda p: p.nominal_id, parent, row_tooltip=lambda p: p.reason
        )
