"""Progress and cancellation, passed to long jobs as a parameter (never a widget)."""

from __future__ import annotations

from typing import Protocol

from socmap.domain.errors import Cancelled


class Progress(Protocol):
    """What a long job reports to, and asks whether it should stop."""

    def advance(self, done: int, total: int) -> None:
        """``done`` of ``total`` steps are finished."""

    def status(self, text: str) -> None:
        """A short description of the current step."""

    @property
    def cancelled(self) -> bool:
        """True when the user asked the job to stop."""


class NullProgress:
    """Progress that reports nowhere and is never cancelled."""

    def advance(self, done: int, total: int) -> None:
        """Ignore progress."""

    def status(self, text: str) -> None:
        """Ignore status text."""

    @property
    def cancelled(self) -> bool:
        """Never cancelled."""
        return False


def check_cancelled(progress: Progress) -> None:
    """Raise :class:`Cancelled` when the user asked to stop (the caller's transaction rolls back)."""
    if progress.cancelled:
        raise Cancelled("cancelled; nothing was changed")
