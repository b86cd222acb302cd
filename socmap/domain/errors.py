"""The socmap exception hierarchy.

Every error a user can cause derives from :class:`SocmapError` and carries a message written for
that user; the CLI maps the classes to exit codes and prints the message on one line.
"""

from __future__ import annotations


class SocmapError(Exception):
    """Base class for every error that socmap reports to a person."""

    exit_code = 1


class ValidationError(SocmapError):
    """A value broke a domain rule; ``field`` names the field and the message says why."""

    exit_code = 2

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class NotFoundError(SocmapError):
    """A record that was asked for does not exist."""

    exit_code = 3


class ConflictError(SocmapError):
    """Someone else saved a newer version of the record first."""

    exit_code = 4


class PermissionDenied(SocmapError):
    """The current user's role does not allow the action."""

    exit_code = 5


class StoreError(SocmapError):
    """The database file cannot be used (not socmap's, corrupt, from a newer version, locked)."""

    exit_code = 6


class WritesHeld(StoreError):
    """A write on the UI thread was refused for now: the file's integrity check is still running
    (writes on a worker wait for it instead). Nothing was changed; it can be tried again."""


class ImportFailed(SocmapError):
    """An input file was refused as a whole; nothing was written.

    The message names the file and, where it applies, the row or feature and the field.
    """

    exit_code = 7

    def __init__(
        self,
        path: str,
        reason: str,
        *,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.row = row
        self.field = field
        self.reason = reason
        where = path
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {reason}")


class Cancelled(SocmapError):
    """A long job was cancelled by the user; everything it did was rolled back."""

    exit_code = 130
