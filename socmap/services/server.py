"""The shared PostgreSQL register: setting it up and moving a force's file onto it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from socmap.domain.accounts import canonical_account
from socmap.domain.errors import ValidationError
from socmap.store import server as server_store
from socmap.store.dialect import is_server_url
from socmap.store.server import ImportReport, InitReport

__all__ = ["ImportReport", "InitReport", "import_file", "init", "require_server"]


def require_server(target: str) -> str:
    """``target`` when it names a PostgreSQL server; a one-line error otherwise."""
    if not is_server_url(target):
        raise ValidationError(
            "url",
            f"{target!r} is not a PostgreSQL server; give postgresql://HOST/DATABASE or "
            "'service=NAME' (a libpq service from pg_service.conf)",
        )
    return target


def init(target: str, *, admins: list[str] | None = None) -> InitReport:
    """Create socmap's schema, roles and rules on the empty database ``target``."""
    names = [canonical_account(a) for a in admins or []]
    return server_store.init_server(require_server(target), admins=names)


def import_file(
    source: Path,
    target: str,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Copy the register file ``source`` into the new server register ``target``, verified."""
    return server_store.import_file(source, require_server(target), progress=progress)
