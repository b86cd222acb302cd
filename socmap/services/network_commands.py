"""Undoable edits for the network and people-at-risk screens (wrapped by ui/undo.py)."""

from __future__ import annotations

from socmap.domain.changes import Changes
from socmap.domain.network import Intervention
from socmap.services import atrisk
from socmap.store.db import Store


class AddIntervention:
    """Record an intervention; undo removes it (both audited)."""

    def __init__(self, intervention: Intervention) -> None:
        self.intervention = intervention
        self.created: Intervention | None = None
        self.label = "Add intervention"

    def do(self, store: Store) -> Changes:
        """Record (again, on redo)."""
        self.created, changes = atrisk.add_intervention(store, self.intervention)
        return changes

    def undo(self, store: Store) -> Changes:
        """Remove the intervention that was recorded."""
        assert self.created is not None and self.created.id is not None
        return atrisk.remove_intervention(store, self.created.id)


class DecideProposal:
    """Accept or decline a proposal; undo takes the decision back."""

    def __init__(
        self, proposal: atrisk.Proposal, *, accept: bool, note: str = "", risk_level: str = "medium"
    ) -> None:
        self.proposal = proposal
        self.accept = accept
        self.note = note
        self.risk_level = risk_level
        self.label = f"{'Accept' if accept else 'Decline'} proposal"

    def do(self, store: Store) -> Changes:
        """Record the decision."""
        return atrisk.decide_proposal(
            store, self.proposal, accept=self.accept, note=self.note, risk_level=self.risk_level
        )

    def undo(self, store: Store) -> Changes:
        """Take the decision back."""
        return atrisk.undo_decision(store, self.proposal.nominal_id)
